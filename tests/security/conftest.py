"""Fixtures for the security suites: an app with real (small) rate limits, quick accounts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.security import generate_password_hash

from app.extensions import db as _db
from tests.conftest import PASSWORD, _empty_all_tables, make_app

# A deliberately cheap hash: these suites create and log in many accounts, and what they test
# is who may do what, not how passwords are stored (tests/integration covers scrypt).
QUICK_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")

SMALL_LIMITS = {
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_LOGIN": "3 per minute",
    "RATELIMIT_LOGIN_PER_ADDRESS": "8 per minute",
    "RATELIMIT_REGISTER": "3 per minute",
    "RATELIMIT_REGISTER_PER_ADDRESS": "5 per minute",
}


def quick_user(email: str, role: str = "learner"):
    """Create an account with the test password, without paying for scrypt."""
    from app.auth.models import User

    user = User(email=email, password_hash=QUICK_HASH, role=role)
    _db.session.add(user)
    _db.session.commit()
    return user


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The suite-wide `app` fixture, with instructor uploads kept in the test's own folder."""
    app = make_app(database_url, INSTRUCTOR_IMPORT_DIR=str(tmp_path / "imports"))
    with app.app_context():
        yield app
        _db.session.remove()
        _empty_all_tables()
        _db.engine.dispose()


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
            _empty_all_tables()
            _db.engine.dispose()


@pytest.fixture
def limited_app(make_limited_app: Callable[..., Flask]) -> Iterator[Flask]:
    """An app (with an app context open) whose limiter runs with small, real limits."""
    app = make_limited_app()
    with app.app_context():
        yield app
