"""Build a test app on a given database, with clients that behave as in production."""

from __future__ import annotations

import contextvars
from pathlib import Path
from typing import Any

from flask import Flask, has_app_context
from flask.testing import FlaskClient, FlaskCliRunner
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
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


class SharedTemplateCode(BytecodeCache):
    """Compiled templates shared by every app a test process builds.

    Each test gets a new app, and so a new Jinja environment that would parse and
    compile every template it renders again (over a third of a request's time in the
    access matrix). Jinja checks each entry against the template's source, so an edited
    template is compiled afresh.
    """

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = SharedTemplateCode()


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
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
    app.test_client_class = IsolatedClient
    app.test_cli_runner_class = IsolatedCliRunner
    return app


def empty_all_tables() -> None:
    """Delete every row (in the app context's database), children first.

    On PostgreSQL one round trip deletes from every table and restarts each id
    sequence (tests may expect ids from 1): ~4 ms, where a TRUNCATE of the same
    tables took ~100 ms, since it replaces every table's files — paid after
    each of the ~1,300 tests that run on PostgreSQL.
    """
    tables = list(reversed(db.metadata.sorted_tables))
    deletes = [f"DELETE FROM {table.name}" for table in tables]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            restarts = [
                f"setval(pg_get_serial_sequence('{table.name}', '{column.name}'), 1, false)"
                for table in tables
                for column in table.primary_key.columns
                if column.autoincrement in (True, "auto")
                and len(table.primary_key.columns) == 1
                and column.type.python_type is int
            ]
            statements = deletes + ([f"SELECT {', '.join(restarts)}"] if restarts else [])
            connection.exec_driver_sql("; ".join(statements))
        else:
            for statement in deletes:
                connection.execute(text(statement))
