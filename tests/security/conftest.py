"""Fixtures for the security suites: apps whose rate limiter runs with small, real limits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from app.extensions import db as _db
from tests.support import empty_all_tables, make_app

SMALL_LIMITS = {
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_LOGIN": "3 per minute",
    "RATELIMIT_LOGIN_PER_ADDRESS": "8 per minute",
    "RATELIMIT_REGISTER": "3 per minute",
    "RATELIMIT_REGISTER_PER_ADDRESS": "5 per minute",
}


@pytest.fixture
def make_limited_app(database_url: str) -> Iterator[Callable[..., Flask]]:
    """Build apps with the rate limiter on (small limits unless told otherwise)."""
    apps: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        app = make_app(database_url, **{**SMALL_LIMITS, **overrides})
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()
    if apps:
        with apps[0].app_context():
            empty_all_tables()
            _db.engine.dispose()


@pytest.fixture
def limited_app(make_limited_app: Callable[..., Flask]) -> Iterator[Flask]:
    """An app (with an app context open) whose limiter runs with small, real limits."""
    app = make_limited_app()
    with app.app_context():
        yield app
