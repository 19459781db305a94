"""The editor's limits hold at every way in, and one import holds at most so many questions.

A 400 KB prompt once arrived by GIFT import (the editor stops at 10,000 characters)
and made every quiz page take seconds; a 1 MB file of 'Q{T}' became 174,763
questions and held the write lock until the worker died.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.bank.gift import write_gift
from app.bank.limits import MAX_ANSWER, MAX_LESSON_BODY, MAX_PROMPT
from app.bank.model import QuestionData
from app.bank.models import Question
from app.config import DEFAULT_IMPORT_MAX_QUESTIONS, build_config
from app.course.files import CourseFileError, read_bank, read_lesson
from app.instructor.authoring import bank_problems
from tests.support import csrf_token

UPLOAD = "/instructor/lessons/first-lesson/import"


def _upload(client, text: str, fmt: str = "gift"):
    data = {
        "csrf_token": csrf_token(client, UPLOAD),
        "format": fmt,
        "file": (io.BytesIO(text.encode("utf-8")), "bank.txt"),
    }
    return client.post(UPLOAD, data=data, content_type="multipart/form-data")


def _confirm(client, preview_url: str):
    return client.post(preview_url, data={"csrf_token": csrf_token(client, preview_url)})


def _question_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Question))


# --- GIFT and Aiken imports ----------------------------------------------------------------


def test_a_400_kb_prompt_by_gift_import_is_refused_naming_its_line(instructor_client, course, db):
    before = _question_count(db)
    text = "Fine?{TRUE}\n\n// [id:huge-01]\n::Huge::" + "x" * 400_000 + "{TRUE}\n"
    uploaded = _upload(instructor_client, text)
    preview_url = uploaded.headers["Location"]
    page = instructor_client.get(preview_url).get_data(as_text=True)
    assert "1 question has a problem: nothing can be imported yet" in page
    assert "Line 3" in page  # the preview names the question's line
    assert f"the question text is 400,000 characters long; the limit is {MAX_PROMPT:,}" in page

    forced = _confirm(instructor_client, preview_url)
    assert forced.status_code == 409
    assert _question_count(db) == before


def test_an_aiken_option_longer_than_the_editor_allows_is_refused(instructor_client, course, db):
    before = _question_count(db)
    text = f"Which is it?\nA. {'y' * (MAX_ANSWER + 1)}\nB. Short\nANSWER: B\n"
    uploaded = _upload(instructor_client, text, fmt="aiken")
    preview_url = uploaded.headers["Location"]
    page = instructor_client.get(preview_url).get_data(as_text=True)
    assert f"line 1: answer 1 is 1,001 characters long; the limit is {MAX_ANSWER:,}" in page
    assert _confirm(instructor_client, preview_url).status_code == 409
    assert _question_count(db) == before


def test_a_megabyte_of_tiny_questions_is_refused_at_upload_and_nothing_is_stored(
    instructor_client, course, db
):
    before = _question_count(db)
    text = "Q{T}\n\n" * (1024 * 1024 // 6)  # 174,762 questions
    started = time.monotonic()
    response = _upload(instructor_client, text)
    elapsed = time.monotonic() - started
    assert response.status_code == 200  # the upload form again, with the message
    page = response.get_data(as_text=True)
    assert "The file has more than 500 questions; import at most 500 at a time" in page
    assert _question_count(db) == before
    assert elapsed < 10, f"refusing took {elapsed:.1f} s"


def test_the_question_cap_is_a_setting(app, instructor_client, course, db):
    app.config["IMPORT_MAX_QUESTIONS"] = 3
    four = "".join(f"Question {n}?{{TRUE}}\n\n" for n in range(4))
    refused = _upload(instructor_client, four)
    assert "The file has more than 3 questions" in refused.get_data(as_text=True)

    three = "".join(f"Question {n}?{{TRUE}}\n\n" for n in range(3))
    before = _question_count(db)
    uploaded = _upload(instructor_client, three)
    assert uploaded.status_code == 302
    assert _confirm(instructor_client, uploaded.headers["Location"]).status_code == 302
    assert _question_count(db) == before + 3


# --- configuration ---------------------------------------------------------------------------


def test_import_max_questions_defaults_to_500_and_reads_the_environment(
    tmp_path: Path, monkeypatch
):
    monkeypatch.delenv("IMPORT_MAX_QUESTIONS", raising=False)
    assert build_config(tmp_path, None)["IMPORT_MAX_QUESTIONS"] == DEFAULT_IMPORT_MAX_QUESTIONS
    assert DEFAULT_IMPORT_MAX_QUESTIONS == 500
    monkeypatch.setenv("IMPORT_MAX_QUESTIONS", "50")
    assert build_config(tmp_path, None)["IMPORT_MAX_QUESTIONS"] == 50
    for bad in ("0", "-1", "many"):
        monkeypatch.setenv("IMPORT_MAX_QUESTIONS", bad)
        with pytest.raises(ValueError, match="IMPORT_MAX_QUESTIONS must be a whole number"):
            build_config(tmp_path, None)


# --- the course loader ---------------------------------------------------------------------


def test_the_course_loader_refuses_a_question_over_the_limit_with_file_and_line(
    tmp_path: Path,
):
    bank = tmp_path / "lesson.gift"
    bank.write_text(
        "// [id:ok-01]\nFine?{TRUE}\n\n// [id:long-01]\nLong?{=" + "z" * (MAX_ANSWER + 1) + "}\n",
        encoding="utf-8",
    )
    with pytest.raises(CourseFileError) as refused:
        read_bank(bank, anchors=set())
    assert str(refused.value) == (
        f"{bank}:4: answer 1 is 1,001 characters long; the limit is {MAX_ANSWER:,}"
    )


def test_the_course_loader_refuses_a_lesson_text_over_the_editors_limit(tmp_path: Path):
    body = "A paragraph.\n\n" * (MAX_LESSON_BODY // 14 + 1)
    (tmp_path / "long.md").write_text(f'+++\ntitle = "Long"\n+++\n{body}', encoding="utf-8")
    with pytest.raises(CourseFileError, match=r"long\.md:4: the lesson text is [\d,]+ characters"):
        read_lesson(tmp_path, "long")


def test_the_course_loader_refuses_an_oversized_front_matter_unread(tmp_path: Path):
    objectives = ", ".join(['"o"'] * 70_000)
    text = f'+++\ntitle = "t"\nobjectives = [{objectives}]\n+++\nText.\n'
    (tmp_path / "big.md").write_text(text, encoding="utf-8")
    with pytest.raises(CourseFileError, match=r"big\.md:2: the front matter is [\d,]+ characters"):
        read_lesson(tmp_path, "big")


# --- the question form ---------------------------------------------------------------------


def test_the_editor_save_check_applies_the_same_limits():
    """The form's own check (a GIFT round trip) reports what an import would."""
    question = QuestionData(type="truefalse", prompt="p" * (MAX_PROMPT + 1), correct=True)
    assert write_gift([question])  # GIFT can express it; the limit is what refuses it
    assert bank_problems(question) == [
        f"As GIFT, the question text is 10,001 characters long; the limit is {MAX_PROMPT:,}."
    ]
