"""The course settings page: course-wide quiz defaults and review options, kept by later loads."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from app.course.models import Course, Lesson
from app.course.services import bump_content_revision
from app.course.settings import REVIEW_PARTS, QuizSettings
from app.quizzes.models import Attempt, LessonGrade
from tests.support import FIXTURE_COURSE, post_form, quiz_fields, start_quiz
from tests.support.answers import form_answers

PAGE = "/instructor/course/settings"


def _form(**changes: str) -> dict[str, str]:
    """The form as it opens on the fixture course's defaults, with some values changed."""
    values = {
        "pass_mark": "70",
        "max_attempts": "0",
        "time_limit_minutes": "0",
        "draw": "0",
        "shuffle_questions": "y",
        "shuffle_choices": "y",
        "counted_score": "highest",
        **{f"review_{part}": QuizSettings().review_timing(part) for part in REVIEW_PARTS},
    }
    return {**values, **changes}


def _course(db) -> Course:
    db.session.expire_all()
    return db.session.scalar(select(Course))


def _take_wrong(client, db, slug: str) -> str:
    url = start_quiz(client, slug)
    attempt = db.session.scalar(select(Attempt).where(Attempt.id == int(url.rsplit("/", 1)[1])))
    data = {**quiz_fields(client, url), **form_answers(attempt, right=False)}
    response = client.post(url + "/submit", data=data)
    assert response.status_code == 302
    return response.headers["Location"]


def test_the_form_opens_on_the_course_defaults(course, instructor_client):
    page = instructor_client.get(PAGE).get_data(as_text=True)
    assert "<h1>Course settings</h1>" in page
    assert re.search(r'id="pass_mark"[^>]*value="70"', page)
    selected = re.search(
        r'<select[^>]*id="review_correct_answer".*?<option selected value="(\w+)"', page, re.S
    )
    assert selected and selected.group(1) == "after_pass_or_last_attempt"


def test_an_instructor_shows_the_key_at_once_and_a_learners_result_follows(
    course, instructor_client, client, learner, db
):
    failed = _take_wrong(client, db, "first-lesson")
    assert "Correct answer" not in client.get(failed).get_data(as_text=True)

    changes = {"review_correct_answer": "immediately", "review_choice_feedback": "immediately"}
    response = post_form(instructor_client, PAGE, _form(**changes))
    assert response.status_code == 302, response.get_data(as_text=True)
    stored = _course(db)
    assert stored.edited_in_web
    assert stored.quiz_defaults["review_correct_answer"] == "immediately"
    assert "Course settings saved." in instructor_client.get(PAGE).get_data(as_text=True)

    page = client.get(failed).get_data(as_text=True)
    assert "Correct answer</dt><dd>Messages" in page
    assert "No, grain is trade" in page or "No, envoys are not arms dealers" in page
    assert "Envoys are messengers." not in page  # general feedback still waits for a pass


def test_a_lesson_of_its_own_overrides_the_course_review_options(
    course, instructor_client, client, learner, db
):
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "first-lesson"))
    lesson.quiz_settings = {"review_correct_answer": "never"}
    bump_content_revision()
    db.session.commit()
    assert (
        post_form(instructor_client, PAGE, _form(review_correct_answer="immediately")).status_code
        == 302
    )
    first = client.get(_take_wrong(client, db, "first-lesson")).get_data(as_text=True)
    second = client.get(_take_wrong(client, db, "second-lesson")).get_data(as_text=True)
    assert "Correct answer" not in first and "does not show the correct answers" in first
    assert "Correct answer" in second


def test_a_new_default_pass_mark_recomputes_the_grades_of_lessons_that_follow_it(
    course, instructor_client, client, learner, db
):
    _take_wrong(client, db, "first-lesson")
    response = post_form(instructor_client, PAGE, _form(pass_mark="0"))
    assert response.status_code == 302
    assert "grade was recomputed" in instructor_client.get(PAGE).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(LessonGrade)).passed


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("review_marks", "soon", "Review marks must be one of immediately"),
        ("pass_mark", "120", "Pass mark must be between 0 and 100."),
        ("max_attempts", "many", "Max attempts must be a whole number"),
    ],
)
def test_a_bad_value_is_named_next_to_its_field_and_nothing_is_stored(
    course, instructor_client, db, field, value, message
):
    before = dict(_course(db).quiz_defaults)
    response = post_form(instructor_client, PAGE, _form(**{field: value}))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.search(rf'id="{field}-error">{re.escape(message)}', page), page[-3000:]
    assert _course(db).quiz_defaults == before and not _course(db).edited_in_web


def test_a_save_over_a_newer_save_is_refused(course, instructor_client, db):
    opened = instructor_client.get(PAGE).get_data(as_text=True)
    base = re.search(r'name="base" type="hidden" value="(\w+)"', opened).group(1)
    assert post_form(instructor_client, PAGE, _form(pass_mark="60", base=base)).status_code == 302
    response = post_form(instructor_client, PAGE, _form(pass_mark="80", base=base))
    assert response.status_code == 409
    assert "Someone changed these settings" in response.get_data(as_text=True)
    assert _course(db).quiz_defaults["pass_mark"] == 60


def _load(runner, course_dir: Path):
    return runner.invoke(args=["course", "load", "--dir", str(course_dir)])


def test_a_later_load_reports_a_conflict_instead_of_overwriting_a_web_edit(
    runner, instructor_client, db, tmp_path
):
    course_dir = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, course_dir)
    assert _load(runner, course_dir).exit_code == 0
    assert post_form(instructor_client, PAGE, _form(pass_mark="55")).status_code == 302

    unchanged = _load(runner, course_dir)  # `make run` loads on every start
    assert "conflicts 0" in unchanged.output
    toml = course_dir / "course.toml"
    toml.write_text(toml.read_text().replace("pass_mark = 70", "pass_mark = 90"))
    changed = _load(runner, course_dir)
    assert changed.exit_code == 0, changed.output
    assert "conflict: course settings: edited in the web" in changed.output
    assert _course(db).quiz_defaults["pass_mark"] == 55
    assert "conflict: course settings" in _load(runner, course_dir).output  # said again


def test_without_a_web_edit_a_load_applies_course_toml(runner, db, tmp_path):
    course_dir = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, course_dir)
    _load(runner, course_dir)
    toml = course_dir / "course.toml"
    toml.write_text(
        toml.read_text().replace("pass_mark = 70", 'pass_mark = 90\nreview_marks = "never"')
    )
    result = _load(runner, course_dir)
    assert "conflicts 0" in result.output
    assert _course(db).quiz_defaults["pass_mark"] == 90
    assert _course(db).quiz_defaults["review_marks"] == "never"


def test_course_toml_with_an_unknown_timing_is_refused_naming_the_file(runner, db, tmp_path):
    course_dir = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, course_dir)
    toml = course_dir / "course.toml"
    toml.write_text(toml.read_text().replace("pass_mark = 70", 'review_points = "later"'))
    result = _load(runner, course_dir)
    assert result.exit_code != 0
    assert "course.toml" in result.output and "review points must be one of" in result.output
