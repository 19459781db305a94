"""Nothing reveals which answers are right before the learner may know them.

Before submission, the same attempt is rendered twice, with the same shuffle,
once as authored and once with the correct answers swapped: the quiz page and
every autosave response must be byte-identical (apart from the CSRF token).
After submission, with the default review options, the result page shows no key
and no feedback until the lesson is passed or its attempts run out; changing
every feedback text and the keys (the learner's answers staying wrong) changes
nothing on it.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified
from werkzeug.datastructures import MultiDict

from app.bank.models import QuestionVersion
from app.bank.types import correct_answer_text, grade
from app.content.loading import load_course
from app.course.files import read_course
from app.course.models import Course, Lesson
from app.course.services import bump_content_revision
from app.quizzes.attempts import read_answers
from app.quizzes.models import Attempt
from app.rendering import render_inline
from tests.support import quiz_fields, start_quiz
from tests.support.answers import form_answers

EVERY_TYPE = """
// [id:leak-single] [tag:anchor-one]
Pick the capital.{=Alpha#right ~Beta#wrong ~Gamma#wrong}

// [id:leak-multi] [tag:anchor-one]
Pick two.{~%50%Alpha#yes ~%50%Beta#yes ~%-100%Gamma#no}

// [id:leak-tf] [tag:anchor-one]
The sky is green.{F#It is not.#Indeed.}

// [id:leak-short] [tag:anchor-one]
Name the first letter.{=Alpha#yes =A}

// [id:leak-num] [tag:anchor-one]
How many legs has a cat?{#4:0}

// [id:leak-match] [tag:anchor-one]
Match them.{=one -> 1 =two -> 2 =three -> 3}
"""


def _course(tmp_path: Path) -> Path:
    (tmp_path / "lessons").mkdir()
    (tmp_path / "course.toml").write_text(
        'title = "Leak"\n[quiz_defaults]\n[[modules]]\nslug = "m"\ntitle = "M"\n'
        'lessons = ["leaky"]\n'
    )
    (tmp_path / "lessons" / "leaky.md").write_text('+++\ntitle = "Leaky"\n+++\n{#one}\nText.\n')
    (tmp_path / "lessons" / "leaky.gift").write_text(EVERY_TYPE)
    return tmp_path


def _swap_correct_answers(attempt: Attempt) -> None:
    """Change which answers are right without changing what the page shows."""
    for response in attempt.responses:
        version = response.version
        payload = dict(version.payload)
        if version.type in ("single", "multi"):
            choices = payload["choices"]
            rotated = choices[1:] + choices[:1]
            payload["choices"] = [
                {**c, "fraction": r["fraction"], "feedback": r["feedback"]}
                for c, r in zip(choices, rotated, strict=True)
            ]
        elif version.type == "truefalse":
            payload["correct"] = not payload["correct"]
        elif version.type == "short":
            payload["answers"] = [{**a, "text": a["text"] + "zz"} for a in payload["answers"]]
        elif version.type == "numerical":
            payload["answers"] = [{**a, "value": a["value"] + 7} for a in payload["answers"]]
        elif version.type == "matching":
            pairs = payload["pairs"]
            payload["pairs"] = [
                {"left": pairs[0]["left"], "right": pairs[1]["right"]},
                {"left": pairs[1]["left"], "right": pairs[0]["right"]},
                *pairs[2:],
            ]
            # Keep the options in the same places on the page.
            response.choice_order = [{0: 1, 1: 0}.get(i, i) for i in response.choice_order]
            flag_modified(response, "choice_order")
        version.payload = payload
        flag_modified(version, "payload")


def _capture(client, url: str, answers: list[dict]) -> tuple[str, list[bytes]]:
    page = client.get(url).get_data(as_text=True)
    fields = quiz_fields(client, url)
    saves = []
    for answer in answers:
        response = client.post(
            url + "/save", data={**fields, **answer}, headers={"Accept": "application/json"}
        )
        assert response.status_code == 200
        saves.append(response.get_data())
        fields["seq"] = str(response.get_json()["seq"])
    return re.sub(r'value="[^"]{40,}"', 'value="TOKEN"', page), saves


def test_the_quiz_and_its_saves_are_identical_whichever_answers_are_right(
    client, learner, db, tmp_path
):
    load_course(read_course(_course(tmp_path)))
    db.session.commit()
    url = start_quiz(client, "leaky")
    attempt = db.session.scalar(select(Attempt))
    assert {r.version.type for r in attempt.responses} == {
        "single", "multi", "truefalse", "short", "numerical", "matching",
    }  # fmt: skip
    answers = {f"q{r.position}": "0" for r in attempt.responses}
    for response in attempt.responses:
        if response.version.type == "truefalse":
            answers[f"q{response.position}"] = "true"
        if response.version.type in ("short", "numerical"):
            answers[f"q{response.position}"] = "4"
        if response.version.type == "matching":
            del answers[f"q{response.position}"]
            answers[f"q{response.position}-r0"] = "1"

    single = next(r.position for r in attempt.responses if r.version.type == "single")
    sequence = [answers, {**answers, f"q{single}": "2"}]
    scores_before = _scores(attempt, answers)
    as_authored = _capture(client, url, sequence)

    attempt = db.session.scalar(select(Attempt))
    _swap_correct_answers(attempt)
    for response in attempt.responses:
        response.answer = None
    attempt.save_seq = 0
    db.session.commit()

    swapped = _capture(client, url, sequence)
    assert as_authored[0] == swapped[0]
    assert as_authored[1] == swapped[1]
    # The swap really changed the grading: the same answers now score differently.
    scores_after = _scores(db.session.scalar(select(Attempt)), answers)
    assert scores_before != scores_after


def _scores(attempt: Attempt, answers: dict) -> list[float]:
    read = read_answers(attempt, MultiDict(answers))
    return [grade(r.version.to_data(), read[r.position]).fraction for r in attempt.responses]


# --- after submission: what the result page keeps back -----------------------------------

REVIEW_BANK = """
// [id:rv-single] [tag:anchor-one]
Pick the keyword.{
=Keysingle#FB-single-right ~Wrongsingle#FB-single-wrong ~Othersingle#FB-single-other
####GF-single}

// [id:rv-multi] [tag:anchor-one]
Pick the two keywords.{
~%50%Keymultione#FB-multi-one ~%50%Keymultitwo#FB-multi-two ~%-100%Wrongmulti#FB-multi-wrong
####GF-multi}

// [id:rv-tf] [tag:anchor-one]
The sky is green.{F#FB-tf-first#FB-tf-second ####GF-tf}

// [id:rv-short] [tag:anchor-one]
Name the keyword.{=Keyshort#FB-short-right ####GF-short}

// [id:rv-num] [tag:anchor-one]
Which number is the keyword?{#4127:0#FB-num-right ####GF-num}

// [id:rv-match] [tag:anchor-one]
Match them.{
=Leftone -> Keymatchone =Lefttwo -> Keymatchtwo =Leftthree -> Keymatchthree
####GF-match}
"""


def _review_course(tmp_path: Path, quiz: str = "") -> Path:
    (tmp_path / "lessons").mkdir()
    (tmp_path / "course.toml").write_text(
        'title = "Review"\n[quiz_defaults]\n[[modules]]\nslug = "m"\ntitle = "M"\n'
        'lessons = ["reviewed"]\n'
    )
    (tmp_path / "lessons" / "reviewed.md").write_text(
        f'+++\ntitle = "Reviewed"\n[quiz]\n{quiz}+++\n{{#one}}\nText.\n'
    )
    (tmp_path / "lessons" / "reviewed.gift").write_text(REVIEW_BANK)
    return tmp_path


def _take(client, db, slug: str, right: bool) -> str:
    """Take the lesson's quiz answering everything right (or wrong); return the result URL."""
    url = start_quiz(client, slug)
    attempt = db.session.scalar(select(Attempt).where(Attempt.id == int(url.rsplit("/", 1)[1])))
    data = {**quiz_fields(client, url), **form_answers(attempt, right)}
    response = client.post(url + "/submit", data=data)
    assert response.status_code == 302
    return response.headers["Location"]


def _keys_and_feedback(db) -> list[str]:
    """Every key and feedback text of the reviewed bank, as the result page would show it."""
    texts = []
    for version in db.session.scalars(select(QuestionVersion)):
        question = version.to_data()
        texts.append(str(render_inline(correct_answer_text(question))))
        texts.append(question.general_feedback)
        texts += [c.feedback for c in question.choices if c.feedback]
        texts += [a.feedback for a in question.numeric_answers if a.feedback]
        texts += [t for t in (question.feedback_true, question.feedback_false) if t]
    return texts


def _shown(page: str, texts: list[str]) -> list[str]:
    return [text for text in texts if text in page]


def test_the_result_page_keeps_keys_and_feedback_back_until_the_lesson_is_passed(
    client, learner, db, tmp_path
):
    load_course(read_course(_review_course(tmp_path)))  # the default review options
    db.session.commit()
    keys_and_feedback = _keys_and_feedback(db)
    failed = _take(client, db, "reviewed", right=False)
    page = client.get(failed).get_data(as_text=True)
    assert "0%" in page and "Not passed" in page
    assert _shown(page, keys_and_feedback) == []
    assert "Correct answer" not in page
    # What the defaults show at once: the answers, the marks, the points, the lesson link.
    assert "Wrongsingle" in page and "Wrongmulti" in page and "4127" not in page
    assert page.count('class="review__mark">Wrong<') == 6
    assert "0 / 1 points" in page and "/lessons/reviewed#p-one" in page
    assert "appear once you pass this quiz" in page

    passed = _take(client, db, "reviewed", right=True)
    assert "Passed" in client.get(passed).get_data(as_text=True)
    # The first attempt's review follows the learner's standing now: everything is shown.
    page = client.get(failed).get_data(as_text=True)
    assert "Correct answer" in page
    for text in ("Keysingle", "4127", "FB-single-wrong", "FB-multi-wrong", "GF-match"):
        assert text in page
    wrong_choice_feedback = {"FB-single-wrong", "FB-multi-wrong"}
    assert set(_shown(page, keys_and_feedback)) >= wrong_choice_feedback


def test_the_result_page_shows_the_key_once_the_last_attempt_is_used(client, learner, db, tmp_path):
    load_course(read_course(_review_course(tmp_path, "max_attempts = 2\n")))
    db.session.commit()
    keys_and_feedback = _keys_and_feedback(db)
    first = _take(client, db, "reviewed", right=False)
    assert _shown(client.get(first).get_data(as_text=True), keys_and_feedback) == []
    second = _take(client, db, "reviewed", right=False)
    for url in (first, second):
        page = client.get(url).get_data(as_text=True)
        assert "Correct answer" in page and "FB-single-wrong" in page and "GF-num" in page


def test_the_result_page_is_the_same_whatever_the_key_and_feedback_say_before_a_pass(
    client, learner, db, tmp_path
):
    """The differential check: change every feedback text and some keys (the learner's
    answers stay wrong, so marks and points do not move); the page must not change."""
    load_course(read_course(_review_course(tmp_path)))
    db.session.commit()
    failed = _take(client, db, "reviewed", right=False)
    before = client.get(failed).get_data(as_text=True)
    for version in db.session.scalars(select(QuestionVersion)):
        payload = dict(version.payload)
        if version.type == "single":  # the key moves to the choice nobody picked
            payload["choices"] = [
                {**c, "fraction": [0.0, 0.0, 1.0][i], "feedback": f"changed {i}"}
                for i, c in enumerate(payload["choices"])
            ]
        elif version.type == "multi":
            payload["choices"] = [{**c, "feedback": "changed"} for c in payload["choices"]]
        elif version.type in ("short", "numerical"):
            payload["answers"] = [
                {**a, "feedback": "changed", **_moved_key(a)} for a in payload["answers"]
            ]
        elif version.type == "truefalse":
            payload.update(feedback_true="changed", feedback_false="changed")
        version.payload = payload
        version.general_feedback = "changed"
        flag_modified(version, "payload")
    db.session.commit()
    after = client.get(failed).get_data(as_text=True)
    strip = re.compile(r'value="[^"]{40,}"')
    assert strip.sub("TOKEN", before) == strip.sub("TOKEN", after)
    assert "changed" not in after


def _moved_key(answer: dict) -> dict:
    if "value" in answer:
        return {"value": answer["value"] + 1}
    return {"text": answer["text"] + "zz"}


def test_a_question_drawn_by_the_final_exam_shows_its_key_only_when_both_rules_allow(
    client, course, learner, db
):
    passed = _take(client, db, "first-lesson", right=True)
    assert "Passed" in client.get(passed).get_data(as_text=True)
    exam = db.session.scalar(select(Lesson).where(Lesson.slug == "final-review"))
    exam.quiz_settings = {**exam.quiz_settings, "review_correct_answer": "immediately"}
    bump_content_revision()
    db.session.commit()

    course = db.session.scalar(select(Course))  # the exam opens before every lesson is passed
    course.quiz_defaults = {**course.quiz_defaults, "final_exam_requires_all_passed": False}
    bump_content_revision()
    db.session.commit()
    result = _take(client, db, "final-review", right=False)
    attempt = db.session.get(Attempt, int(result.split("/")[-2]))
    lessons = [r.version.question.lesson.slug for r in attempt.responses]
    assert set(lessons) == {"first-lesson", "second-lesson"}  # one at least from each
    page = client.get(result).get_data(as_text=True)
    # The exam shows keys at once, but only the passed lesson's questions agree.
    assert page.count("Correct answer</dt>") == lessons.count("first-lesson")

    exam.quiz_settings = {"final_exam": True, "draw": 3}  # back to the defaults
    bump_content_revision()
    db.session.commit()
    page = client.get(result).get_data(as_text=True)
    # The exam is neither passed nor out of attempts: no key, not even the passed lesson's.
    assert "Correct answer" not in page
