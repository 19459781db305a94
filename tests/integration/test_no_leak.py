"""Nothing sent before submission reveals which answers are right.

The same attempt is rendered twice, with the same shuffle, once as authored and
once with the correct answers swapped: the quiz page and every autosave response
must be byte-identical (apart from the CSRF token).
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified
from werkzeug.datastructures import MultiDict

from app.bank.types import grade
from app.content.loading import load_course
from app.course.files import read_course
from app.quizzes.attempts import read_answers
from app.quizzes.models import Attempt
from tests.support import quiz_fields, start_quiz

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
