"""The log-in limit holds across servers: the documented 5 a minute, not 5 per server.

Two live gunicorn servers (one worker each) on the same database, as two machines
behind a load balancer would be. A stranger's browser sends wrong passwords for one
account, turn about to each server, so every try alternates deterministically
(within one gunicorn with two workers, which worker answers is up to the kernel,
and a run once saw every try reach the same worker). We count the tries answered
with the form again (a failed log-in, 200) before the 429s begin. With the counts
in the database (the default) or in Redis, both servers read and write the same
count: 5. With `memory://`, each keeps its own: 5 each, 10 in all.

Tries go one at a time, each after the previous answer (how a person or a simple
script guesses): Flask-Limiter checks a failed-log-in limit before the password and
counts the failure after it, so tries in flight together can pass the check together
(two at a time may let a 6th failure through); that limit is on concurrency, not on
the store, and it is noted in the README.
"""

from __future__ import annotations

import uuid
from contextlib import ExitStack

import pytest
from limits import parse_many

from app.config import RATE_LIMIT_DEFAULTS
from tests.support import make_user
from tests.support.live import Session, live_gunicorn

TRIES = 30
WRONG = "not the password!"
# The README's figure: RATELIMIT_LOGIN's first limit, failed log-ins per account a minute.
DOCUMENTED = parse_many(RATE_LIMIT_DEFAULTS["RATELIMIT_LOGIN"])[0].amount


def _failed_try(host: str, email: str) -> int:
    """A stranger's browser (no cookies) sends one wrong password; return the status."""
    browser = Session(host)
    form = {"email": email, "password": WRONG, "csrf_token": browser.token("/login")}
    response, _ = browser.request("POST", "/login", form)
    return response.status


def _allowed(database_url: str, storage_uri: str, **env: str) -> list[int]:
    """Statuses of TRIES wrong passwords for one account, sent turn about to two servers."""
    email = f"owner-{uuid.uuid4().hex[:8]}@example.com"
    make_user(email)
    settings = dict(
        RATELIMIT_ENABLED="1",
        RATELIMIT_STORAGE_URI=storage_uri,
        RATELIMIT_LOGIN=RATE_LIMIT_DEFAULTS["RATELIMIT_LOGIN"],
        RATELIMIT_LOGIN_PER_ADDRESS=RATE_LIMIT_DEFAULTS["RATELIMIT_LOGIN_PER_ADDRESS"],
        **env,
    )
    with ExitStack() as servers:
        hosts = [
            servers.enter_context(live_gunicorn(database_url, workers=1, **settings))
            for _ in range(2)
        ]
        return [_failed_try(hosts[index % 2], email) for index in range(TRIES)]


def test_the_documented_figure_is_five():
    assert DOCUMENTED == 5


@pytest.mark.slow
def test_two_servers_share_the_count_in_the_database(app, database_url):
    # No RATELIMIT_STORAGE_URI: the app's own database (SQLite or PostgreSQL).
    statuses = _allowed(database_url, "")
    assert statuses == [200] * DOCUMENTED + [429] * (TRIES - DOCUMENTED)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"])
def test_two_servers_share_the_count_in_redis(app, database_url, redis_url):
    statuses = _allowed(
        database_url,
        redis_url,
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",  # nothing left from earlier runs
    )
    assert statuses == [200] * DOCUMENTED + [429] * (TRIES - DOCUMENTED)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"])
def test_with_memory_storage_each_server_counts_alone(app, database_url):
    # Why memory:// is only for one process: each server allows 5, so 2 servers allow 10.
    statuses = _allowed(database_url, "memory://")
    assert statuses == [200] * (2 * DOCUMENTED) + [429] * (TRIES - 2 * DOCUMENTED)
