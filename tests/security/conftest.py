"""Fixtures for the security suites: apps whose rate limiter runs with small, real limits.

The counts live where they do in production by default: in the test's database
(`database://`, on SQLite and on PostgreSQL); a test that wants another store says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from app.config import DATABASE_STORAGE_URI

SMALL_LIMITS = {
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": DATABASE_STORAGE_URI,
    "RATELIMIT_LOGIN": "3 per minute",
    "RATELIMIT_LOGIN_PER_DEVICE": "3 per minute",
    "RATELIMIT_LOGIN_PER_ADDRESS": "8 per minute",
    "RATELIMIT_REGISTER": "3 per minute",
    "RATELIMIT_REGISTER_PER_ADDRESS": "5 per minute",
    "RATELIMIT_PASSWORD_CHANGE": "3 per minute",
    "RATELIMIT_PASSWORD_CHANGE_PER_ADDRESS": "8 per minute",
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
