"""No authored text survives as markup, whichever way it comes in.

The corpus (xss_payloads.txt, 90 payloads) goes through every authoring path:
lesson Markdown and GIFT files through the course loader, GIFT and Aiken uploads
through the instructor's import, the instructor's question form and lesson form.
What was stored is then rendered where learners and instructors see it (lesson,
outline, quiz, result, previews, the bank) and every page is read as a browser
would: no script or frame elements, no on…= handlers, no style attributes, no
javascript:/data: URLs. Each payload carries a marker (xss-N) and the tests check
that the markers reach the pages, so a path that silently dropped the text would
not pass.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from app.bank.gift import parse_gift, write_gift
from app.bank.model import Choice, MatchPair, QuestionData
from app.rendering import render_inline, render_markdown
from tests.security.pages import form_with, forms_of, live_markup, load_payloads
from tests.support import FIXTURE_COURSE, csrf_token, log_in, make_user, start_quiz
from tests.support.reviews import show_everything_in_reviews

PAYLOADS = load_payloads()


def marker(n: int) -> str:
    return f"xss-{n:03d}"


def one_line(text: str) -> str:
    return " ".join(text.split("\n"))


def assert_clean(html: str, where: str, markers: list[str] | None = None) -> None:
    problems = live_markup(html)
    assert not problems, f"{where}: live markup from authored text:\n" + "\n".join(problems)
    missing = [m for m in markers or [] if m not in html]
    assert not missing, f"{where}: these payloads never reached the page: {missing[:10]}"


def test_the_corpus_is_large_and_varied():
    assert len(PAYLOADS) >= 50
    text = "\n".join(PAYLOADS).lower()
    for kind in ("<script", "onerror=", "javascript:", "<svg", "style=", "&#", "](", "{#"):
        assert kind in text, kind


@pytest.mark.parametrize("n", range(len(PAYLOADS)))
def test_the_sanitiser_leaves_no_markup(n):
    payload = PAYLOADS[n]
    for rendered in (render_markdown(payload), render_inline(one_line(payload))):
        assert not live_markup(str(rendered)), (payload, str(rendered))
        assert marker(n) not in str(rendered)  # (sanity: markers are added by the path tests)


# --- the learner's side of a lesson's quiz ---------------------------------------------


def take_and_submit(client: FlaskClient, slug: str) -> tuple[str, str]:
    """Start a quiz, answer with the first choice everywhere, submit; return both pages.

    The review shows everything at once, so every authored text (keys, feedback)
    reaches the result page and is checked there.
    """
    show_everything_in_reviews()
    quiz_url = start_quiz(client, slug)
    take_page = client.get(quiz_url).get_data(as_text=True)
    form = form_with(take_page, "seq")
    answers = {}
    for f in form.fields:
        if f.kind in ("radio", "checkbox") and f.name not in answers:
            answers[f.name] = f.value
        elif f.kind == "text":
            answers[f.name] = "an answer"
        elif f.kind == "select" and len(f.options) > 1:
            answers[f.name] = f.options[1]
    response = client.post(quiz_url + "/submit", data=form.data(answers))
    assert response.status_code == 302, response.status_code
    result_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "result" in response.headers["Location"]
    return take_page, result_page


def _learner(app) -> FlaskClient:
    make_user("learner@example.com")
    client = app.test_client()
    log_in(client, "learner@example.com")
    return client


def _instructor(app) -> FlaskClient:
    make_user("teacher@example.com", role="instructor")
    client = app.test_client()
    log_in(client, "teacher@example.com")
    return client


# --- GIFT questions carrying the payloads ----------------------------------------------


def payload_questions(prefix: str) -> list[QuestionData]:
    """One question per payload, cycling through the types, payloads in every text."""
    questions = []
    for n, payload in enumerate(PAYLOADS):
        text, line = f"{marker(n)} {payload}", f"{marker(n)} {one_line(payload)}"
        common = {
            "prompt": text,
            "title": line[:180],
            "id": f"{prefix}-{n:03d}",
            "general_feedback": text,
        }
        kind = n % 5
        if kind == 0:
            question = QuestionData(
                type="single",
                choices=[Choice(line, 1.0, line), Choice(f"{marker(n)} other", 0.0, line)],
                **common,
            )
        elif kind == 1:
            question = QuestionData(
                type="multi",
                choices=[
                    Choice(line, 0.5, line),
                    Choice(f"{marker(n)} also right", 0.5, line),
                    Choice(f"{marker(n)} wrong", -1.0, line),
                ],
                **common,
            )
        elif kind == 2:
            question = QuestionData(type="short", choices=[Choice(line, 1.0, line)], **common)
        elif kind == 3:
            question = QuestionData(
                type="matching",
                pairs=[
                    MatchPair(line, f"{marker(n)} right {one_line(payload)}"),
                    MatchPair(f"{marker(n)} left", f"{marker(n)} other"),
                    MatchPair(f"{marker(n)} third", f"{marker(n)} third right"),
                ],
                **common,
            )
        else:
            question = QuestionData(
                type="truefalse", correct=True, feedback_true=line, feedback_false=line, **common
            )
        questions.append(question)
    return questions


def payload_gift(prefix: str) -> str:
    text = write_gift(payload_questions(prefix))
    parsed = parse_gift(text)
    assert len(parsed) == len(PAYLOADS)
    assert [q.errors for q in parsed if q.errors] == []
    return text


def payload_aiken() -> str:
    blocks = []
    for n, payload in enumerate(PAYLOADS):
        line = f"{marker(n)} {one_line(payload)}"
        blocks.append(f"{line}\nA. {line}\nB. {marker(n)} other\nANSWER: A\n")
    return "\n".join(blocks)


# --- path 1: the course loader (lesson Markdown and GIFT files) ------------------------


def _toml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


# The loader refuses a malformed anchor line ({#…}) outright, so those payloads are
# checked one by one below, and the rest go into one lesson.
_ANCHOR_LINE = re.compile(r"^\{#[^}]*\}\s*$", re.MULTILINE)
REFUSED_BY_LOADER = [n for n, p in enumerate(PAYLOADS) if _ANCHOR_LINE.search(p)]
LOADED = [n for n in range(len(PAYLOADS)) if n not in REFUSED_BY_LOADER]


def _course_with_payloads(folder: Path, numbers: list[int]) -> Path:
    course = folder / "course"
    shutil.copytree(FIXTURE_COURSE, course)
    lesson = course / "lessons" / "first-lesson.md"
    body = lesson.read_text(encoding="utf-8").split("+++", 2)[2]
    lines = [f"{marker(n)} {one_line(p)}" for n, p in enumerate(PAYLOADS)]
    front = [
        'title = "First Lesson"',
        # A lesson has at most 30 objectives: every 4th payload (the summary carries them all).
        f"objectives = [{', '.join(_toml(line[:500]) for line in lines[::4])}]",
        f"summary = {_toml(chr(10).join(lines))}",
    ]
    # Key terms: a lesson's usual handful (every payload goes through the summary).
    for line in lines[::12]:
        front += ["[[key_terms]]", f"term = {_toml(line[:180])}", f"definition = {_toml(line)}"]
    blocks = "\n".join(f"\n{marker(n)} follows:\n\n{PAYLOADS[n]}\n" for n in numbers)
    lesson.write_text("+++\n" + "\n".join(front) + "\n+++" + body + blocks, encoding="utf-8")
    gift = course / "lessons" / "first-lesson.gift"
    gift.write_text(
        gift.read_text(encoding="utf-8") + "\n\n" + payload_gift("loaded"), encoding="utf-8"
    )
    return course


def test_lesson_markdown_and_gift_files_through_the_course_loader(app, db, tmp_path):
    from app.content.loading import load_course
    from app.course.files import read_course

    assert len(REFUSED_BY_LOADER) < 5 and len(LOADED) >= 50
    load_course(read_course(_course_with_payloads(tmp_path, LOADED)))
    db.session.commit()
    markers = [marker(n) for n in range(len(PAYLOADS))]

    learner = _learner(app)
    assert_clean(learner.get("/").get_data(as_text=True), "the course outline")
    lesson_page = learner.get("/lessons/first-lesson").get_data(as_text=True)
    assert_clean(lesson_page, "the lesson page", markers)
    take_page, result_page = take_and_submit(learner, "first-lesson")
    assert_clean(take_page, "the quiz page", markers)
    assert_clean(result_page, "the result page", markers)

    instructor = _instructor(app)
    for url in (
        "/instructor/lessons/first-lesson/questions",
        "/instructor/questions?q=xss",
        "/instructor/lessons/first-lesson/edit",
        "/instructor/questions/loaded-000/edit",
        "/instructor/questions/loaded-001/edit",
        "/instructor/questions/loaded-003/edit",
    ):
        response = instructor.get(url)
        assert response.status_code in (200, 302), url
        assert_clean(response.get_data(as_text=True), url)


@pytest.mark.parametrize("n", REFUSED_BY_LOADER)
def test_the_loader_stops_at_a_malformed_anchor(app, tmp_path, n):
    from app.course.files import CourseFileError, read_course

    with pytest.raises(CourseFileError, match="anchor"):
        read_course(_course_with_payloads(tmp_path, [n]))


# --- path 2: the instructor's GIFT and Aiken import ------------------------------------


def _import(instructor: FlaskClient, slug: str, fmt: str, text: str) -> None:
    url = f"/instructor/lessons/{slug}/import"
    data = {
        "csrf_token": csrf_token(instructor, url),
        "format": fmt,
        "fresh_ids": "y",
        "file": (io.BytesIO(text.encode("utf-8")), f"payloads.{fmt}"),
    }
    response = instructor.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 302, forms_of(response.get_data(as_text=True))
    preview_url = response.headers["Location"]
    preview = instructor.get(preview_url).get_data(as_text=True)
    assert_clean(preview, f"the {fmt} import preview", [marker(n) for n in range(len(PAYLOADS))])
    confirm = instructor.post(preview_url, data={"csrf_token": csrf_token(instructor, preview_url)})
    assert confirm.status_code == 302, confirm.get_data(as_text=True)[:2000]


@pytest.mark.parametrize("fmt", ["gift", "aiken"])
def test_gift_and_aiken_uploads_through_the_instructor_import(app, course, fmt):
    instructor = _instructor(app)
    _import(
        instructor, "second-lesson", fmt, payload_gift("up") if fmt == "gift" else payload_aiken()
    )
    bank = instructor.get("/instructor/lessons/second-lesson/questions").get_data(as_text=True)
    assert_clean(bank, "the lesson's question bank")
    markers = [marker(n) for n in range(len(PAYLOADS))]
    take_page, result_page = take_and_submit(_learner(app), "second-lesson")
    assert_clean(take_page, f"the quiz page ({fmt})", markers)
    assert_clean(result_page, f"the result page ({fmt})", markers)


# --- path 3: the instructor's question form and lesson form ----------------------------


_NOT_TEXT = re.compile(r"(weight|value|tolerance|fraction|points|number)$")


def test_the_question_form(app, course):
    instructor = _instructor(app)
    url = "/instructor/lessons/first-lesson/questions/new?type=single"
    form = form_with(instructor.get(url).get_data(as_text=True), "prompt")
    text_fields = [
        f.name
        for f in form.fields
        if f.kind in ("text", "textarea") and not _NOT_TEXT.search(f.name)
    ]
    assert {"prompt", "title", "general_feedback"} <= set(text_fields)
    previews = []
    for n, payload in enumerate(PAYLOADS):
        values = {
            name: (payload if name == "prompt" else f"{marker(n)} {i} {one_line(payload)}")
            for i, name in enumerate(text_fields)
        }
        values["prompt"] = f"{marker(n)} {payload}"
        values["title"] = values["title"][:190]
        values["lint_ok"] = f"key-length — {values['lint_ok']}"  # a silence's reason is text too
        values["correct"] = "0"
        data = form.data(values, submit="submit")
        if n % 15 == 0:
            preview = instructor.post(url, data={**form.data(values, submit="preview")})
            assert preview.status_code == 200
            previews.append(preview.get_data(as_text=True))
        response = instructor.post(url, data=data)
        assert response.status_code == 302, _errors(response.get_data(as_text=True))
    for page in previews:
        assert_clean(page, "the question preview")
    bank = instructor.get("/instructor/lessons/first-lesson/questions").get_data(as_text=True)
    assert_clean(bank, "the question bank")
    markers = [marker(n) for n in range(len(PAYLOADS))]
    take_page, result_page = take_and_submit(_learner(app), "first-lesson")
    assert_clean(take_page, "the quiz page (form-made questions)", markers)
    assert_clean(result_page, "the result page (form-made questions)", markers)


def test_the_lesson_form(app, course):
    instructor = _instructor(app)
    url = "/instructor/lessons/second-lesson/edit"
    form = form_with(instructor.get(url).get_data(as_text=True), "body_md")
    body = form.data()["body_md"]
    lines = [f"{marker(n)} {one_line(p)}" for n, p in enumerate(PAYLOADS)]
    values = {
        "body_md": body + "".join(f"\n\n{marker(n)} follows:\n\n{PAYLOADS[n]}" for n in LOADED),
        "summary": "\n".join(lines),
        "objectives": "\n".join(lines[::4]),  # the form takes at most 30
    }
    for number, name in enumerate(
        n for n in form.names("text") if n.endswith(("-term", "-definition"))
    ):
        values[name] = lines[number * 7 % len(lines)][:190]
    preview = instructor.post(url, data=form.data(values, submit="preview"))
    assert preview.status_code == 200, _errors(preview.get_data(as_text=True))
    assert_clean(preview.get_data(as_text=True), "the lesson preview", [marker(n) for n in LOADED])
    saved = instructor.post(url, data=form.data(values, submit="submit"))
    assert saved.status_code == 302, _errors(saved.get_data(as_text=True))
    page = _learner(app).get("/lessons/second-lesson").get_data(as_text=True)
    assert_clean(page, "the edited lesson", [marker(n) for n in range(len(PAYLOADS))])

    # A malformed anchor is refused next to the field, and the message is plain text.
    form = form_with(instructor.get(url).get_data(as_text=True), "body_md")
    for n in REFUSED_BY_LOADER:
        body = form.data()["body_md"] + f"\n\n{PAYLOADS[n]}\n"
        refused = instructor.post(url, data=form.data({"body_md": body}, submit="submit"))
        assert refused.status_code == 200
        assert_clean(refused.get_data(as_text=True), "the refused lesson form")


def _errors(page: str) -> list[str]:
    return re.findall(r'class="field__error"[^>]*>([^<]+)<', page) or [page[:1500]]


def test_learner_names_through_the_gradebook_learner_pages_and_the_account_page(app, course):
    """Names are any text a learner types (within the name rule): shown escaped everywhere."""
    from app.auth.services import clean_name, name_problem

    instructor = app.test_client()
    make_user("teacher@example.com", role="instructor")
    log_in(instructor, "teacher@example.com")
    learners = {}
    for n, payload in enumerate(PAYLOADS):
        name = clean_name(f"{marker(n)} {one_line(payload)}"[:80])
        if name_problem(name) is None:
            learners[marker(n)] = make_user(f"xss{n}@example.com", name=name)
    assert len(learners) >= 50
    pages = "".join(
        instructor.get(f"/instructor/gradebook?page={n}").get_data(as_text=True)
        for n in range(1, 4)  # 50 learners a page
    )
    assert_clean(pages, "the gradebook", list(learners))
    for mark, learner in learners.items():
        page = instructor.get(f"/instructor/learners/{learner.id}").get_data(as_text=True)
        assert_clean(page, f"the learner page of {mark}", [mark])
    client = app.test_client()
    log_in(client, "xss0@example.com")
    assert_clean(client.get("/account").get_data(as_text=True), "the account page", [marker(0)])


def test_lms_platforms_through_the_lms_connections_pages(app, course):
    """A platform's name, client id and deployment ids are any text: shown escaped."""
    from dataclasses import replace

    from app.database import unit_of_work
    from app.lti.registrations import RegistrationError, create_registration
    from tests.unit.test_lti_registration_rules import MOODLE

    instructor = app.test_client()
    make_user("teacher@example.com", role="instructor")
    log_in(instructor, "teacher@example.com")
    platforms = {}
    for n, payload in enumerate(PAYLOADS):
        text = f"{marker(n)} {one_line(payload)}"
        data = replace(
            MOODLE, name=text[:120], client_id=text[:255], deployment_ids=(text[:255], "2")
        )
        try:
            with unit_of_work():
                platforms[marker(n)] = create_registration(data, created_by_id=None).id
        except RegistrationError:
            continue  # refused (a control character): nothing to show
    assert len(platforms) >= 50
    page = instructor.get("/instructor/lti").get_data(as_text=True)
    assert_clean(page, "the LMS connections page", list(platforms))
    for mark, registration_id in list(platforms.items())[:20]:
        edit = instructor.get(f"/instructor/lti/{registration_id}/edit").get_data(as_text=True)
        assert_clean(edit, f"the edit page of {mark}", [mark])
