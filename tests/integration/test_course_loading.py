"""`flask course load`: idempotent, all-or-nothing, and never overwriting the web's edits."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.bank.models import Question, QuestionVersion
from app.course.models import Lesson, Module
from app.quizzes.models import Attempt
from tests.support import FIXTURE_COURSE, log_in, make_user, post_form, quiz_fields, start_quiz


@pytest.fixture
def course_copy(tmp_path: Path) -> Path:
    """A private, editable copy of the test course."""
    target = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, target)
    return target


def _load(runner, course_dir: Path):
    return runner.invoke(args=["course", "load", "--dir", str(course_dir)])


def _counts(db) -> tuple[int, int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Module, Lesson, Question, QuestionVersion)
    )


def test_a_first_load_adds_everything_and_a_second_changes_nothing(runner, course_copy, db):
    first = _load(runner, course_copy)
    assert first.exit_code == 0, first.output
    assert _counts(db) == (2, 3, 5, 5)
    second = _load(runner, course_copy)
    assert second.exit_code == 0, second.output
    assert "added 0, updated 0" in second.output
    assert _counts(db) == (2, 3, 5, 5)


def test_a_changed_question_gets_a_new_version_and_unchanged_ones_do_not(runner, course_copy, db):
    _load(runner, course_copy)
    gift = course_copy / "lessons" / "first-lesson.gift"
    gift.write_text(gift.read_text().replace("~Grain#No, grain", "~Gold#No, gold"))
    result = _load(runner, course_copy)
    assert "updated 1" in result.output, result.output
    question = db.session.scalar(select(Question).where(Question.uid == "first-01"))
    assert question.current_number == 2
    assert [v.number for v in question.versions] == [1, 2]
    assert "Gold" in question.current.payload["choices"][1]["text"]
    assert "Grain" in question.versions[0].payload["choices"][1]["text"]


def test_a_malformed_file_aborts_the_load_naming_file_and_line_and_changes_nothing(
    runner, course_copy, db
):
    _load(runner, course_copy)
    before = _counts(db)
    (course_copy / "lessons" / "second-lesson.md").write_text(
        (course_copy / "lessons" / "second-lesson.md").read_text().replace("Exercises", "Drills")
    )
    gift = course_copy / "lessons" / "first-lesson.gift"
    gift.write_text(gift.read_text() + "\n// [id:first-04]\n::Broken::What is missing?{=an end\n")
    result = _load(runner, course_copy)
    assert result.exit_code != 0
    assert "first-lesson.gift:" in result.output
    assert "nothing was loaded" in result.output
    assert _counts(db) == before
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "second-lesson"))
    assert lesson.summary == "Exercises build trust."


def test_a_bad_front_matter_names_the_line(runner, course_copy, db):
    lesson = course_copy / "lessons" / "second-lesson.md"
    lesson.write_text(lesson.read_text().replace('title = "Second Lesson"', 'title = "Second'))
    result = _load(runner, course_copy)
    assert result.exit_code != 0
    assert "second-lesson.md:2" in result.output
    assert _counts(db) == (0, 0, 0, 0)


def test_an_unknown_anchor_is_refused(runner, course_copy, db):
    gift = course_copy / "lessons" / "second-lesson.gift"
    gift.write_text(
        gift.read_text().replace("anchor-exercises]\n::Trust", "anchor-nowhere]\n::Trust")
    )
    result = _load(runner, course_copy)
    assert result.exit_code != 0
    assert "second-lesson.gift:1" in result.output and "nowhere" in result.output


def test_a_question_removed_from_the_file_is_retired_if_answered_and_deleted_if_not(
    runner, course_copy, db, client
):
    _load(runner, course_copy)
    make_user("learner@example.com")
    log_in(client, "learner@example.com")
    url = start_quiz(client, "second-lesson")
    submitted = client.post(url + "/submit", data=quiz_fields(client, url))
    assert submitted.headers["X-Attempt-Outcome"] == "graded"

    gift = course_copy / "lessons" / "second-lesson.gift"
    gift.write_text("")
    first_gift = course_copy / "lessons" / "first-lesson.gift"
    first_gift.write_text(first_gift.read_text().split("// [id:first-03]")[0])
    result = _load(runner, course_copy)
    assert result.exit_code == 0, result.output
    statuses = dict(db.session.execute(select(Question.uid, Question.status)).all())
    assert statuses == {
        "first-01": "active",
        "first-02": "active",
        "second-01": "retired",
        "second-02": "retired",
    }
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1


def test_an_instructors_web_edit_survives_a_later_load(runner, course_copy, db, app):
    _load(runner, course_copy)
    make_user("teacher@example.com", role="instructor")
    teacher = app.test_client()
    log_in(teacher, "teacher@example.com")
    form = {
        "title": "Envoy role",
        "prompt": "What do envoys carry, in the instructor's words?",
        "choices-0-text": "Messages",
        "choices-0-feedback": "Yes.",
        "choices-1-text": "Grain",
        "choices-1-feedback": "No.",
        "correct": "0",
        "general_feedback": "",
        "difficulty": "easy",
        "anchor": "envoys",
    }
    saved = post_form(teacher, "/instructor/questions/first-01/edit", form)
    assert saved.status_code == 302, saved.get_data(as_text=True)

    gift = course_copy / "lessons" / "first-lesson.gift"
    gift.write_text(
        gift.read_text().replace("What does an envoy carry", "What might an envoy carry")
    )
    result = _load(runner, course_copy)
    assert result.exit_code == 0
    assert "conflict: question first-01" in result.output
    question = db.session.scalar(select(Question).where(Question.uid == "first-01"))
    assert question.current.prompt == "What do envoys carry, in the instructor's words?"
    assert question.current_number == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'+++\ntitle = "Second"\n+++\n{#exercises}\nBad \x00 byte\n', "second-lesson.md:5"),
        (b'+++\ntitle = "Caf\xe9"\n+++\n', "second-lesson.md:2"),
    ],
)
def test_a_lesson_file_with_a_nul_or_non_utf8_byte_is_refused_by_line(
    runner, course_copy, db, content, message
):
    (course_copy / "lessons" / "second-lesson.md").write_bytes(content)
    result = _load(runner, course_copy)
    assert result.exit_code != 0
    assert message in result.output
    assert _counts(db) == (0, 0, 0, 0)
