"""Running for real: the health check, request ids in logs and on the 500 page, the
proxy setting, SQLite's settings checked before serving, backups, and servers that
start together (migrate and load the course once, never fail on each other).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from flask import request
from sqlalchemy import create_engine, func, select, text

from app import create_app
from app.auth.models import User
from app.course.models import Lesson
from app.database import database_settings_problems
from app.extensions import limiter
from app.ops.requestlog import REQUEST_LOGGER, formatter_for
from tests.support import FIXTURE_COURSE, make_app
from tests.support.live import Session, live_gunicorn

SECRET = "runtime-test-secret-key-0123456789abcdef"


class Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def request_log():
    recorder = Recorder()
    logger = logging.getLogger(REQUEST_LOGGER)
    logger.addHandler(recorder)
    yield recorder.records
    logger.removeHandler(recorder)


# --- /healthz -----------------------------------------------------------------------------


def test_health_is_ok_without_a_session_or_a_cookie(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "not used"}
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def _get(app, path: str, **kwargs):
    """One request to an app the test made itself (the test holds no app context)."""
    with app.app_context():
        return app.test_client().get(path, **kwargs)


def test_health_is_503_when_the_database_does_not_answer(tmp_path):
    app = make_app("postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
    response = _get(app, "/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "down"


def test_redis_down_is_reported_but_the_server_stays_healthy(database_url):
    app = make_app(database_url, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1")
    response = _get(app, "/healthz")
    assert response.status_code == 200
    assert response.get_json()["redis"] == "down"


def test_health_is_never_rate_limited(database_url):
    app = make_app(database_url, RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="2/minute")
    try:
        assert [_get(app, "/healthz").status_code for _ in range(5)] == [200] * 5
    finally:
        # The process's one Limiter keeps a default limit for every app built after this
        # one (it never replaces it): without this, later tests' pages would be limited.
        limiter.limit_manager.set_default_limits([])


# --- request ids and the log --------------------------------------------------------------


def test_each_request_is_logged_once_with_its_id(client, db, request_log):
    response = client.get("/lessons/no-such-lesson", headers={"X-Request-ID": "lb-12345678"})
    assert response.status_code == 404
    assert response.headers["X-Request-ID"] == "lb-12345678"
    (line,) = [r for r in request_log if r.path == "/lessons/no-such-lesson"]
    assert (line.method, line.status, line.request_id) == ("GET", 404, "lb-12345678")
    assert line.duration_ms >= 0


def test_a_request_id_that_does_not_look_like_one_is_replaced(client, db):
    response = client.get("/healthz", headers={"X-Request-ID": "<script>forged"})
    assert response.headers["X-Request-ID"] != "<script>forged"
    assert len(response.headers["X-Request-ID"]) == 32


def test_secret_links_are_logged_without_their_token(client, db, request_log):
    """A password-reset link and an LTI hand-off carry a secret: the log shows neither."""
    secret = "k3Yq9xVbTzW2mN8pLs5rD1fG7hJ4aC6e"
    client.get(f"/reset/{secret}")
    client.get(f"/lti/continue/{secret}")
    client.get("/lessons/no-such-lesson")
    paths = [record.path for record in request_log]
    assert paths == ["/reset/[redacted]", "/lti/continue/[redacted]", "/lessons/no-such-lesson"]
    assert not any(secret in record.getMessage() for record in request_log)


def test_json_lines_carry_every_field():
    record = logging.LogRecord(REQUEST_LOGGER, logging.INFO, __file__, 1, "GET / 200", (), None)
    record.request_id, record.method, record.path = "abc12345", "GET", "/"
    record.status, record.duration_ms = 200, 1.5
    entry = json.loads(formatter_for("json").format(record))
    assert entry["request_id"] == "abc12345"
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/", 200)


def test_an_unhandled_error_shows_and_logs_the_same_request_id(database_url, request_log):
    app = make_app(database_url, PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("a bug")

    errors = Recorder()
    app.logger.addHandler(errors)
    response = _get(app, "/boom", headers={"X-Request-ID": "trace-000042"})
    assert response.status_code == 500
    assert "trace-000042" in response.get_data(as_text=True)
    (logged,) = [r for r in errors.records if r.exc_info]
    assert logged.request_id == "trace-000042"
    assert any(r.status == 500 and r.request_id == "trace-000042" for r in request_log)


def test_trusted_proxies_make_the_client_address_the_forwarded_one(database_url):
    for proxies, expected in ((0, "127.0.0.1"), (1, "203.0.113.7")):
        app = make_app(database_url, TRUSTED_PROXIES=proxies)
        app.add_url_rule("/whoami", "whoami", lambda: request.remote_addr or "")
        answer = _get(
            app,
            "/whoami",
            headers={"X-Forwarded-For": "203.0.113.7"},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        )
        assert answer.get_data(as_text=True) == expected


def test_a_bad_trusted_proxies_value_stops_the_app_with_a_clear_message(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "all")
    with pytest.raises(ValueError, match="TRUSTED_PROXIES must be a whole number"):
        create_app({"TESTING": True})


# --- SQLite's settings ----------------------------------------------------------------


def test_the_test_databases_run_with_the_settings_the_server_checks(app, db):
    assert database_settings_problems() == []


def test_a_sqlite_database_without_wal_is_reported():
    app = make_app("sqlite://")  # in memory: journal_mode stays "memory"
    with app.app_context():
        problems = database_settings_problems()
    assert any("journal_mode" in problem for problem in problems)


@pytest.mark.slow
def test_gunicorn_refuses_to_serve_when_the_settings_do_not_take(tmp_path):
    env = {**os.environ, "DATABASE_URL": "sqlite://", "SECRET_KEY": SECRET, "PORT": "0"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    result = subprocess.run(
        [str(gunicorn), "--config", "gunicorn.conf.py", "--workers", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "refusing to serve" in result.stderr and "journal_mode" in result.stderr


# --- servers starting together --------------------------------------------------------


def _flask(url: str, *args: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "COURSE_DIR": str(FIXTURE_COURSE),
    }
    flask = Path(sys.executable).with_name("flask")
    command = f"'{flask}' --app app db upgrade && '{flask}' --app app course load"
    return subprocess.Popen(
        ["sh", "-c", command], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


@pytest.mark.slow
def test_two_servers_starting_together_migrate_and_load_the_course_once(fresh_database_url):
    starts = [None, None]
    barrier = threading.Barrier(2)

    def start(index: int) -> None:
        barrier.wait()
        process = _flask(fresh_database_url)
        output, _ = process.communicate(timeout=240)
        starts[index] = (process.returncode, output)

    threads = [threading.Thread(target=start, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert [code for code, _ in starts] == [0, 0], [out[-1500:] for _, out in starts]
    loads = sorted(out.strip().splitlines()[-1] for _, out in starts)
    assert loads[0].startswith("added 0,") and "unchanged" in loads[0], loads
    assert loads[1].startswith("added ") and not loads[1].startswith("added 0,"), loads
    engine = create_engine(fresh_database_url)
    try:
        with engine.connect() as connection:
            lessons = connection.execute(select(func.count()).select_from(Lesson.__table__))
            assert lessons.scalar() == 3
            heads = connection.execute(text("SELECT count(*) FROM alembic_version")).scalar()
            assert heads == 1
    finally:
        engine.dispose()


# --- backups --------------------------------------------------------------------------


@pytest.mark.slow
def test_a_backup_taken_while_learners_register_is_a_whole_database(
    backend, database_url, course, db, tmp_path
):
    copy = tmp_path / "backup.sqlite3"
    if backend != "sqlite":  # the online backup is SQLite's: PostgreSQL points to pg_dump
        env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": SECRET}
        flask = Path(sys.executable).with_name("flask")
        refused = subprocess.run(
            [str(flask), "--app", "app", "backup", str(copy)],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert refused.returncode != 0 and "pg_dump" in refused.stderr
        assert not copy.exists()
        return
    registered: list[str] = []
    stop = threading.Event()
    with live_gunicorn(database_url) as host:

        def register_learners() -> None:
            number = 0
            while not stop.is_set() and number < 200:
                number += 1
                session = Session(host)
                email = f"during-backup-{number}@example.com"
                form = {
                    "name": f"Learner {number}",
                    "email": email,
                    "password": "a long enough password",
                    "confirm": "a long enough password",
                    "csrf_token": session.token("/register"),
                }
                response, _ = session.request("POST", "/register", form)
                if response.status == 302:
                    registered.append(email)

        writer = threading.Thread(target=register_learners)
        writer.start()
        try:
            env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": SECRET}
            flask = Path(sys.executable).with_name("flask")
            result = subprocess.run(
                [str(flask), "--app", "app", "backup", str(copy)],
                env=env, capture_output=True, text=True, timeout=120,
            )  # fmt: skip
        finally:
            stop.set()
            writer.join(120)
    assert result.returncode == 0, result.stderr
    assert "Backed up the database" in result.stdout
    with sqlite3.connect(copy) as backup:
        assert backup.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        emails = {row[0] for row in backup.execute("SELECT email FROM users")}
    assert registered, "no learner registered during the test"
    stored = set(db.session.scalars(select(User.email)))
    assert emails <= stored  # the copy is the database at one moment: nothing it has is invented
    assert db.session.scalar(select(func.count()).select_from(Lesson)) == 3


def test_a_backup_of_postgresql_is_refused_and_points_to_pg_dump(backend, runner, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path / "copy.sqlite3")])
    if backend == "sqlite":
        assert result.exit_code == 0, result.output
        assert (tmp_path / "copy.sqlite3").exists()
    else:
        assert result.exit_code != 0
        assert "pg_dump" in result.output
        assert not (tmp_path / "copy.sqlite3").exists()


def test_a_backup_never_overwrites_a_file(runner, tmp_path, backend):
    target = tmp_path / "exists.sqlite3"
    target.write_text("keep me")
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code != 0
    assert target.read_text() == "keep me"
