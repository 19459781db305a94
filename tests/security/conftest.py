"""Fixtures for the security suites: apps whose rate limiter runs with small, real limits.

The counts live where they do in production by default: in the test's database
(`database://`, on SQLite and on PostgreSQL); a test that wants another store says so.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from app.config import DATABASE_STORAGE_URI

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")

SMALL_LIMITS = {
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": DATABASE_STORAGE_URI,
    "RATELIMIT_LOGIN": "3 per minute",
    "RATELIMIT_LOGIN_PER_DEVICE": "3 per minute",
    "RATELIMIT_LOGIN_PER_ADDRESS": "8 per minute",
    "RATELIMIT_REGISTER": "3 per minute",
    "RATELIMIT_REGISTER_PER_ADDRESS": "5 per minute",
}


@pytest.fixture
def make_limited_app(make_test_app: Callable[..., Flask]) -> Callable[..., Flask]:
    """Build apps with the rate limiter on (small limits unless told otherwise)."""
    return lambda **overrides: make_test_app(**{**SMALL_LIMITS, **overrides})


@pytest.fixture
def limited_app(make_limited_app: Callable[..., Flask]) -> Iterator[Flask]:
    """An app (with an app context open) whose limiter runs with small, real limits."""
    app = make_limited_app()
    with app.app_context():
        yield app


def _redis_unavailable(url: str) -> str | None:
    try:
        import redis
    except ImportError:
        return "the redis package is not installed"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as error:
        return f"Redis not reachable at {url}: {type(error).__name__}"
    return None


@pytest.fixture
def redis_url() -> str:
    """Redis's URL; skip without Redis, or fail when REQUIRE_REDIS=1 (set by .ci/run)."""
    reason = _redis_unavailable(REDIS_URL)
    if reason:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"REQUIRE_REDIS=1 but {reason}")
        pytest.skip(reason)
    return REDIS_URL
