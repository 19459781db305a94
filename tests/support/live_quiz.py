"""A learner taking a quiz against a live server, through the same forms a browser sends.

Answers are the quiz page's own radio values (display positions, "true"/"false"), so
what a test sent can be compared with what the page shows ticked when it comes back.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from dataclasses import dataclass

from tests.support.live import CSRF_FIELD, Session

_SEQ = re.compile(r'name="seq" value="(\d+)"')
_RADIO = re.compile(r'<input type="radio"[^>]*?name="(q\d+)" value="([^"]*)"([^>]*)>', re.S)
JSON = {"Accept": "application/json"}


@dataclass
class QuizPage:
    """What a learner's browser holds of an open quiz: its form's hidden fields and choices."""

    path: str
    attempt_id: int
    seq: int
    token: str
    options: dict[str, list[str]]  # question field → its radio values, in page order
    ticked: dict[str, str]  # question field → the value shown ticked (the stored answer)

    def answers(self, pick: int) -> dict[str, str]:
        """Answer every question with its `pick`-th option (wrapping round)."""
        return {name: values[pick % len(values)] for name, values in self.options.items()}


def start_quiz(session: Session, slug: str) -> str:
    """Start or resume the lesson's quiz; return the quiz's path."""
    token = session.token(f"/lessons/{slug}")
    response, _ = session.request("POST", f"/lessons/{slug}/quiz", {"csrf_token": token})
    assert response.status == 302, f"starting {slug} answered {response.status}"
    return urllib.parse.urlsplit(response.getheader("Location")).path


def read_quiz(session: Session, path: str) -> QuizPage | None:
    """Read the quiz page; None when it is no longer open (it redirects to the result)."""
    response, page = session.request("GET", path)
    if response.status != 200:
        return None
    options: dict[str, list[str]] = {}
    ticked: dict[str, str] = {}
    for name, value, rest in _RADIO.findall(page):
        options.setdefault(name, []).append(value)
        if "checked" in rest:
            ticked[name] = value
    return QuizPage(
        path=path,
        attempt_id=int(path.rstrip("/").rsplit("/", 1)[1]),
        seq=int(_SEQ.search(page).group(1)),
        token=CSRF_FIELD.search(page).group(1),
        options=options,
        ticked=ticked,
    )


def save(session: Session, quiz: QuizPage, answers: dict[str, str]) -> tuple[int, dict]:
    """Autosave as the page's script does (JSON); return the status and the JSON body."""
    form = {"csrf_token": quiz.token, "seq": str(quiz.seq), **answers}
    response, body = session.request("POST", quiz.path + "/save", form, headers=JSON)
    try:
        return response.status, json.loads(body)
    except ValueError:
        return response.status, {}


def submit(session: Session, quiz: QuizPage, answers: dict[str, str]) -> tuple[int, str]:
    """Submit the quiz; return the status and the server's outcome ("graded" when it graded)."""
    form = {"csrf_token": quiz.token, "seq": str(quiz.seq), **answers}
    response, _ = session.request("POST", quiz.path + "/submit", form)
    return response.status, response.getheader("X-Attempt-Outcome", "")
