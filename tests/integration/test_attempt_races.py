"""The attempt limit holds under races, against a live gunicorn with four workers.

A learner's browser (or a script) sends twenty "Take the quiz" requests at once,
released together by a barrier. However the requests interleave across the
workers, the database keeps one open attempt per learner and lesson and unique
attempt numbers: one request starts the attempt, the others are sent to it, and
with "max attempts = 1" no second attempt is ever created.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from app.course.models import Lesson
from app.course.services import bump_content_revision
from app.quizzes.models import Attempt
from tests.support import PASSWORD, make_user
from tests.support.live import CSRF_FIELD, Session, live_gunicorn, released_together

RACERS = 20
WORKERS = 4
LEARNERS = 3  # three races per lesson: one lucky interleaving must not hide the old bug
# Both limits on one server (one start instead of two): a lesson allowing one attempt and
# one allowing any number.
MAX_ATTEMPTS = {"second-lesson": 1, "first-lesson": 0}


@pytest.fixture
def live_server(database_url: str, course, db) -> Iterator[str]:
    """Serve the app with gunicorn (four workers) with each lesson's limit set."""
    for slug, max_attempts in MAX_ATTEMPTS.items():
        lesson = db.session.scalar(select(Lesson).where(Lesson.slug == slug))
        lesson.quiz_settings = {**lesson.quiz_settings, "max_attempts": max_attempts}
    bump_content_revision()
    db.session.commit()
    for n in range(LEARNERS):
        make_user(f"racer{n}@example.com")
    with live_gunicorn(database_url, workers=WORKERS) as host:
        yield host


def _start_together(host: str, learner: Session, lesson: str) -> list[tuple[int, str]]:
    """Post "Take the quiz" from RACERS threads at once; return (status, Location path)."""
    form = {"csrf_token": learner.token(f"/lessons/{lesson}")}

    def start(_: int) -> tuple[int, str]:
        response, _ = Session(host, learner.cookie).request("POST", f"/lessons/{lesson}/quiz", form)
        return response.status, urllib.parse.urlsplit(response.getheader("Location", "")).path

    return released_together(RACERS, start)


def _submit(learner: Session, quiz_path: str) -> None:
    _, page = learner.request("GET", quiz_path)
    seq = re.search(r'name="seq" value="(\d+)"', page).group(1)
    form = {"csrf_token": CSRF_FIELD.search(page).group(1), "seq": seq}
    response, _ = learner.request("POST", quiz_path + "/submit", form)
    assert response.status == 302


def _attempts_of(db, email: str, lesson: str) -> list[Attempt]:
    from app.auth.services import find_user

    db.session.rollback()  # see what the server's workers committed
    user = find_user(email)
    return list(
        db.session.scalars(
            select(Attempt)
            .join(Lesson, Attempt.lesson_id == Lesson.id)
            .where(Attempt.user_id == user.id, Lesson.slug == lesson)
            .order_by(Attempt.id)
        )
    )


@pytest.mark.slow
def test_twenty_racing_starts_make_one_attempt_and_send_everyone_to_it(live_server, db):
    for lesson, max_attempts in MAX_ATTEMPTS.items():
        _race_on(live_server, db, lesson, max_attempts)


def _race_on(live_server: str, db, lesson: str, max_attempts: int) -> None:
    for n in range(LEARNERS):
        email = f"racer{n}@example.com"
        learner = Session(live_server)
        learner.log_in(email, PASSWORD)

        results = _start_together(live_server, learner, lesson)
        made = _attempts_of(db, email, lesson)
        assert len(made) == 1, (
            f"{email}: {RACERS} racing starts made {len(made)} attempts "
            f"numbered {[a.number for a in made]}"
        )
        winner = f"/attempts/{made[0].id}"
        assert results == [(302, winner)] * RACERS, results
        assert made[0].number == 1 and made[0].is_open

        _submit(learner, winner)
        again = _start_together(live_server, learner, lesson)
        made = _attempts_of(db, email, lesson)
        if max_attempts == 1:  # the limit is reached: every racer is refused, nothing stored
            assert [a.number for a in made] == [1]
            assert again == [(302, f"/lessons/{lesson}")] * RACERS, again
        else:  # no limit: exactly one second attempt, open, and everyone is sent to it
            assert [(a.number, a.state) for a in made] == [(1, "submitted"), (2, "open")], [
                (a.number, a.state) for a in made
            ]
            assert again == [(302, f"/attempts/{made[1].id}")] * RACERS, again
