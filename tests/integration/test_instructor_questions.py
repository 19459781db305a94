"""Instructors keep the question bank: list and filter it, write every type, preview, retire.

Every form is driven through HTTP as a browser without JavaScript would send it.
"""

from __future__ import annotations

import re
import sys

import pytest
from markupsafe import escape
from sqlalchemy import event, func, select

from app.bank.model import Choice, QuestionData
from app.bank.models import Question, QuestionVersion
from app.course.models import Lesson
from app.instructor import services
from app.quizzes.models import Attempt
from tests.support import csrf_token, make_user, post_form

NEW = "/instructor/lessons/first-lesson/questions/new"
BANK = "/instructor/lessons/first-lesson/questions"

COMMON = {"title": "", "general_feedback": "", "difficulty": "easy", "anchor": "envoys"}
FORMS = {
    "single": {
        "title": "Envoys and grain",
        "prompt": "Which of these do envoys carry?",
        "choices-0-text": "Messages",
        "choices-0-feedback": "Yes: that is their job.",
        "choices-1-text": "Grain",
        "choices-1-feedback": "No: that is trade.",
        "correct": "0",
        "general_feedback": "Envoys are messengers.",
        "difficulty": "easy",
        "anchor": "envoys",
    },
    "multi": {
        **COMMON,
        "prompt": "Which are duties of an envoy?",
        "choices-0-text": "Carry messages",
        "choices-0-weight": "50",
        "choices-1-text": "Negotiate terms",
        "choices-1-weight": "50%",
        "choices-2-text": "Collect taxes",
        "choices-2-weight": "-100",
        "choices-2-feedback": "No: tax officers do.",
    },
    "truefalse": {
        **COMMON,
        "prompt": "Envoys first appeared in mountain kingdoms.",
        "correct": "false",
        "feedback_true": "No: river kingdoms came first.",
        "feedback_false": "Right.",
    },
    "short": {
        **COMMON,
        "prompt": "What do we call a messenger sent by one state to another?",
        "answers-0-text": "envoy",
        "answers-0-weight": "100",
        "answers-1-text": "messenger",
        "answers-1-weight": "50",
        "answers-1-feedback": "Close: the lesson's word is envoy.",
    },
    "numerical": {
        **COMMON,
        "prompt": "In which year did the Congress of Vienna end?",
        "answers-0-value": "1815",
        "answers-0-tolerance": "0",
        "answers-0-weight": "100",
        "answers-1-value": "*",
        "answers-1-weight": "0",
        "answers-1-feedback": "Not quite: it ended in 1815.",
    },
    "matching": {
        **COMMON,
        "prompt": "Match each person to their task.",
        "pairs-0-left": "Envoy",
        "pairs-0-right": "Carries messages",
        "pairs-1-left": "Attaché",
        "pairs-1-right": "Advises on defence",
        "pairs-2-left": "",
        "pairs-2-right": "Collects taxes",
    },
    "description": {
        **COMMON,
        "prompt": "The next questions are about **envoys**.",
    },
}
PAYLOADS = {
    "single": {
        "choices": [
            {"text": "Messages", "fraction": 1.0, "feedback": "Yes: that is their job."},
            {"text": "Grain", "fraction": 0.0, "feedback": "No: that is trade."},
        ]
    },
    "multi": {
        "choices": [
            {"text": "Carry messages", "fraction": 0.5, "feedback": ""},
            {"text": "Negotiate terms", "fraction": 0.5, "feedback": ""},
            {"text": "Collect taxes", "fraction": -1.0, "feedback": "No: tax officers do."},
        ]
    },
    "truefalse": {
        "correct": False,
        "feedback_true": "No: river kingdoms came first.",
        "feedback_false": "Right.",
    },
    "short": {
        "answers": [
            {"text": "envoy", "fraction": 1.0, "feedback": ""},
            {
                "text": "messenger",
                "fraction": 0.5,
                "feedback": "Close: the lesson's word is envoy.",
            },
        ]
    },
    "numerical": {
        "answers": [
            {"value": 1815.0, "tolerance": 0.0, "fraction": 1.0, "feedback": ""},
            {
                "value": 0.0,
                "tolerance": sys.float_info.max,
                "fraction": 0.0,
                "feedback": "Not quite: it ended in 1815.",
            },
        ]
    },
    "matching": {
        "pairs": [
            {"left": "Envoy", "right": "Carries messages"},
            {"left": "Attaché", "right": "Advises on defence"},
            {"left": "", "right": "Collects taxes"},
        ]
    },
    "description": {},
}


def _new(client, kind: str, changes: dict | None = None, **extra):
    data = {**FORMS[kind], **(changes or {}), **extra}
    return post_form(client, f"{NEW}?type={kind}", data)


def _web_question(db) -> Question | None:
    return db.session.scalar(select(Question).where(Question.origin == "web"))


def _error_next_to(page: str, field_id: str, message: str) -> bool:
    """Tell whether `message` is in the error paragraph of the field `field_id`."""
    escaped = re.escape(str(escape(message)))
    pattern = rf'<p class="field__error" id="{re.escape(field_id)}-error">[^<]*{escaped}'
    return re.search(pattern, page) is not None


# --- writing every type --------------------------------------------------------------


@pytest.mark.parametrize("kind", list(FORMS))
def test_an_instructor_writes_each_type_and_the_bank_stores_it(instructor_client, course, db, kind):
    form_page = instructor_client.get(f"{NEW}?type={kind}")
    assert form_page.status_code == 200

    response = _new(instructor_client, kind)
    assert response.status_code == 302, response.get_data(as_text=True)
    question = _web_question(db)
    assert question.uid.startswith("web-") and question.edited_in_web
    version = question.current
    assert (version.type, version.payload) == (kind, PAYLOADS[kind])
    assert (version.difficulty, version.anchor) == (FORMS[kind]["difficulty"], "envoys")
    assert version.created_by_id is not None
    listing = instructor_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Question added." in listing and question.uid in listing


@pytest.mark.parametrize("kind", [k for k in FORMS if k != "single"])
def test_a_web_question_of_each_type_opens_filled_in_and_saves_unchanged(
    instructor_client, course, db, kind
):
    _new(instructor_client, kind)
    question = _web_question(db)
    edit = f"/instructor/questions/{question.uid}/edit"
    page = instructor_client.get(edit).get_data(as_text=True)
    assert FORMS[kind]["prompt"].split("**")[0] in page
    assert 'name="base_version" type="hidden" value="1"' in page
    saved = post_form(instructor_client, edit, {**FORMS[kind], "base_version": "1"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    db.session.refresh(question)
    assert [v.number for v in question.versions] == [1, 2]
    assert question.versions[1].payload == question.versions[0].payload


def test_the_edit_form_shows_a_stored_question_as_it_is(instructor_client, course, db):
    page = instructor_client.get("/instructor/questions/first-01/edit").get_data(as_text=True)
    assert "What does an envoy carry between states?" in page
    assert 'value="Messages"' in page and 'value="Right, envoys carry messages."' in page
    assert re.search(r'name="correct" id="correct-0" value="0"\s+checked', page)
    assert re.search(r'<option selected value="envoys">|<option value="envoys" selected>', page)
    assert 'name="choices-3-text"' in page  # one blank row to add a choice


def test_editing_makes_a_new_version_and_keeps_the_old_one(instructor_client, course, db):
    response = post_form(
        instructor_client,
        "/instructor/questions/first-01/edit",
        {**FORMS["single"], "base_version": "1"},
    )
    assert response.status_code == 302
    question = db.session.scalar(select(Question).where(Question.uid == "first-01"))
    assert [v.number for v in question.versions] == [1, 2]
    assert question.versions[0].prompt == "What does an envoy carry between states?"
    assert question.current.prompt == "Which of these do envoys carry?"
    assert question.edited_in_web


def test_an_edit_based_on_an_old_version_is_not_saved_over_a_newer_one(
    instructor_client, course, db
):
    edit = "/instructor/questions/first-01/edit"
    first = post_form(instructor_client, edit, {**FORMS["single"], "base_version": "1"})
    assert first.status_code == 302
    late = post_form(
        instructor_client, edit, {**FORMS["single"], "prompt": "A late edit?", "base_version": "1"}
    )
    assert late.status_code == 409
    page = late.get_data(as_text=True)
    assert "Someone saved this question while you were editing it" in page
    assert "A late edit?" in page  # the instructor's text is kept in the form
    question = db.session.scalar(select(Question).where(Question.uid == "first-01"))
    assert question.current_number == 2
    again = post_form(
        instructor_client, edit, {**FORMS["single"], "prompt": "A late edit?", "base_version": "2"}
    )
    assert again.status_code == 302


def test_a_learner_meets_a_new_multiple_response_question_in_the_quiz(
    instructor_client, client, learner, course
):
    _new(instructor_client, "multi")
    started = client.post(
        "/lessons/first-lesson/quiz",
        data={"csrf_token": csrf_token(client, "/lessons/first-lesson")},
    )
    quiz = client.get(started.headers["Location"]).get_data(as_text=True)
    assert "Which are duties of an envoy?" in quiz
    assert "Select every answer that applies." in quiz


# --- validation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "changes", "field", "message"),
    [
        ("single", {"prompt": "  "}, "prompt", "Write the question."),
        ("single", {"correct": ""}, "correct", "Mark which choice is correct."),
        ("single", {"correct": "3"}, "correct", "The choice marked correct is empty."),
        ("single", {"correct": "99"}, "correct", "Mark one of the choices as correct."),
        ("single", {"choices-1-text": "messages"}, "choices", "Two choices say the same thing"),
        (
            "single",
            {"choices-1-text": "", "choices-1-feedback": ""},
            "choices",
            "Give at least two choices.",
        ),
        (
            "single",
            {"choices-1-text": ""},
            "choices-1-text",
            "Write the choice, or clear this row.",
        ),
        ("single", {"choices-0-weight": "50"}, "correct", "The correct choice is worth 100%"),
        ("single", {"anchor": "nowhere"}, "anchor", "Choose one of the lesson's paragraphs."),
        ("single", {"difficulty": "impossible"}, "difficulty", "Choose easy, medium or hard."),
        ("single", {"title": "t" * 201}, "title", "longer than 200"),
        ("multi", {"choices-1-weight": "40"}, "choices", "add up to 90%, not 100%"),
        (
            "multi",
            {"choices-0-weight": "", "choices-1-weight": "-10"},
            "choices",
            "No correct choice",
        ),
        ("multi", {"choices-0-weight": "lots"}, "choices-0-weight", "as a percentage"),
        ("multi", {"choices-0-weight": "150"}, "choices-0-weight", "from -100 to 100"),
        ("truefalse", {"correct": ""}, "correct", "Say whether the statement is true or false."),
        ("short", {"answers-0-weight": "80"}, "answers", "the best is worth 80%"),
        ("short", {"answers-1-text": "Envoy "}, "answers", "Two answers are the same"),
        ("short", {"answers-1-text": "a -> b"}, "answers-1-text", "cannot contain '->'"),
        ("numerical", {"answers-0-value": "eighteen"}, "answers-0-value", "is not a number"),
        ("numerical", {"answers-0-tolerance": "-1"}, "answers-0-tolerance", "cannot be negative"),
        ("numerical", {"answers-0-value": ""}, "answers", "Give at least one accepted number."),
        ("matching", {"pairs-1-left": "", "pairs-1-right": ""}, "pairs", "at least 2 pairs"),
        ("matching", {"pairs-1-right": ""}, "pairs-1-right", "Give the match for this item."),
        ("matching", {"pairs-1-left": "envoy"}, "pairs", "Two items are the same"),
        ("description", {"prompt": ""}, "prompt", "Write the text."),
    ],
)
def test_each_mistake_is_explained_next_to_its_field_and_nothing_is_saved(
    instructor_client, course, db, kind, changes, field, message
):
    response = _new(instructor_client, kind, changes)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _error_next_to(page, field, message), page[page.find("error-summary") :][:3000]
    assert 'class="error-summary"' in page
    assert _web_question(db) is None


def test_an_unknown_question_type_is_a_400_and_an_unknown_question_a_404(instructor_client, course):
    assert instructor_client.get(f"{NEW}?type=essay").status_code == 400
    assert instructor_client.get(f"{NEW}?type=<script>").status_code == 400
    assert instructor_client.get("/instructor/lessons/nowhere/questions/new").status_code == 404
    assert instructor_client.get("/instructor/questions/nope/edit").status_code == 404


def test_garbage_rows_and_values_never_break_the_form(instructor_client, course, db):
    response = _new(
        instructor_client,
        "single",
        {"choices-999999-text": "far away", "choices-x-text": "odd", "correct": "-1"},
        remove_row="abc",
    )
    assert response.status_code == 200
    assert _web_question(db) is None


# --- rows, without JavaScript ----------------------------------------------------------


def test_add_another_row_re_renders_the_form_with_one_more_row_and_saves_nothing(
    instructor_client, course, db
):
    page = instructor_client.get(f"{NEW}?type=single").get_data(as_text=True)
    assert 'name="choices-3-text"' in page and 'name="choices-4-text"' not in page
    grown = _new(instructor_client, "single", add_row="Add another choice")
    assert grown.status_code == 200
    page = grown.get_data(as_text=True)
    assert 'name="choices-4-text"' in page and 'name="choices-5-text"' not in page
    assert 'value="Messages"' in page and "Added a row." in page
    assert _web_question(db) is None


def test_removing_a_row_shifts_the_rest_and_keeps_the_correct_mark(instructor_client, course, db):
    data = {**FORMS["single"], "choices-2-text": "Weapons", "correct": "2"}
    response = post_form(instructor_client, f"{NEW}?type=single", {**data, "remove_row": "0"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.search(r'name="choices-0-text"[^>]*value="Grain"', page)
    assert re.search(r'name="choices-1-text"[^>]*value="Weapons"', page)
    assert "Messages" not in page
    assert re.search(r'id="correct-1" value="1"\s+checked', page)
    assert _web_question(db) is None


def test_matching_pairs_and_numbers_grow_too(instructor_client, course):
    for kind, name in (("matching", "pairs-4-left"), ("numerical", "answers-2-value")):
        page = _new(instructor_client, kind, add_row="Add").get_data(as_text=True)
        assert f'name="{name}"' in page, kind


# --- preview -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(FORMS))
def test_preview_shows_the_question_as_a_learner_sees_it_and_saves_nothing(
    instructor_client, course, db, kind
):
    response = _new(instructor_client, kind, preview="Preview")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Preview: what a learner sees" in page
    preview = page[
        page.index('id="preview"') : page.index("</section>", page.index('id="preview"'))
    ]
    if kind == "description":
        assert "The next questions are about <strong>envoys</strong>." in preview
    else:
        assert '<fieldset class="question__fieldset">' in preview
        assert FORMS[kind]["prompt"] in preview
    expected = {
        "single": ['type="radio" id="preview-q1-0" name="preview-q1"', "Messages"],
        "multi": ['type="checkbox"', "Select every answer that applies.", "Collect taxes"],
        "truefalse": ['id="preview-q1-true"', "Correct answer</dt><dd>False"],
        "short": ['<input class="field__input field__input--short" type="text"'],
        "numerical": ['inputmode="decimal"', "Correct answer</dt><dd>1815"],
        "matching": ['<select id="preview-q1-r0"', "Collects taxes", "Advises on defence"],
        "description": [],
    }[kind]
    for snippet in expected:
        assert snippet in preview, snippet
    assert _web_question(db) is None
    # The form is still there, filled in, to keep editing.
    assert re.search(rf">\s*{re.escape(FORMS[kind]['prompt'])}</textarea>", page)


def test_a_preview_with_mistakes_shows_the_mistakes_instead(instructor_client, course, db):
    response = _new(instructor_client, "single", {"correct": ""}, preview="Preview")
    page = response.get_data(as_text=True)
    assert "Preview: what a learner sees" not in page
    assert _error_next_to(page, "correct", "Mark which choice is correct.")


def test_preview_escapes_what_the_renderer_does_not_allow(instructor_client, course):
    response = _new(
        instructor_client,
        "single",
        {"prompt": "Safe? <script>alert(1)</script>", "choices-1-text": "<img src=x onerror=1>"},
        preview="Preview",
    )
    page = response.get_data(as_text=True)
    assert "<script>alert(1)" not in page and "<img src=x" not in page


# --- retire and reactivate -----------------------------------------------------------


def test_retired_questions_leave_new_quizzes_and_come_back_when_reactivated(
    instructor_client, client, learner, course, db
):
    retire = post_form(
        instructor_client,
        "/instructor/questions/first-02/retire",
        {"next": BANK + "?status=active"},
        token_from=BANK,
    )
    assert retire.status_code == 302
    assert retire.headers["Location"].endswith(BANK + "?status=active#first-02")
    question = db.session.scalar(select(Question).where(Question.uid == "first-02"))
    assert question.status == "retired" and question.edited_in_web
    assert "Question retired" in instructor_client.get(BANK).get_data(as_text=True)

    started = client.post(
        "/lessons/first-lesson/quiz",
        data={"csrf_token": csrf_token(client, "/lessons/first-lesson")},
    )
    quiz = client.get(started.headers["Location"]).get_data(as_text=True)
    assert "old river kingdoms" not in quiz and "What does an envoy carry" in quiz

    again = post_form(
        instructor_client, "/instructor/questions/first-02/retire", {}, token_from=BANK
    )
    assert again.status_code == 302
    assert "already retired" in instructor_client.get(BANK).get_data(as_text=True)

    back = post_form(
        instructor_client,
        "/instructor/questions/first-02/reactivate",
        {"next": "https://evil.example/"},
        token_from=BANK,
    )
    assert back.headers["Location"].endswith(BANK + "#first-02")
    db.session.refresh(question)
    assert question.status == "active"
    assert db.session.scalar(select(func.count()).select_from(QuestionVersion)) == 5


def test_retiring_an_unknown_question_is_a_404(instructor_client, course):
    response = post_form(instructor_client, "/instructor/questions/nope/retire", {}, BANK)
    assert response.status_code == 404


# --- past attempts keep their version ------------------------------------------------


def _answer_everything_right(client, quiz_url: str) -> dict[str, str]:
    quiz = client.get(quiz_url).get_data(as_text=True)
    # Every hidden field of the quiz form (the CSRF token, the page's version…).
    answers = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', quiz))
    answers["csrf_token"] = csrf_token(client, quiz_url)
    found = re.findall(
        r'Question (\d+) of \d+</span>\s*<span class="question__prompt">([^<]+)', quiz
    )
    for number, prompt in found:
        if "river kingdoms" in prompt:
            answers[f"q{number}"] = "true"
            continue
        label = "Messages" if "envoy carry" in prompt else "Negotiating terms"
        match = re.search(
            rf'name="q{number}" value="(\d+)"\s*>\s*<label for="q{number}-\d+">{label}</label>',
            quiz,
        )
        answers[f"q{number}"] = match.group(1)
    return answers


def test_a_past_attempt_keeps_showing_and_scoring_the_version_it_used_after_an_edit(
    instructor_client, client, learner, course, db
):
    started = client.post(
        "/lessons/first-lesson/quiz",
        data={"csrf_token": csrf_token(client, "/lessons/first-lesson")},
    )
    quiz_url = started.headers["Location"]
    submitted = client.post(quiz_url + "/submit", data=_answer_everything_right(client, quiz_url))
    result_url = submitted.headers["Location"]
    before = client.get(result_url).get_data(as_text=True)
    assert "100%" in before

    # The instructor rewrites the question and makes Grain the right answer.
    edited = post_form(
        instructor_client,
        "/instructor/questions/first-01/edit",
        {
            **FORMS["single"],
            "prompt": "Which cargo do envoys carry now?",
            "choices-0-text": "Grain",
            "choices-1-text": "Messages",
            "base_version": "1",
        },
    )
    assert edited.status_code == 302

    after = client.get(result_url).get_data(as_text=True)
    assert "What does an envoy carry between states?" in after
    assert "Which cargo do envoys carry now?" not in after
    assert "100%" in after and "Right, envoys carry messages." in after
    attempt = db.session.scalar(select(Attempt))
    assert attempt.score == attempt.max_score == 3
    versions = {r.version.number for r in attempt.responses if r.version.question.uid == "first-01"}
    assert versions == {1}

    # A new attempt meets the new version.
    client.post(
        "/lessons/first-lesson/quiz",
        data={"csrf_token": csrf_token(client, "/lessons/first-lesson")},
    )
    latest = db.session.scalar(select(Attempt).order_by(Attempt.id.desc()).limit(1))
    shown = {r.version.prompt for r in latest.responses}
    assert "Which cargo do envoys carry now?" in shown


# --- the bank's filters and search -----------------------------------------------------


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("type=truefalse", ["first-02"], ["first-01", "first-03"]),
        ("difficulty=hard", ["first-03"], ["first-01", "first-02"]),
        ("status=retired", [], ["first-01", "first-02", "first-03"]),
        ("status=active&type=single", ["first-01", "first-03"], ["first-02"]),
        ("q=DUTY", ["first-03"], ["first-01", "first-02"]),
    ],
)
def test_the_bank_filters_by_type_difficulty_status_and_text(
    instructor_client, course, query, shown, hidden
):
    response = instructor_client.get(f"{BANK}?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for uid in shown:
        assert f'id="{uid}"' in page
    for uid in hidden:
        assert f'id="{uid}"' not in page


@pytest.mark.parametrize(
    "query", ["type=poem", "difficulty=brutal", "status=deleted", "q=" + "x" * 201]
)
def test_a_filter_the_bank_does_not_know_is_a_400(instructor_client, course, query):
    response = instructor_client.get(f"{BANK}?{query}")
    assert response.status_code == 400
    assert "filter" in response.get_data(as_text=True)
    assert instructor_client.get(f"/instructor/questions?{query}").status_code == 400


def test_search_looks_inside_question_text_across_every_lesson(instructor_client, course):
    empty = instructor_client.get("/instructor/questions").get_data(as_text=True)
    assert "Type words from a question" in empty

    page = instructor_client.get("/instructor/questions?q=exercises").get_data(as_text=True)
    assert 'id="second-01"' in page and 'id="second-02"' in page
    assert 'id="first-01"' not in page
    assert "Second Lesson" in page  # results name their lesson

    envoys = instructor_client.get("/instructor/questions?q=envoy").get_data(as_text=True)
    assert all(f'id="{uid}"' in envoys for uid in ("first-01", "first-02", "first-03"))

    literal = instructor_client.get("/instructor/questions?q=100%25").get_data(as_text=True)
    assert "No question matches." in literal  # '%' is searched for, not a wildcard

    easy = instructor_client.get("/instructor/questions?difficulty=easy").get_data(as_text=True)
    assert 'id="first-01"' in easy and 'id="second-01"' in easy and 'id="first-03"' not in easy


# --- no N+1 ----------------------------------------------------------------------------


def _statements_for(db, client, path: str) -> int:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(statements)


def _add_questions(db, lesson: Lesson, count: int) -> None:
    author = make_user(f"author{count}@example.com", role="instructor")
    for number in range(count):
        data = QuestionData(
            type="single",
            prompt=f"Generated question {number} about envoys?",
            choices=[Choice("Yes", 1.0), Choice("No", 0.0)],
            tags=["difficulty-easy", "anchor-exercises"],
        )
        services.create_question(lesson, data, author.id)
    db.session.commit()


def test_the_bank_pages_take_as_many_queries_for_50_questions_as_for_5(
    instructor_client, course, db
):
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "second-lesson"))
    bank = "/instructor/lessons/second-lesson/questions"
    search = "/instructor/questions?q=envoys"
    _add_questions(db, lesson, 3)  # 5 questions in the lesson
    instructor_client.get(bank)  # warm up
    few = (
        _statements_for(db, instructor_client, bank),
        _statements_for(db, instructor_client, search),
    )
    _add_questions(db, lesson, 45)  # 50
    many = (
        _statements_for(db, instructor_client, bank),
        _statements_for(db, instructor_client, search),
    )
    page = instructor_client.get(bank).get_data(as_text=True)
    assert page.count('class="bank__row') == 50
    assert many == few, (few, many)


def test_a_question_with_a_missing_word_round_trips_through_the_form(instructor_client, course, db):
    response = _new(
        instructor_client,
        "short",
        {"prompt": "An _____ carries messages between states."},
    )
    assert response.status_code == 302
    question = _web_question(db)
    assert question.current.prompt == "An _____ carries messages between states."


def test_unsafe_gift_text_is_refused_with_a_reason(instructor_client, course, db):
    response = _new(instructor_client, "single", {"choices-0-text": "%50% messages"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "cannot be exported as GIFT" in page or "As GIFT" in page
    assert _web_question(db) is None


@pytest.mark.parametrize(
    "back",
    [
        "https://evil.example/instructor/",
        "//evil.example/instructor/",
        "/instructor/\r\nSet-Cookie: stolen=1",
        "/instructor/\\evil",
        "/lessons/first-lesson",
    ],
)
def test_retire_only_sends_the_instructor_back_into_the_workspace(instructor_client, course, back):
    response = post_form(
        instructor_client, "/instructor/questions/first-02/retire", {"next": back}, BANK
    )
    assert response.status_code == 302
    assert response.headers["Location"] == BANK + "#first-02"
    assert "Set-Cookie" not in response.headers or "stolen" not in response.headers["Set-Cookie"]


def test_a_paragraph_the_lesson_lost_is_shown_and_must_be_replaced(instructor_client, course, db):
    # A load of a rewritten lesson file dropped the paragraph first-01 points at.
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "first-lesson"))
    lesson.body_md = lesson.body_md.replace("{#envoys}\n", "")
    db.session.commit()
    page = instructor_client.get("/instructor/questions/first-01/edit").get_data(as_text=True)
    assert "envoys (no longer in the lesson)" in page
    response = post_form(
        instructor_client,
        "/instructor/questions/first-01/edit",
        {**FORMS["single"], "anchor": "envoys"},
    )
    assert _error_next_to(response.get_data(as_text=True), "anchor", "Choose one of the lesson")
    fixed = post_form(
        instructor_client,
        "/instructor/questions/first-01/edit",
        {**FORMS["single"], "anchor": "origins"},
    )
    assert fixed.status_code == 302
