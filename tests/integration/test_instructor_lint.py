"""The item-writing check where questions are written: the editor, the import preview,
the quiz settings; and silences kept with the question version they belong to.

An author is told, while writing, how a learner who never read the lesson could pick
the answer; a rule may be silenced with a reason, and the reason travels with the
question (stored, edited, exported and loaded again).
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.bank.models import Question, QuestionVersion
from app.content.loading import load_course
from app.course.files import read_course
from app.extensions import db
from tests.support import FIXTURE_COURSE, csrf_token, post_form, quiz_settings_form

NEW = "/instructor/lessons/first-lesson/questions/new?type=single"
# The key is far longer than the other options: a test-wise guesser picks it unread.
GIVEAWAY = {
    "title": "",
    "prompt": "Which of these describes what an envoy was sent to do?",
    "choices-0-text": "Carry a ruler's messages between two courts and negotiate on their behalf",
    "choices-0-feedback": "",
    "choices-1-text": "Farm",
    "choices-1-feedback": "",
    "choices-2-text": "Sail",
    "choices-2-feedback": "",
    "choices-3-text": "Sing",
    "choices-3-feedback": "",
    "correct": "0",
    "general_feedback": "",
    "difficulty": "easy",
    "anchor": "envoys",
}
FAIR = {
    **GIVEAWAY,
    "choices-0-text": "Messages",
    "choices-1-text": "Grain",
    "choices-2-text": "Horses",
    "choices-3-text": "Timber",
}
SILENCE = "key-length — the full duty is the answer; shorter wording would be wrong"


def _preview(client, form: dict) -> str:
    response = post_form(client, NEW, {**form, "preview": "Preview"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _save(client, form: dict):
    return post_form(client, NEW, {**form, "submit": "Save question"})


def _stored(prompt: str) -> QuestionVersion:
    return db.session.scalar(select(QuestionVersion).where(QuestionVersion.prompt == prompt))


def test_the_editor_preview_names_the_rule_and_its_evidence(instructor_client, course):
    page = _preview(instructor_client, GIVEAWAY)
    assert "Item-writing check" in page
    assert "<code>key-length</code>" in page

    fair = _preview(instructor_client, FAIR)
    assert "Item-writing check" in fair
    assert "<code>key-length</code>" not in fair and "No warnings." in fair


def test_a_save_with_warnings_is_stored_and_says_so(instructor_client, course):
    response = _save(instructor_client, GIVEAWAY)
    assert response.status_code == 302
    assert _stored(GIVEAWAY["prompt"]) is not None
    listing = instructor_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "item-writing check has" in listing and "key-length" in listing


def test_a_silence_with_a_reason_is_kept_with_the_version_and_exported(instructor_client, course):
    page = _preview(instructor_client, {**GIVEAWAY, "lint_ok": SILENCE})
    assert "Silenced:" in page and "shorter wording would be wrong" in page
    assert "<li><code>key-length</code>:" not in page.split("Silenced:")[0]

    assert _save(instructor_client, {**GIVEAWAY, "lint_ok": SILENCE}).status_code == 302
    version = _stored(GIVEAWAY["prompt"])
    assert version.lint_ok == {
        "key-length": "the full duty is the answer; shorter wording would be wrong"
    }

    uid = db.session.get(Question, version.question_id).uid
    edit = instructor_client.get(f"/instructor/questions/{uid}/edit").get_data(as_text=True)
    assert "key-length — the full duty is the answer" in edit

    gift = instructor_client.get("/instructor/lessons/first-lesson/export.gift")
    assert "// lint-ok: key-length — the full duty is the answer" in gift.get_data(as_text=True)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("no-such-rule — because", "is not a rule of the item-writing linter"),
        ("key-length", "say why"),
        ("lint-ok-no-reason — a silence of the silences", "is not a rule"),
    ],
)
def test_a_silence_naming_no_rule_or_no_reason_is_refused(instructor_client, course, line, message):
    before = db.session.scalar(select(func.count()).select_from(QuestionVersion))
    response = _save(instructor_client, {**GIVEAWAY, "lint_ok": line})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(QuestionVersion)) == before


def test_too_many_silences_are_refused(instructor_client, course):
    lines = "\n".join(["key-length — a reason"] * 21)
    response = _save(instructor_client, {**GIVEAWAY, "lint_ok": lines})
    assert "Silence at most 20 rules." in response.get_data(as_text=True)


def test_the_import_preview_shows_what_the_linter_finds(instructor_client, course):
    gift = (
        "::Envoy::Which of these describes what an envoy was sent to do?"
        "{=Carry a ruler's messages between two courts and negotiate on their behalf"
        " ~Farm ~Sail ~Sing}\n"
    )
    upload = "/instructor/lessons/first-lesson/import"
    response = instructor_client.post(
        upload,
        data={
            "csrf_token": csrf_token(instructor_client, upload),
            "format": "gift",
            "file": (io.BytesIO(gift.encode()), "bank.gift"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = instructor_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Item-writing: <code>key-length</code>" in page
    assert "Import 1 question" in page  # a warning never blocks the import


def test_quiz_settings_warn_when_unshuffled_choices_give_keys_away(instructor_client, course):
    settings = "/instructor/lessons/first-lesson/settings"
    assert "give keys away" not in instructor_client.get(settings).get_data(as_text=True)
    for number in range(3):  # three single-choice keys all stored first
        assert (
            _save(instructor_client, {**FAIR, "prompt": f"Envoy question {number}?"}).status_code
            == 302
        )
    form = quiz_settings_form(shuffle_choices=None)  # shuffling the choices: off
    page = instructor_client.get(settings).get_data(as_text=True)
    base = page.split('name="base" type="hidden" value="')[1].split('"')[0]
    response = post_form(instructor_client, settings, {**form, "base": base})
    assert response.status_code == 302
    page = instructor_client.get(settings).get_data(as_text=True)
    assert "give keys away" in page
    assert "single-choice" in page


def test_a_course_load_keeps_silences_in_place_without_a_new_version(app, db, tmp_path):
    course_dir = tmp_path / "course"
    import shutil

    shutil.copytree(FIXTURE_COURSE, course_dir)
    bank = course_dir / "lessons" / "first-lesson.gift"
    load_course(read_course(course_dir))
    db.session.commit()
    versions = db.session.scalar(select(func.count()).select_from(QuestionVersion))

    text = bank.read_text(encoding="utf-8")
    first_id = text.split("[id:", 1)[1].split("]", 1)[0]
    bank.write_text(
        text.replace(
            f"// [id:{first_id}]", f"// lint-ok: key-length — a reason\n// [id:{first_id}]", 1
        ),
        encoding="utf-8",
    )
    load_course(read_course(course_dir))
    db.session.commit()
    stored = db.session.scalar(
        select(QuestionVersion).join(Question).where(Question.uid == first_id)
    )
    assert stored.lint_ok == {"key-length": "a reason"}
    assert db.session.scalar(select(func.count()).select_from(QuestionVersion)) == versions

    report = load_course(read_course(course_dir))
    db.session.commit()
    assert report.updated == [] and report.added == []
