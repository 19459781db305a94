"""Redis, where the rate-limit counts live, stops answering: log-in still works.

Flask-Limiter falls back to counting in each worker's memory (the limits still hold,
per worker) and says so in the server's log, rather than refusing every log-in.
"""

from __future__ import annotations

import pytest

from app.config import RATE_LIMIT_DEFAULTS
from tests.support import PASSWORD, make_user
from tests.support.live import Session, live_server

NOWHERE = "redis://127.0.0.1:1"  # nothing listens on port 1
FALLBACK = "falling back to in-memory storage"


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"])
def test_log_in_works_while_redis_is_unreachable_and_the_log_says_so(database_url, db):
    make_user("learner@example.com")
    make_user("guessed@example.com")
    env = {
        "RATELIMIT_ENABLED": "1",
        "RATELIMIT_STORAGE_URI": NOWHERE,
        "RATELIMIT_LOGIN": RATE_LIMIT_DEFAULTS["RATELIMIT_LOGIN"],
    }
    with live_server(database_url, workers=1, **env) as server:
        stranger = Session(server.host)
        wrong = {"email": "guessed@example.com", "password": "not it!"}
        statuses = []
        for _ in range(7):  # still limited, in the worker's memory: 5 failures a minute
            form = {**wrong, "csrf_token": stranger.token("/login")}
            statuses.append(stranger.request("POST", "/login", form)[0].status)
        learner = Session(server.host)
        learner.log_in("learner@example.com", PASSWORD)  # asserts the 302
        response, page = learner.request("GET", "/")
        log = server.log_text()
    assert statuses == [200] * 5 + [429] * 2, statuses
    assert response.status == 200 and "Log out" in page
    assert FALLBACK in log, log[-2000:]
    assert " 500 " not in log
