"""Shared fixtures: a real database per backend, an app, clients and people.

The helpers behind them (and for tests to call) live in `tests/support/`.

Tests that use the `app` fixture (directly or through `client`, `db`, …) run
once on SQLite and once on PostgreSQL. Pure unit tests use none of these and
run once. Each pytest-xdist worker gets its own PostgreSQL database.

Where no PostgreSQL answers, its runs skip with the reason; REQUIRE_POSTGRES=1
(set by .ci/run) turns that skip into a failure. The same for Redis (`redis_url`)
and REQUIRE_REDIS=1.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db as _db
from tests.support import (
    FIXTURE_COURSE,
    QueryCounter,
    empty_all_tables,
    log_in,
    make_app,
    make_user,
)
from tests.support.apps import TableSnapshot, row_counts
from tests.support.keys import PLATFORM_KEYS, TOOL_KEYS

# Fuzz budgets: "ci" is fixed and repeatable (.ci/run sets HYPOTHESIS_PROFILE=ci); "dev" is the
# default. Both keep every fuzz test to a bounded number of examples on each database.
_FUZZ_HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
settings.register_profile(
    "ci", max_examples=40, deadline=None, derandomize=True, suppress_health_check=_FUZZ_HEALTH
)
settings.register_profile("dev", max_examples=25, deadline=None, suppress_health_check=_FUZZ_HEALTH)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["sqlite", "postgresql"]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")


def _postgres_database_url(worker: str) -> str:
    """Create (afresh) this worker's PostgreSQL database and return its URL."""
    admin_url = make_url(POSTGRES_ADMIN_URL)
    name = f"milidip_test_{worker}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
            # A test database need not survive a power cut: commits return without waiting
            # for the WAL flush (half the cost of a commit here). Same SQL, same locking.
            connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
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


@pytest.fixture
def fresh_database_url(
    backend: str, database_url: str, worker_id_name: str, tmp_path: Path
) -> Iterator[str]:
    """An empty database (no tables) on this test's backend, dropped afterwards.

    For what happens before the schema exists: migrations, and servers starting together.
    """
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    url = _postgres_database_url(f"{worker_id_name}_fresh")
    try:
        yield url
    finally:
        _drop_postgres_database(url)


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


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """An app on a clean, migrated database of the current backend."""
    app = make_app(database_url)
    with app.app_context():
        yield app
        _db.session.remove()
        empty_all_tables()
        _db.engine.dispose()


@pytest.fixture
def make_test_app(database_url: str) -> Iterator[Callable[..., Flask]]:
    """Build more apps on this test's database (other settings, more routes).

    Their engines are closed and the tables emptied after the test.
    """
    apps: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        app = make_app(database_url, **overrides)
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
def db(app: Flask):
    return _db


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def _loaded_courses() -> dict[str, tuple[Any, TableSnapshot]]:
    """Per backend: the fixture course's load report and the rows the load stored."""
    return {}


@pytest.fixture
def course(app: Flask, backend: str, _loaded_courses: dict[str, tuple[Any, TableSnapshot]]):
    """The small test course of tests/fixtures/course, loaded.

    Loaded for real by the first test of each backend in this process; the others get
    the same rows back from a snapshot (tests/support/apps.py `TableSnapshot`).
    Tests of loading itself call `load_course`.
    """
    from app.content.loading import load_course
    from app.course.files import read_course

    if backend in _loaded_courses:
        report, snapshot = _loaded_courses[backend]
        snapshot.restore()
        return report
    before = row_counts()
    report = load_course(read_course(FIXTURE_COURSE))
    _db.session.commit()
    _loaded_courses[backend] = (report, TableSnapshot(before))
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


@pytest.fixture
def count_queries(app: Flask):
    """Return a factory of query counters on the app's engine."""
    return lambda: QueryCounter(_db.engine)


def _redis_unavailable_reason() -> str | None:
    try:
        import redis
    except ImportError:
        return "the redis package is not installed"
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as error:
        return f"Redis not reachable at {REDIS_URL}: {type(error).__name__}"
    return None


@pytest.fixture
def redis_url() -> str:
    """Redis's URL (its keys outlive the test: use fresh keys or a fresh prefix).

    Without Redis the test skips, or fails when REQUIRE_REDIS=1 (set by .ci/run).
    """
    reason = _redis_unavailable_reason()
    if reason:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"REQUIRE_REDIS=1 but {reason}")
        pytest.skip(reason)
    return REDIS_URL


@pytest.fixture(autouse=True)
def _test_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """RSA keys made once per process, handed out afresh per test (tests/support/keys.py)."""
    from jwcrypto.jwk import JWK

    from app.lti import keys

    PLATFORM_KEYS.start_test()
    TOOL_KEYS.start_test()
    monkeypatch.setattr(keys, "new_key_pair", lambda: JWK.from_pyca(TOOL_KEYS.take()))


@pytest.fixture
def lti_platform(app: Flask) -> Iterator[Any]:
    """An LMS on loopback (tests/support/lti_platform.py), not yet registered with the tool."""
    from tests.support.lti_platform import LmsPlatform

    platform = LmsPlatform().start()
    try:
        yield platform
    finally:
        platform.stop()
