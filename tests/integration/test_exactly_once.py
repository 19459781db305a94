"""Exactly-once submission against a live gunicorn with two workers.

Each round, threads released together by a barrier post the same submission;
the database must let exactly one of them grade the attempt.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from app.quizzes.models import Attempt, LessonGrade, Response
from tests.support import PASSWORD, make_user
from tests.support.live import CSRF_FIELD, Session, live_gunicorn, released_together

ROUNDS = 50
RACERS = 8


@pytest.fixture
def live_server(database_url: str, course, db) -> Iterator[str]:
    """Serve the app with gunicorn (2 workers) on this test's database."""
    make_user("racer@example.com")
    with live_gunicorn(database_url) as host:
        yield host


def _race(host: str, cookie: str, path: str, form: dict) -> list[tuple[int, str]]:
    def post(_: int) -> tuple[int, str]:
        response, _ = Session(host, cookie).request("POST", path, form)
        return response.status, response.getheader("X-Attempt-Outcome", "")

    return released_together(RACERS, post)


@pytest.mark.slow
def test_racing_submissions_grade_each_attempt_exactly_once(live_server, db):
    learner = Session(live_server)
    learner.log_in("racer@example.com", PASSWORD)

    for round_number in range(1, ROUNDS + 1):
        token = learner.token("/lessons/second-lesson")
        response, _ = learner.request("POST", "/lessons/second-lesson/quiz", {"csrf_token": token})
        quiz_path = urllib.parse.urlsplit(response.getheader("Location")).path
        _, page = learner.request("GET", quiz_path)
        seq = re.search(r'name="seq" value="(\d+)"', page).group(1)
        token = CSRF_FIELD.search(page).group(1)
        tf = 1 if 'name="q1" value="true"' in page else 2
        form = {"csrf_token": token, "seq": seq, f"q{tf}": "true"}

        results = _race(live_server, learner.cookie, quiz_path + "/submit", form)
        statuses = sorted(status for status, _ in results)
        outcomes = sorted(outcome for _, outcome in results)
        assert statuses == [302] * RACERS, f"round {round_number}: {statuses}"
        assert outcomes.count("graded") == 1, f"round {round_number}: {outcomes}"

    attempts = list(db.session.scalars(select(Attempt)))
    assert len(attempts) == ROUNDS
    assert {a.state for a in attempts} == {"submitted"}
    assert {a.score for a in attempts} == {1.0}
    assert (
        db.session.scalar(
            select(func.count()).select_from(Response).where(Response.points.is_(None))
        )
        == 0
    )
    grade = db.session.scalar(select(LessonGrade))
    assert grade.attempts_graded == ROUNDS
