"""One practice answer reviews a card once, against a live gunicorn with two workers.

Each round, threads released together by a barrier send the same answer to the same
card (a double click, a resent form); the conditional write lets exactly one review it.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, update

from app.practice.models import PracticeCard, PracticeReview
from tests.support import PASSWORD, make_user
from tests.support.live import CSRF_FIELD, Session, live_gunicorn, released_together

ROUNDS = 12
RACERS = 8


@pytest.fixture
def live_server(database_url: str, course, db) -> Iterator[str]:
    make_user("racer@example.com")
    with live_gunicorn(database_url) as host:
        yield host


def _miss_a_quiz(learner: Session, slug: str) -> None:
    token = learner.token(f"/lessons/{slug}")
    response, _ = learner.request("POST", f"/lessons/{slug}/quiz", {"csrf_token": token})
    quiz_path = urllib.parse.urlsplit(response.getheader("Location")).path
    _, page = learner.request("GET", quiz_path)
    seq = re.search(r'name="seq" value="(\d+)"', page).group(1)
    token = CSRF_FIELD.search(page).group(1)
    response, _ = learner.request("POST", quiz_path + "/submit", {"csrf_token": token, "seq": seq})
    assert response.status == 302


@pytest.mark.slow
def test_racing_answers_review_each_card_once(live_server, db):
    learner = Session(live_server)
    learner.log_in("racer@example.com", PASSWORD)
    _miss_a_quiz(learner, "first-lesson")

    for round_number in range(1, ROUNDS + 1):
        _, page = learner.request("GET", "/practice")
        path = re.search(r'action="(/practice/questions/\d+)"', page).group(1)
        form = {
            "csrf_token": CSRF_FIELD.search(page).group(1),
            "reviews": re.search(r'name="reviews" value="(\d+)"', page).group(1),
        }

        def answer(_: int, path: str = path, form: dict = form) -> str:
            response, _ = Session(live_server, learner.cookie).request("POST", path, form)
            assert response.status == 302
            return response.getheader("X-Practice-Outcome", "")

        outcomes = sorted(released_together(RACERS, answer))
        assert outcomes.count("reviewed") == 1, f"round {round_number}: {outcomes}"
        assert outcomes.count("already-reviewed") == RACERS - 1, f"round {round_number}"
        # Bring every card back due, so the next round races on a card again.
        db.session.execute(update(PracticeCard).values(due=PracticeCard.last_review))
        db.session.commit()

    reviews = db.session.scalar(select(func.count()).select_from(PracticeReview))
    assert reviews == ROUNDS
    assert db.session.scalar(select(func.sum(PracticeCard.reviews))) == ROUNDS
