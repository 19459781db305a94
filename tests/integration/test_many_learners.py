"""Fifty learners press "Submit" at the same moment (a class finishing an exam together).

A live gunicorn with 2 workers, on SQLite and on PostgreSQL. Every submission must be
graded and stored exactly once, none may fail with "database is locked" or a
deadlock, and none may get a 5xx: writers wait for each other, they do not fail.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from app.ops.requestlog import REQUEST_LOGGER as REQUESTS
from app.quizzes.models import Attempt, LessonGrade, Response
from tests.support import PASSWORD, make_user
from tests.support.live import Session, live_server, released_together
from tests.support.live_quiz import read_quiz, start_quiz, submit

LEARNERS = 50
LESSON = "second-lesson"


@pytest.mark.slow
def test_fifty_learners_submitting_at_once_are_each_graded_exactly_once(database_url, course, db):
    emails = [f"class-{number:02}@example.com" for number in range(LEARNERS)]
    for email in emails:
        make_user(email)
    with live_server(database_url, workers=2) as server:

        def ready(email: str):
            learner = Session(server.host)
            learner.log_in(email, PASSWORD)
            quiz = read_quiz(learner, start_quiz(learner, LESSON))
            return learner, quiz

        with ThreadPoolExecutor(8) as pool:
            learners = list(pool.map(ready, emails))

        def press_submit(index: int) -> tuple[int, str]:
            learner, quiz = learners[index]
            return submit(learner, quiz, quiz.answers(index))

        results = released_together(LEARNERS, press_submit)
        log = server.log_text()

    assert sorted(set(results)) == [(302, "graded")], results
    assert "database is locked" not in log and "deadlock" not in log.lower(), log[-3000:]
    statuses = _logged_statuses(log)
    assert len(statuses) > LEARNERS and max(statuses) < 500, log[-3000:]
    db.session.rollback()
    submitted = db.session.scalar(
        select(func.count()).select_from(Attempt).where(Attempt.state == "submitted")
    )
    assert submitted == LEARNERS
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == LEARNERS
    ungraded = select(func.count()).select_from(Response).where(Response.points.is_(None))
    assert db.session.scalar(ungraded) == 0
    grades = list(db.session.scalars(select(LessonGrade)))
    assert len(grades) == LEARNERS
    assert {grade.attempts_graded for grade in grades} == {1}


def _logged_statuses(log: str) -> list[int]:
    """Return the status of every request the server logged ("… [id] POST /path 302 4.1ms")."""
    lines = (line.split("] ", 1)[-1].split() for line in log.splitlines() if REQUESTS in line)
    return [int(fields[2]) for fields in lines if len(fields) >= 3 and fields[2].isdigit()]
