"""Build a test app on a given database, with clients that behave as in production."""

from __future__ import annotations

import contextvars
from pathlib import Path
from typing import Any

from flask import Flask, has_app_context
from flask.testing import FlaskClient, FlaskCliRunner
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from sqlalchemy import Table, func, select, text
from werkzeug.routing import Rule

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


def share_url_builders() -> None:
    """Let every test app reuse the URL builders werkzeug generated for the first.

    Werkzeug turns each URL rule into Python source and compiles it when the rule joins
    an app's URL map: ~40 ms of the ~50 ms `create_app` takes, paid by every test. The
    builder is a plain function of the rule (its text, parts and defaults) that reads
    everything else from the rule it is bound to, so the same function serves the same
    rule in every app. Should werkzeug rename the method, apps simply build their own.
    """
    original = getattr(Rule, "_compile_builder", None)
    if original is None or getattr(original, "shared", False):
        return
    builders: dict[tuple, Any] = {}

    def compile_builder(self: Rule, append_unknown: bool = True) -> Any:
        defaults = tuple(sorted((str(k), repr(v)) for k, v in (self.defaults or {}).items()))
        key = (self.rule, self.subdomain, self.host, tuple(self._trace), defaults, append_unknown)
        if key not in builders:
            builders[key] = original(self, append_unknown)
        return builders[key]

    compile_builder.shared = True  # type: ignore[attr-defined]
    Rule._compile_builder = compile_builder  # type: ignore[method-assign]


share_url_builders()


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


def serial_keys(tables: list[Table]) -> list[tuple[str, str]]:
    """(table, column) of each table whose id comes from a sequence (on PostgreSQL)."""
    return [
        (table.name, column.name)
        for table in tables
        if len(table.primary_key.columns) == 1
        for column in table.primary_key.columns
        if column.autoincrement in (True, "auto") and column.type.python_type is int
    ]


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
                f"setval(pg_get_serial_sequence('{table}', '{column}'), 1, false)"
                for table, column in serial_keys(tables)
            ]
            statements = deletes + ([f"SELECT {', '.join(restarts)}"] if restarts else [])
            connection.exec_driver_sql("; ".join(statements))
        else:
            for statement in deletes:
                connection.execute(text(statement))


def row_counts() -> dict[str, int]:
    """How many rows each table holds (in the app context's database)."""
    with db.engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in db.metadata.sorted_tables
        }


class TableSnapshot:
    """The rows a setup step stored, to put back in a few statements (parents first).

    The `course` fixture loads the test course once per backend and test process
    (parsing, linting and rendering it: ~110 ms) and afterwards restores its rows: one
    INSERT per table, ~10 ms. Only tables that were empty before the step are kept (a
    test's own users, made before the course, are not), and the ids are those a fresh
    load makes, since `empty_all_tables` restarts the sequences.
    """

    def __init__(self, before: dict[str, int]) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {}
        after = row_counts()
        with db.engine.connect() as connection:
            for table in db.metadata.sorted_tables:
                if after[table.name] == before[table.name]:
                    continue
                if before[table.name]:
                    raise RuntimeError(f"the step added rows to {table.name}, which had some")
                self.rows[table.name] = [
                    dict(row._mapping) for row in connection.execute(table.select())
                ]

    def restore(self) -> None:
        """Insert the rows again, in the test's session, and commit."""
        tables = [t for t in db.metadata.sorted_tables if t.name in self.rows]
        for table in tables:
            db.session.execute(table.insert(), self.rows[table.name])
        if db.session.get_bind().dialect.name == "postgresql":  # next ids follow the rows
            restarts = [
                f"setval(pg_get_serial_sequence('{table}', '{column}'), "
                f"(SELECT max({column}) FROM {table}))"
                for table, column in serial_keys(tables)
            ]
            if restarts:
                db.session.execute(text(f"SELECT {', '.join(restarts)}"))
        db.session.commit()
