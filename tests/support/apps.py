"""Build a test app on a given database, with clients that behave as in production."""

from __future__ import annotations

import contextvars
from pathlib import Path
from typing import Any

from flask import Flask, has_app_context
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import text

from app import create_app
from app.extensions import db

FIXTURE_COURSE = Path(__file__).parent.parent / "fixtures" / "course"


class IsolatedClient(FlaskClient):
    """A test client whose requests run in their own app context, as in production.

    The `app` fixture keeps an app context open for the test's own queries;
    without this, every request would share it (and its `g` and its database
    session) with the test and with each other.
    """

    def open(self, *args: Any, **kwargs: Any):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        # A redirect followed (follow_redirects=True) opens again inside that context,
        # where there is no app context of the test's to roll back.
        if has_app_context() and db.session.registry.has():
            db.session.rollback()  # the test's next query sees what the request stored
        return response


class IsolatedCliRunner(FlaskCliRunner):
    """A CLI runner whose commands run in their own app context and session."""

    def invoke(self, *args: Any, **kwargs: Any):
        result = contextvars.Context().run(super().invoke, *args, **kwargs)
        if db.session.registry.has():
            db.session.rollback()
        return result


def make_app(database_url: str, **overrides: Any) -> Flask:
    """Return a testing app on `database_url` with the fixture course folder."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "COURSE_DIR": str(FIXTURE_COURSE),
        "SERVER_NAME": "localhost",
        # Tests log in and register many times from one address; the limiter's own tests
        # (tests/security/test_rate_limits.py) turn it on with small, real limits.
        "RATELIMIT_ENABLED": False,
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = IsolatedClient
    app.test_cli_runner_class = IsolatedCliRunner
    return app


def empty_all_tables() -> None:
    """Delete every row (in the app context's database), children first."""
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))
