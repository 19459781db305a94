"""Shared fixtures: a real database per backend, an app, clients and people.

Tests that use the `app` fixture (directly or through `client`, `db`, …) run
once on SQLite and once on PostgreSQL. Pure unit tests use none of these and
run once. Each pytest-xdist worker gets its own PostgreSQL database.

Where no PostgreSQL answers, its runs skip with the reason; REQUIRE_POSTGRES=1
(set by .ci/run) turns that skip into a failure.
"""

from __future__ import annotations

import contextvars
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db as _db

# Fuzz budgets: "ci" is fixed and repeatable (.ci/run sets HYPOTHESIS_PROFILE=ci); "dev" is the
# default. Both keep every fuzz test to a bounded number of examples on each database.
_FUZZ_HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
settings.register_profile(
    "ci", max_examples=40, deadline=None, derandomize=True, suppress_health_check=_FUZZ_HEALTH
)
settings.register_profile("dev", max_examples=25, deadline=None, suppress_health_check=_FUZZ_HEALTH)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

FIXTURE_COURSE = Path(__file__).parent / "fixtures" / "course"
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PASSWORD = "correct horse battery staple"
BACKENDS = ["sqlite", "postgresql"]


def _postgres_database_url(worker: str) -> str:
    """Create (afresh) this worker's PostgreSQL database and return its URL."""
    admin_url = make_url(POSTGRES_ADMIN_URL)
    name = f"milidip_test_{worker}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return admin_url.set(database=name).render_as_string(hide_password=False)


def _postgres_unavailable_reason() -> str | None:
    engine = create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        return f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {type(error).__name__}"
    finally:
        engine.dispose()
    return None


@pytest.fixture(scope="session")
def worker_id_name(request: pytest.FixtureRequest) -> str:
    """Name this test process uniquely: runs in parallel (xdist workers, or two
    developers' runs on one machine) must never share a PostgreSQL database."""
    workerinput = getattr(request.config, "workerinput", {})
    run = workerinput.get("testrunuid", f"p{os.getpid()}")[:10]
    return f"{run}_{workerinput.get('workerid', 'main')}".lower()


@pytest.fixture(scope="session")
def database_urls(
    tmp_path_factory: pytest.TempPathFactory, worker_id_name: str
) -> Iterator[dict[str, Any]]:
    """Build each backend's schema once per worker, through the migrations."""
    cache: dict[str, Any] = {}

    def get(backend: str) -> str:
        if backend in cache:
            value = cache[backend]
            if isinstance(value, Exception):
                raise value
            return value
        try:
            if backend == "sqlite":
                url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.sqlite3'}"
            else:
                reason = _postgres_unavailable_reason()
                if reason:
                    raise _Unavailable(reason)
                url = _postgres_database_url(worker_id_name)
            _upgrade(url)
        except _Unavailable as error:
            cache[backend] = error
            raise
        cache[backend] = url
        return url

    cache["get"] = get
    yield cache
    if isinstance(cache.get("postgresql"), str):
        _drop_postgres_database(cache["postgresql"])


def _drop_postgres_database(url: str) -> None:
    name = make_url(url).database
    engine = create_engine(make_url(POSTGRES_ADMIN_URL), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


class _Unavailable(Exception):
    pass


def _upgrade(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        _db.engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(backend: str, database_urls: dict[str, Any]) -> str:
    try:
        return database_urls["get"](backend)
    except _Unavailable as error:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"REQUIRE_POSTGRES=1 but {error}")
        pytest.skip(str(error))


class IsolatedClient(FlaskClient):
    """A test client whose requests run in their own app context, as in production.

    The `app` fixture keeps an app context open for the test's own queries;
    without this, every request would share it (and its `g` and its database
    session) with the test and with each other.
    """

    def open(self, *args: Any, **kwargs: Any):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if _db.session.registry.has():
            _db.session.rollback()  # the test's next query sees what the request stored
        return response


class IsolatedCliRunner(FlaskCliRunner):
    """A CLI runner whose commands run in their own app context and session."""

    def invoke(self, *args: Any, **kwargs: Any):
        result = contextvars.Context().run(super().invoke, *args, **kwargs)
        if _db.session.registry.has():
            _db.session.rollback()
        return result


def make_app(database_url: str, **overrides: Any) -> Flask:
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


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """An app on a clean, migrated database of the current backend."""
    app = make_app(database_url)
    with app.app_context():
        yield app
        _db.session.remove()
        _empty_all_tables()
        _db.engine.dispose()


def _empty_all_tables() -> None:
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    with _db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def db(app: Flask):
    return _db


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """Fetch a page and return the CSRF token of its form (as a browser would have it)."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def quiz_fields(client: FlaskClient, quiz_url: str) -> dict[str, str]:
    """Return the hidden fields a quiz page's form sends: the CSRF token and page version."""
    page = client.get(quiz_url).get_data(as_text=True)
    match = re.search(r'name="seq" value="(\d+)"', page)
    assert match, f"no page version on {quiz_url}"
    return {"csrf_token": csrf_token(client, quiz_url), "seq": match.group(1)}


def start_quiz(client: FlaskClient, slug: str) -> str:
    """Start (or resume) a lesson's quiz as a learner would; return the quiz URL."""
    response = client.post(
        f"/lessons/{slug}/quiz", data={"csrf_token": csrf_token(client, f"/lessons/{slug}")}
    )
    assert response.status_code == 302, response.status_code
    return response.headers["Location"]


def post_form(
    client: FlaskClient,
    path: str,
    data: dict[str, Any],
    token_from: str | None = None,
    **kwargs: Any,
):
    """POST a form with a valid CSRF token taken from `token_from` (default: the same page)."""
    token = csrf_token(client, token_from or path)
    return client.post(path, data={**data, "csrf_token": token}, **kwargs)


def make_user(email: str, role: str = "learner", password: str = PASSWORD):
    from app.auth.services import create_user

    user = create_user(email, password, role=role)
    _db.session.commit()
    return user


def log_in(client: FlaskClient, email: str, password: str = PASSWORD) -> None:
    response = post_form(client, "/login", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)


@pytest.fixture
def course(app: Flask):
    """The small test course of tests/fixtures/course, loaded."""
    from app.course.files import read_course
    from app.course.loading import load_course

    report = load_course(read_course(FIXTURE_COURSE))
    _db.session.commit()
    return report


@pytest.fixture
def learner(app: Flask, client: FlaskClient):
    """A learner, logged in on `client`."""
    user = make_user("learner@example.com")
    log_in(client, "learner@example.com")
    return user


@pytest.fixture
def instructor_client(app: Flask) -> FlaskClient:
    """A second client, logged in as an instructor."""
    make_user("teacher@example.com", role="instructor")
    other = app.test_client()
    log_in(other, "teacher@example.com")
    return other


class QueryCounter:
    """Count the SQL statements the app sends while the counter is active."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.count = 0

    def _on_execute(self, *args: Any, **kwargs: Any) -> None:
        self.count += 1

    def __enter__(self) -> QueryCounter:
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._on_execute)
        return self

    def __exit__(self, *exc: object) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._on_execute)


@pytest.fixture
def count_queries(app: Flask):
    """Return a factory of query counters on the app's engine."""
    return lambda: QueryCounter(_db.engine)
