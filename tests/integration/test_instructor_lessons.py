"""Instructors edit a lesson's text and quiz settings; the course files never overwrite them."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from markupsafe import escape
from sqlalchemy import select

from app.course.models import Lesson
from app.course.settings import REVIEW_PARTS, QuizSettings
from app.quizzes.models import LessonGrade
from tests.support import (
    FIXTURE_COURSE,
    log_in,
    make_user,
    post_form,
    quiz_fields,
    start_quiz,
)

EDIT = "/instructor/lessons/first-lesson/edit"
SETTINGS = "/instructor/lessons/first-lesson/settings"
BODY = (
    "{#envoys}\nAn envoy carries **messages** between states.\n\n"
    "{#origins}\nThe first envoys appear in old river kingdoms.\n\n"
    "{#list-of-duties}\n- Carry messages\n- Negotiate terms\n\n"
    "{#new-paragraph}\nEnvoys also report what they see.\n"
)
TEXT = {
    "title": "Envoys, revised",
    "objectives": "Explain what an envoy does.\r\nName two duties of an envoy.\r\n",
    "body_md": BODY.replace("\n", "\r\n"),
    "key_terms-0-term": "Envoy",
    "key_terms-0-definition": "A messenger sent by one state to another.",
    "key_terms-1-term": "Duty",
    "key_terms-1-definition": "What an envoy must do.",
    "summary": "Envoys carry messages and report.",
}
SETTINGS_FORM = {
    "pass_mark": "70",
    "max_attempts": "3",
    "time_limit_minutes": "20",
    "draw": "2",
    "shuffle_questions": "y",
    "counted_score": "last",
    # The review options as the form shows them by default.
    **{f"review_{part}": QuizSettings().review_timing(part) for part in REVIEW_PARTS},
}


def _lesson(db, slug: str = "first-lesson") -> Lesson:
    return db.session.scalar(select(Lesson).where(Lesson.slug == slug))


def _error_next_to(page: str, field_id: str, message: str) -> bool:
    escaped = re.escape(str(escape(message)))
    pattern = rf'<p class="field__error" id="{re.escape(field_id)}-error">[^<]*{escaped}'
    return re.search(pattern, page) is not None


# --- the text --------------------------------------------------------------------------


def test_the_text_form_opens_with_the_lesson_as_it_is(instructor_client, course):
    page = instructor_client.get(EDIT).get_data(as_text=True)
    assert 'value="First Lesson"' in page
    assert "Explain what an envoy does.\nIdentify where envoys first appear." in page
    assert "{#envoys}" in page
    assert 'value="Envoy"' in page and 'name="key_terms-1-term"' in page  # plus a blank row


def test_an_instructor_rewrites_a_lesson_and_learners_read_the_new_text(
    instructor_client, client, course, db
):
    response = post_form(instructor_client, EDIT, TEXT)
    assert response.status_code == 302, response.get_data(as_text=True)
    lesson = _lesson(db)
    assert lesson.title == "Envoys, revised"
    assert lesson.body_md == BODY
    assert lesson.objectives == ["Explain what an envoy does.", "Name two duties of an envoy."]
    assert lesson.key_terms == [
        {"term": "Envoy", "definition": "A messenger sent by one state to another."},
        {"term": "Duty", "definition": "What an envoy must do."},
    ]
    assert lesson.summary == "Envoys carry messages and report."
    assert lesson.edited_in_web

    page = client.get("/lessons/first-lesson").get_data(as_text=True)
    assert "<h1>Envoys, revised</h1>" in page
    assert '<p id="p-new-paragraph">Envoys also report what they see.</p>' in page
    assert "Name two duties of an envoy." in page and "What an envoy must do." in page


def test_the_preview_renders_through_the_one_renderer_and_saves_nothing(
    instructor_client, course, db
):
    body = TEXT["body_md"] + "\r\n<script>alert(1)</script>\r\n\r\n[x](javascript:alert(1))\r\n"
    response = post_form(instructor_client, EDIT, {**TEXT, "body_md": body, "preview": "Preview"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    preview = page[page.index('id="preview"') : page.index('<form method="post" novalidate')]
    assert "Preview: what a learner reads" in preview
    assert '<p id="p-envoys">An envoy carries <strong>messages</strong> between states.</p>' in (
        preview
    )
    assert "<script>" not in preview and 'href="javascript' not in preview
    assert "What an envoy must do." in preview and "Envoys carry messages and report." in preview
    assert _lesson(db).title == "First Lesson"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": " "}, "title", "Give the lesson a title."),
        ({"body_md": ""}, "body_md", "Write the lesson text."),
        ({"body_md": BODY + "\n{#Bad_Anchor}\nText.\n"}, "body_md", "must be lowercase letters"),
        ({"body_md": BODY + "\n{#envoys}\nAgain.\n"}, "body_md", "appears twice"),
        (
            {"body_md": BODY.replace("{#envoys}\n", "")},
            "body_md",
            "is used by question(s) first-01",
        ),
        ({"key_terms-1-definition": ""}, "key_terms-1-definition", "Give the definition."),
        ({"key_terms-1-term": ""}, "key_terms-1-term", "Give the term, or clear this row."),
        ({"objectives": "x" * 501}, "objectives", "under 500 characters"),
    ],
)
def test_each_mistake_in_the_text_is_explained_next_to_its_field(
    instructor_client, course, db, changes, field, message
):
    response = post_form(instructor_client, EDIT, {**TEXT, **changes})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _error_next_to(page, field, message), re.findall(r"field__error[^<]*", page)
    lesson = _lesson(db)
    assert lesson.title == "First Lesson" and not lesson.edited_in_web


def test_key_term_rows_grow_and_shrink_without_javascript(instructor_client, course, db):
    grown = post_form(instructor_client, EDIT, {**TEXT, "add_row": "Add another term"})
    page = grown.get_data(as_text=True)
    assert 'name="key_terms-2-term"' in page and "Added a row." in page
    shrunk = post_form(instructor_client, EDIT, {**TEXT, "remove_row": "0"})
    page = shrunk.get_data(as_text=True)
    assert re.search(r'name="key_terms-0-term"[^>]*value="Duty"', page)
    assert not _lesson(db).edited_in_web


def test_a_text_edit_made_meanwhile_is_not_overwritten(instructor_client, course, db):
    opened = instructor_client.get(EDIT).get_data(as_text=True)
    base = re.search(r'name="base" type="hidden" value="([^"]+)"', opened).group(1)
    assert post_form(instructor_client, EDIT, {**TEXT, "base": base}).status_code == 302
    late = post_form(instructor_client, EDIT, {**TEXT, "title": "Late title", "base": base})
    assert late.status_code == 409
    assert "Someone saved this lesson while you were editing it" in late.get_data(as_text=True)
    assert _lesson(db).title == "Envoys, revised"


# --- the quiz settings -----------------------------------------------------------------


def test_the_settings_form_shows_the_settings_in_force(instructor_client, course):
    page = instructor_client.get("/instructor/lessons/second-lesson/settings").get_data(
        as_text=True
    )
    assert re.search(r'id="pass_mark"[^>]*value="50"', page)
    assert re.search(r'id="max_attempts"[^>]*value="0"', page)
    assert re.search(r'<option selected value="highest">|<option value="highest" selected>', page)
    final = instructor_client.get("/instructor/lessons/final-review/settings").get_data(
        as_text=True
    )
    assert "final exam" in final and re.search(r'id="draw"[^>]*value="3"', final)


def test_a_lessons_review_options_are_edited_on_its_settings_form(instructor_client, course, db):
    page = instructor_client.get(SETTINGS).get_data(as_text=True)
    assert "After an attempt, what learners see of each question" in page
    changed = {**SETTINGS_FORM, "review_correct_answer": "never", "review_marks": "after_pass"}
    assert post_form(instructor_client, SETTINGS, changed).status_code == 302
    stored = _lesson(db).quiz_settings
    assert stored["review_correct_answer"] == "never" and stored["review_marks"] == "after_pass"
    assert "review_answers" not in stored  # equal to the course default: not stored
    refused = post_form(instructor_client, SETTINGS, {**changed, "review_points": "later"})
    assert refused.status_code == 200
    assert 'id="review_points-error">Review points must be one of' in refused.get_data(as_text=True)


def test_saving_settings_stores_only_what_differs_from_the_course(instructor_client, course, db):
    response = post_form(instructor_client, SETTINGS, SETTINGS_FORM)
    assert response.status_code == 302, response.get_data(as_text=True)
    lesson = _lesson(db)
    assert lesson.quiz_settings == {
        "max_attempts": 3,
        "time_limit_minutes": 20,
        "draw": 2,
        "shuffle_choices": False,
        "counted_score": "last",
    }
    assert lesson.edited_in_web
    assert "Quiz settings saved." in instructor_client.get(SETTINGS).get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"pass_mark": "150"}, "pass_mark", "Pass mark must be between 0 and 100."),
        ({"pass_mark": "lots"}, "pass_mark", "Pass mark must be a number."),
        ({"pass_mark": "nan"}, "pass_mark", "Pass mark must be a number."),
        ({"max_attempts": "-1"}, "max_attempts", "Max attempts must be a whole number"),
        ({"draw": "2.5"}, "draw", "Draw must be a whole number"),
        ({"time_limit_minutes": ""}, "time_limit_minutes", "Time limit minutes must be"),
        ({"time_limit_minutes": "999999"}, "time_limit_minutes", "Keep it at 10080 or less."),
        ({"counted_score": "median"}, "counted_score", "Counted score must be one of"),
    ],
)
def test_each_bad_setting_is_explained_next_to_its_field(
    instructor_client, course, db, changes, field, message
):
    response = post_form(instructor_client, SETTINGS, {**SETTINGS_FORM, **changes})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _error_next_to(page, field, message), re.findall(r"field__error[^<]*", page)
    assert _lesson(db).quiz_settings == {}


def test_a_new_pass_mark_recomputes_the_grades_learners_already_have(
    instructor_client, client, learner, course, db
):
    quiz = start_quiz(client, "first-lesson")
    client.post(quiz + "/submit", data=quiz_fields(client, quiz))  # nothing answered: 0%
    grade = db.session.scalar(select(LessonGrade))
    assert (grade.percent, grade.passed) == (0, False)

    shuffle_only = post_form(instructor_client, SETTINGS, {**SETTINGS_FORM, "counted_score": ""})
    assert shuffle_only.status_code == 200  # an empty rule is refused, nothing recomputed

    response = post_form(
        instructor_client, SETTINGS, {**SETTINGS_FORM, "pass_mark": "0", "counted_score": "highest"}
    )
    assert response.status_code == 302
    page = instructor_client.get(SETTINGS).get_data(as_text=True)
    assert "1 learner&#39;s grades were recomputed" in page or "1 learner's" in page
    db.session.refresh(grade)
    assert grade.passed is True

    unchanged_rule = post_form(
        instructor_client,
        SETTINGS,
        {**SETTINGS_FORM, "pass_mark": "0", "counted_score": "highest", "max_attempts": "5"},
    )
    assert unchanged_rule.status_code == 302
    page = instructor_client.get(SETTINGS).get_data(as_text=True)
    assert "recomputed" not in page


# --- the course files never overwrite web edits ----------------------------------------


@pytest.fixture
def course_copy(tmp_path: Path) -> Path:
    """A private, editable copy of the test course."""
    target = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, target)
    return target


def test_a_later_load_keeps_what_an_instructor_edited_in_the_web(runner, course_copy, app, db):
    loaded = runner.invoke(args=["course", "load", "--dir", str(course_copy)])
    assert loaded.exit_code == 0, loaded.output
    make_user("teacher@example.com", role="instructor")
    teacher = app.test_client()
    log_in(teacher, "teacher@example.com")
    assert post_form(teacher, EDIT, TEXT).status_code == 302
    assert post_form(teacher, SETTINGS, {**SETTINGS_FORM, "pass_mark": "85"}).status_code == 302

    # Someone edits the lesson file too, and loads it.
    lesson_file = course_copy / "lessons" / "first-lesson.md"
    lesson_file.write_text(
        lesson_file.read_text()
        .replace("Envoys carry messages between states.", "A summary from the file.")
        .replace("+++\n\n{#envoys}", "[quiz]\npass_mark = 40\n+++\n\n{#envoys}")
    )
    again = runner.invoke(args=["course", "load", "--dir", str(course_copy)])
    assert again.exit_code == 0, again.output
    assert "conflict: lesson first-lesson" in again.output

    lesson = _lesson(db)
    assert lesson.title == "Envoys, revised"
    assert lesson.summary == "Envoys carry messages and report."
    assert lesson.quiz_settings["pass_mark"] == 85
    # And a load of an unchanged file leaves the edits alone as well.
    third = runner.invoke(args=["course", "load", "--dir", str(course_copy)])
    assert third.exit_code == 0
    assert _lesson(db).body_md == BODY
