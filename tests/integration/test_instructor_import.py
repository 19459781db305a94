"""Import GIFT and Aiken into a lesson (preview, then all or nothing); export the bank as GIFT."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from app.bank.gift import parse_gift
from app.bank.models import Question
from app.course.models import Lesson
from app.instructor import services
from app.instructor.models import ImportPreview
from tests.support import csrf_token

UPLOAD = "/instructor/lessons/first-lesson/import"
GOOD_GIFT = """\
// [id:imp-envoy-01] [tag:difficulty-easy] [tag:anchor-envoys]
::Envoy task::What does an envoy do?{=Carries messages#Yes. ~Collects taxes#No.}

// no id: the import gives it one
Envoys first appeared in river kingdoms.{TRUE}

::Year::In which year did the Congress of Vienna end?{#1815:0}
"""
BAD_GIFT = """\
// [id:imp-ok-01]
A fine question?{TRUE}

// [id:imp-bad-01] [tag:anchor-nowhere]
::Broken::What is missing?{=an end
"""
AIKEN = """\
What does an envoy carry?
A. Grain
B. Messages
ANSWER: B
"""


def _upload(client, content: bytes | str, fmt: str = "gift", name: str = "bank.gift", **extra):
    raw = content.encode("utf-8") if isinstance(content, str) else content
    data = {
        "csrf_token": csrf_token(client, UPLOAD),
        "format": fmt,
        "file": (io.BytesIO(raw), name),
        **extra,
    }
    return client.post(UPLOAD, data=data, content_type="multipart/form-data")


def _confirm(client, preview_url: str):
    return client.post(preview_url, data={"csrf_token": csrf_token(client, preview_url)})


def _web_uids(db) -> set[str]:
    return set(db.session.scalars(select(Question.uid).where(Question.origin == "web")))


# --- upload, preview, confirm ------------------------------------------------------------


def test_an_upload_is_previewed_and_only_a_confirmation_imports_it(instructor_client, course, db):
    uploaded = _upload(instructor_client, GOOD_GIFT)
    assert uploaded.status_code == 302, uploaded.get_data(as_text=True)
    preview_url = uploaded.headers["Location"]
    assert _web_uids(db) == set()

    page = instructor_client.get(preview_url).get_data(as_text=True)
    assert "3 questions" in page and "Every question can be imported" in page
    assert "Line 1" in page and "Line 5" in page and "Line 7" in page
    assert "id imp-envoy-01" in page and "a new id" in page
    assert "Import 3 questions" in page

    confirmed = _confirm(instructor_client, preview_url)
    assert confirmed.status_code == 302
    assert confirmed.headers["Location"].endswith("/instructor/lessons/first-lesson/questions")
    questions = db.session.scalars(
        select(Question).where(Question.origin == "web").order_by(Question.position)
    ).all()
    assert [q.current.type for q in questions] == ["single", "truefalse", "numerical"]
    assert questions[0].uid == "imp-envoy-01"
    assert questions[0].current.difficulty == "easy" and questions[0].current.anchor == "envoys"
    assert all(q.uid.startswith("imp-") and q.edited_in_web for q in questions)
    assert [q.position for q in questions] == [4, 5, 6]  # after the lesson's three
    listing = instructor_client.get(confirmed.headers["Location"]).get_data(as_text=True)
    assert "Imported 3 questions." in listing

    # The waiting upload is claimed: confirming twice imports nothing more.
    preview = db.session.scalar(select(ImportPreview))
    assert preview.claimed_at is not None
    again = _confirm(instructor_client, preview_url)
    assert again.status_code == 404
    assert "expired or was already imported" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Question)) == 8


def test_an_aiken_file_imports_as_single_choice(instructor_client, course, db):
    uploaded = _upload(instructor_client, AIKEN, fmt="aiken", name="envoys.txt")
    assert uploaded.status_code == 302
    assert "Aiken" in instructor_client.get(uploaded.headers["Location"]).get_data(as_text=True)
    assert _confirm(instructor_client, uploaded.headers["Location"]).status_code == 302
    question = db.session.scalar(select(Question).where(Question.origin == "web"))
    assert question.current.type == "single"
    assert question.current.payload["choices"][1] == {
        "text": "Messages",
        "fraction": 1.0,
        "feedback": "",
    }


def test_one_bad_question_blocks_the_whole_file_and_each_error_names_its_line(
    instructor_client, course, db
):
    uploaded = _upload(instructor_client, BAD_GIFT)
    preview_url = uploaded.headers["Location"]
    page = instructor_client.get(preview_url).get_data(as_text=True)
    assert "1 question has a problem: nothing can be imported yet" in page
    assert "Line 4" in page
    assert "unclosed brace" in page and "line 5" in page
    assert "anchor &#39;nowhere&#39; is not a paragraph of this lesson" in page
    assert "Import 2 questions" not in page  # no confirm button

    forced = _confirm(instructor_client, preview_url)  # a hand-made confirmation
    assert forced.status_code == 409
    assert "Nothing was imported" in forced.get_data(as_text=True)
    assert _web_uids(db) == set()


def test_ids_already_in_the_bank_are_reported_not_overwritten(instructor_client, course, db):
    text = "// [id:first-01]\n::Clash::Is this a clash?{TRUE}\n"
    uploaded = _upload(instructor_client, text)
    page = instructor_client.get(uploaded.headers["Location"]).get_data(as_text=True)
    assert "id &#39;first-01&#39; already exists in lesson &#39;first-lesson&#39;" in page
    assert _confirm(instructor_client, uploaded.headers["Location"]).status_code == 409
    first = db.session.scalar(select(Question).where(Question.uid == "first-01"))
    assert first.current_number == 1 and first.current.type == "single"

    renamed = _upload(instructor_client, text, fresh_ids="y")
    page = instructor_client.get(renamed.headers["Location"]).get_data(as_text=True)
    assert "imported with a new id" in page
    assert _confirm(instructor_client, renamed.headers["Location"]).status_code == 302
    [uid] = _web_uids(db)
    assert uid.startswith("imp-")


def test_an_id_taken_between_preview_and_confirm_stops_the_import(instructor_client, course, db):
    uploaded = _upload(instructor_client, GOOD_GIFT)
    preview_url = uploaded.headers["Location"]
    assert "Every question can be imported" in instructor_client.get(preview_url).get_data(
        as_text=True
    )
    # Meanwhile, someone else adds a question with one of the file's ids.
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "second-lesson"))
    data = parse_gift("// [id:imp-envoy-01]\nTaken?{TRUE}\n")[0]
    services.create_question(lesson, data, author_id=None, uid="imp-envoy-01")
    db.session.commit()

    confirmed = _confirm(instructor_client, preview_url)
    assert confirmed.status_code == 409
    assert "already exists in lesson &#39;second-lesson&#39;" in confirmed.get_data(as_text=True)
    assert _web_uids(db) == {"imp-envoy-01"}  # only the other one: nothing was imported


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"x" * (1024 * 1024 + 1), "larger than 1 MB"),
        ("Envoys?{TRUE}\n".encode("latin-1") + b"\xe9t\xe9\n", "not UTF-8 text (line 2"),
        (b"", "Choose a file to upload."),
        (b"   \n\n", "The file is empty"),
        (b"// only a comment\n", "The file has no questions."),
        (b"text\x00with a NUL", "not a text file"),
    ],
)
def test_files_that_cannot_be_imported_get_a_clear_message(
    instructor_client, course, db, content, message
):
    name = "" if content == b"" else "bank.gift"
    response = _upload(instructor_client, content, name=name)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.search(r'id="file-error">[^<]*' + re.escape(message), page), message
    assert _web_uids(db) == set()


def test_an_unknown_format_is_a_field_error(instructor_client, course):
    response = _upload(instructor_client, GOOD_GIFT, fmt="xml")
    assert response.status_code == 200
    assert "Choose GIFT or Aiken." in response.get_data(as_text=True)


def test_a_preview_belongs_to_its_instructor_and_its_lesson(instructor_client, app, course, db):
    from tests.support import log_in, make_user

    uploaded = _upload(instructor_client, GOOD_GIFT)
    preview_url = uploaded.headers["Location"]
    token = preview_url.rsplit("/", 1)[1]
    other_lesson = f"/instructor/lessons/second-lesson/import/{token}"
    assert instructor_client.get(other_lesson).status_code == 404
    assert instructor_client.get(UPLOAD + "/not-a-token").status_code == 404
    assert instructor_client.get(UPLOAD + "/" + "../" * 3 + "etc").status_code == 404

    make_user("colleague@example.com", role="instructor")
    colleague = app.test_client()
    log_in(colleague, "colleague@example.com")
    assert colleague.get(preview_url).status_code == 404
    assert _confirm(colleague, preview_url).status_code == 404
    assert _web_uids(db) == set()


# --- export ----------------------------------------------------------------------------


def test_a_lesson_exports_as_gift_with_ids_tags_and_anchors(instructor_client, course):
    response = instructor_client.get("/instructor/lessons/first-lesson/export.gift")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert 'filename="first-lesson.gift"' in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert "// [id:first-01] [tag:difficulty-easy] [tag:anchor-envoys]" in text
    questions = parse_gift(text)
    assert [q.id for q in questions] == ["first-01", "first-02", "first-03"]
    assert all(not q.errors for q in questions)


def test_the_whole_bank_exports_by_lesson_and_marks_retired_questions(
    instructor_client, course, db
):
    first = db.session.scalar(select(Question).where(Question.uid == "second-02"))
    services.set_status(first, "retired")
    db.session.commit()
    text = instructor_client.get("/instructor/export.gift").get_data(as_text=True)
    questions = parse_gift(text)
    assert [q.id for q in questions] == [
        "first-01",
        "first-02",
        "first-03",
        "second-01",
        "second-02",
    ]
    assert [q.category for q in questions] == ["first-lesson"] * 3 + ["second-lesson"] * 2
    assert "retired" in questions[-1].tags and "retired" not in questions[0].tags


def _content(question: Question) -> tuple:
    v = question.current
    return (v.type, v.title, v.prompt, v.payload, v.general_feedback, v.difficulty, v.anchor)


def test_re_importing_an_export_gives_the_same_questions(instructor_client, course, db):
    # Questions of every type, written in the web, join the lesson's file questions.
    uploaded = _upload(instructor_client, GOOD_GIFT)
    _confirm(instructor_client, uploaded.headers["Location"])
    matching = (
        "// [tag:difficulty-hard] [tag:anchor-list-of-duties]\n"
        "::Pairs::Match the duty.{=Envoy -> Carries messages =Attaché -> Advises =-> Taxes}\n\n"
        "::Short::An _____ carries messages.{=envoy =%50%messenger#Close.}\n\n"
        "::Many::Pick the duties.{~%50%Carry ~%50%Negotiate ~%-100%Tax####Two of them.}\n\n"
        "Some words about envoys.\n"
    )
    uploaded = _upload(instructor_client, matching)
    assert _confirm(instructor_client, uploaded.headers["Location"]).status_code == 302
    before = {q.uid: _content(q) for q in services.find_questions()}
    assert len(before) == 12

    exported = instructor_client.get("/instructor/lessons/first-lesson/export.gift")
    # Re-import the export into the same lesson: every id exists, so each gets a new one.
    again = _upload(instructor_client, exported.get_data(), fresh_ids="y")
    preview = instructor_client.get(again.headers["Location"]).get_data(as_text=True)
    assert "Every question can be imported" in preview
    assert _confirm(instructor_client, again.headers["Location"]).status_code == 302

    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "first-lesson"))
    questions = services.find_questions(lesson=lesson)
    originals = [q for q in questions if q.uid in before]
    copies = [q for q in questions if q.uid not in before]
    assert len(copies) == len(originals) == 10
    assert [_content(q) for q in copies] == [_content(q) for q in originals]


def test_html_text_is_accepted_and_odd_ids_are_reported_in_the_preview(
    instructor_client, course, db
):
    text = (
        "// [id:has space]\nFine?{TRUE}\n\n"
        "[html]<p>Is <b>this</b> HTML?</p>{FALSE}\n\n"
        "// [tag:difficulty-brutal]\nHard?{TRUE}\n"
    )
    uploaded = _upload(instructor_client, text)
    page = instructor_client.get(uploaded.headers["Location"]).get_data(as_text=True)
    assert "id &#39;has space&#39; is not usable here" in page
    assert "shown as Markdown" not in page  # [html] questions keep their format now
    assert "difficulty &#39;brutal&#39; is not easy, medium or hard" in page
    assert _confirm(instructor_client, uploaded.headers["Location"]).status_code == 409
    assert _web_uids(db) == set()


def test_a_file_beyond_what_the_server_reads_gets_the_same_clear_message(
    instructor_client, course, db
):
    response = _upload(instructor_client, b"x" * (3 * 1024 * 1024))
    assert response.status_code == 413
    assert "The file is larger than 1 MB" in response.get_data(as_text=True)
    assert _web_uids(db) == set()
