"""Brute force: log-in and registration are limited per account and per client address.

These tests run the limiter with real, small limits (tests/security/conftest.py);
everywhere else the test suite turns it off.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.security import describe_wait, gunicorn_workers, retry_after_seconds
from tests.support import PASSWORD, csrf_token, make_user


def _client(app: Flask, address: str = "127.0.0.1") -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _log_in(client: FlaskClient, email: str, password: str = "not the password!"):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def _register(client: FlaskClient, email: str, password: str = "short"):
    token = csrf_token(client, "/register")
    data = {"name": "Ada", "email": email, "password": password, "confirm": password}
    data["csrf_token"] = token
    return client.post("/register", data=data)


def _assert_throttled(response) -> int:
    """Check the 429 page and its Retry-After header; return the wait in seconds."""
    assert response.status_code == 429, response.status_code
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    page = response.get_data(as_text=True)
    assert "Too many tries" in page
    assert re.search(r"Try again in \d+ seconds?\.", page), page
    return retry_after


def test_failed_log_ins_for_one_account_are_stopped_even_with_the_right_password(limited_app):
    make_user("learner@example.com")
    client = _client(limited_app)
    for _ in range(3):
        assert _log_in(client, "learner@example.com").status_code == 200
    _assert_throttled(_log_in(client, "learner@example.com"))
    # The lock holds for the right password too: the guesser cannot tell when they hit it.
    _assert_throttled(_log_in(client, "learner@example.com", PASSWORD))


def test_the_account_key_is_the_normalised_email(limited_app):
    client = _client(limited_app)
    for spelling in ("Someone@Example.com", " someone@example.com", "SOMEONE@EXAMPLE.COM "):
        assert _log_in(client, spelling).status_code == 200
    _assert_throttled(_log_in(client, "someone@example.com"))


def test_a_locked_account_does_not_lock_other_accounts_or_other_addresses(limited_app):
    make_user("learner@example.com")
    make_user("other@example.com")
    attacker = _client(limited_app, "10.0.0.66")
    for _ in range(3):
        _log_in(attacker, "learner@example.com")
    _assert_throttled(_log_in(attacker, "learner@example.com"))
    assert _log_in(attacker, "other@example.com", PASSWORD).status_code == 302


def test_throttling_does_not_tell_whether_an_email_exists(limited_app):
    make_user("real@example.com")
    client = _client(limited_app)
    known = [_log_in(client, "real@example.com").status_code for _ in range(5)]
    unknown = [_log_in(client, "ghost@example.com").status_code for _ in range(5)]
    assert known == unknown == [200, 200, 200, 429, 429]


def test_successful_log_ins_do_not_count(limited_app):
    make_user("learner@example.com")
    for _ in range(6):
        client = _client(limited_app)
        assert _log_in(client, "learner@example.com", PASSWORD).status_code == 302


def test_showing_the_log_in_page_is_never_limited(limited_app):
    client = _client(limited_app)
    for _ in range(3):
        _log_in(client, "learner@example.com")
    assert all(client.get("/login").status_code == 200 for _ in range(20))


def test_one_address_trying_many_accounts_is_stopped_by_the_address_limit(limited_app):
    make_user("learner@example.com")
    sprayer = _client(limited_app, "10.0.0.7")
    statuses = [_log_in(sprayer, f"user{n}@example.com").status_code for n in range(9)]
    assert statuses == [200] * 8 + [429]
    _assert_throttled(_log_in(sprayer, "learner@example.com", PASSWORD))
    # Another address (another learner in the class) is not held up.
    elsewhere = _log_in(_client(limited_app, "10.0.0.8"), "learner@example.com", PASSWORD)
    assert elsewhere.status_code == 302
    assert _log_in(_client(limited_app, "10.0.0.9"), "user1@example.com").status_code == 200


def test_registration_is_limited_per_email(limited_app):
    client = _client(limited_app)
    for _ in range(3):
        assert _register(client, "new@example.com").status_code == 200  # password too short
    _assert_throttled(_register(client, "NEW@example.com", "a long enough password"))
    other = _register(client, "fresh@example.com", "a long enough password")
    assert other.status_code == 302


def test_registration_probing_for_taken_emails_is_bounded_per_address(limited_app):
    for n in range(6):
        make_user(f"member{n}@example.com")
    prober = _client(limited_app, "10.0.0.5")
    pages = [
        _register(prober, f"member{n}@example.com", "a long enough password") for n in range(6)
    ]
    assert [p.status_code for p in pages] == [200] * 5 + [429]
    assert "An account with this email already exists." in pages[0].get_data(as_text=True)
    _assert_throttled(pages[-1])


def test_the_429_page_has_the_security_headers(limited_app):
    client = _client(limited_app)
    for _ in range(3):
        _log_in(client, "x@example.com")
    response = _log_in(client, "x@example.com")
    assert response.status_code == 429
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_limits_come_from_the_config(make_limited_app):
    app = make_limited_app(RATELIMIT_LOGIN="1 per minute")
    with app.app_context():
        client = _client(app)
        assert _log_in(client, "a@example.com").status_code == 200
        _assert_throttled(_log_in(client, "a@example.com"))


def test_a_long_window_says_minutes(make_limited_app):
    app = make_limited_app(RATELIMIT_LOGIN="1 per hour")
    with app.app_context():
        client = _client(app)
        _log_in(client, "a@example.com")
        response = _log_in(client, "a@example.com")
        assert response.status_code == 429
        assert 3500 <= int(response.headers["Retry-After"]) <= 3600
        assert "Try again in 60 minutes." in response.get_data(as_text=True)


def test_the_limiter_is_off_when_disabled(app, client):
    # The rest of the suite (and load and browser runs) set RATELIMIT_ENABLED off.
    assert app.config["RATELIMIT_ENABLED"] is False
    assert all(_log_in(client, "x@example.com").status_code == 200 for _ in range(12))


def test_the_settings_come_from_the_environment_unless_the_config_says(monkeypatch):
    from app import create_app

    monkeypatch.setenv("RATELIMIT_LOGIN", "7 per minute")
    monkeypatch.setenv("RATELIMIT_ENABLED", "0")
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["RATELIMIT_LOGIN"] == "7 per minute"
    assert app.config["RATELIMIT_REGISTER"] == "10 per hour"  # the default
    assert app.config["RATELIMIT_LOGIN_PER_ADDRESS"] == "60 per minute;600 per hour"
    assert app.config["RATELIMIT_STORAGE_URI"] == "database://"  # the app's own database
    assert app.config["RATELIMIT_ENABLED"] is False
    configured = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_LOGIN": "2/second"}
    )
    assert configured.config["RATELIMIT_LOGIN"] == "2/second"


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (1, "1 second"),
        (42, "42 seconds"),
        (89, "89 seconds"),
        (90, "2 minutes"),
        (3600, "60 minutes"),
    ],
)
def test_waits_are_said_in_words(seconds, words):
    assert describe_wait(seconds) == words


def test_retry_after_is_rounded_up_and_never_zero():
    assert retry_after_seconds(100.2, now=100.0) == 1
    assert retry_after_seconds(99.0, now=100.0) == 1
    assert retry_after_seconds(130.1, now=100.0) == 31


def test_instances_sharing_redis_share_the_counts(make_limited_app, redis_url):
    # Unique account and address: Redis outlives the test run (its keys expire in a minute).
    email = f"shared-{uuid.uuid4().hex}@example.com"
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    first = make_limited_app(RATELIMIT_STORAGE_URI=redis_url)
    with first.app_context():
        for _ in range(3):
            assert _log_in(_client(first, address), email).status_code == 200
    # A second instance (a new app, a new connection) sees the first one's count.
    second = make_limited_app(RATELIMIT_STORAGE_URI=redis_url)
    with second.app_context():
        _assert_throttled(_log_in(_client(second, address), email))


def test_instances_sharing_a_database_share_the_counts(make_limited_app):
    # The default store: two app instances on one database (two workers, two servers).
    first = make_limited_app()
    with first.app_context():
        for _ in range(3):
            assert _log_in(_client(first), "shared@example.com").status_code == 200
    second = make_limited_app()
    with second.app_context():
        _assert_throttled(_log_in(_client(second), "shared@example.com"))


def test_memory_storage_is_per_instance(make_limited_app):
    # The contrast that shows the shared stores above are not vacuous.
    first = make_limited_app(RATELIMIT_STORAGE_URI="memory://")
    with first.app_context():
        for _ in range(3):
            _log_in(_client(first), "solo@example.com")
        _assert_throttled(_log_in(_client(first), "solo@example.com"))
    second = make_limited_app(RATELIMIT_STORAGE_URI="memory://")
    with second.app_context():
        assert _log_in(_client(second), "solo@example.com").status_code == 200


@pytest.mark.parametrize(
    ("argv", "environ", "workers"),
    [
        (["/venv/bin/gunicorn", "--workers", "2", "app:create_app()"], {}, 2),
        (["/venv/bin/gunicorn", "-w4", "app:create_app()"], {}, 4),
        (["/venv/bin/gunicorn", "--workers=3", "app:create_app()"], {}, 3),
        (["/venv/bin/gunicorn", "app:create_app()"], {"GUNICORN_CMD_ARGS": "-w 5"}, 5),
        (["/venv/bin/gunicorn", "app:create_app()"], {"WEB_CONCURRENCY": "6"}, 6),
        (["/venv/bin/gunicorn", "-w", "2"], {"WEB_CONCURRENCY": "6"}, 2),  # the flag wins
        (["/venv/bin/gunicorn", "app:create_app()"], {}, 1),
        (["python", "app.py"], {"SERVER_SOFTWARE": "gunicorn/27.0.1", "WEB_CONCURRENCY": "3"}, 3),
        (["/venv/bin/flask", "run"], {"WEB_CONCURRENCY": "4"}, 1),  # not gunicorn
    ],
)
def test_the_worker_count_is_read_where_gunicorn_reads_it(argv, environ, workers):
    assert gunicorn_workers(argv, environ) == workers


def _start_app(monkeypatch, storage_uri: str, argv: list[str]) -> None:
    from app import create_app

    monkeypatch.setattr(sys, "argv", argv)
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("GUNICORN_CMD_ARGS", raising=False)
    create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": storage_uri,
        }
    )


def test_memory_storage_with_several_workers_warns_at_start_up(monkeypatch, caplog):
    two_workers = ["/venv/bin/gunicorn", "--workers", "2", "app:create_app()"]
    with caplog.at_level(logging.WARNING, logger="app.security"):
        _start_app(monkeypatch, "memory://", two_workers)
    (record,) = caplog.records
    assert "2 gunicorn workers" in record.getMessage()
    assert "multiplied by the number of workers" in record.getMessage()


@pytest.mark.parametrize(
    ("storage_uri", "argv"),
    [
        ("memory://", ["/venv/bin/gunicorn", "--workers", "1", "app:create_app()"]),
        ("database://", ["/venv/bin/gunicorn", "--workers", "2", "app:create_app()"]),
        ("redis://127.0.0.1:6379", ["/venv/bin/gunicorn", "--workers", "2", "app:create_app()"]),
    ],
)
def test_shared_storage_or_one_worker_does_not_warn(monkeypatch, caplog, storage_uri, argv):
    with caplog.at_level(logging.WARNING, logger="app.security"):
        _start_app(monkeypatch, storage_uri, argv)
    assert caplog.records == []


def _change_password(client: FlaskClient, current: str, new: str = "a brand new passphrase"):
    token = csrf_token(client, "/account")
    data = {"current_password": current, "new_password": new, "confirm": new, "csrf_token": token}
    return client.post("/account/password", data=data)


def test_guessing_the_current_password_on_the_account_page_is_stopped_like_log_in(limited_app):
    make_user("learner@example.com")
    client = _client(limited_app)
    assert _log_in(client, "learner@example.com", PASSWORD).status_code == 302
    for _ in range(3):
        assert _change_password(client, "not the password!").status_code == 200
    _assert_throttled(_change_password(client, "still guessing!!"))
    # Held for the right password too, so the guesser cannot tell when they hit it.
    _assert_throttled(_change_password(client, PASSWORD))
    # Another account is not held up by this one's failures.
    make_user("other@example.com")
    other = _client(limited_app, "10.0.0.20")
    assert _log_in(other, "other@example.com", PASSWORD).status_code == 302
    assert _change_password(other, PASSWORD).status_code == 302
