"""Exactly-once submission against a live gunicorn with two workers.

Each round, threads released together by a barrier post the same submission;
the database must let exactly one of them grade the attempt.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.quizzes.models import Attempt, LessonGrade, Response
from tests.support import FIXTURE_COURSE, PASSWORD, make_user

ROUNDS = 50
RACERS = 8


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_server(database_url: str, course, db) -> Iterator[str]:
    """Serve the app with gunicorn (2 workers) on this test's database."""
    make_user("racer@example.com")
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "exactly-once-test-secret-key",
        "COURSE_DIR": str(FIXTURE_COURSE),
        "RATELIMIT_ENABLED": "0",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [
            str(gunicorn),
            *("--workers", "2", "--no-control-socket", "--bind", f"127.0.0.1:{port}"),
            "app:create_app()",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(process.stderr.read().decode()[-2000:]) from None
                time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:  # a loaded machine: don't fail a passed test on exit
            process.kill()
            process.wait(10)


class Session:
    """A minimal HTTP client keeping one session cookie, never following redirects."""

    def __init__(self, host: str) -> None:
        self.host = host
        self.cookie = ""

    def request(self, method: str, path: str, form: dict | None = None):
        connection = http.client.HTTPConnection(self.host, timeout=30)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        connection.close()
        return response, text

    def token(self, path: str) -> str:
        _, page = self.request("GET", path)
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def _race(host: str, cookie: str, path: str, form: dict) -> list[tuple[int, str]]:
    barrier = threading.Barrier(RACERS)
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def racer() -> None:
        session = Session(host)
        session.cookie = cookie
        barrier.wait()
        response, _ = session.request("POST", path, form)
        with lock:
            results.append((response.status, response.getheader("X-Attempt-Outcome", "")))

    threads = [threading.Thread(target=racer) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.mark.slow
def test_racing_submissions_grade_each_attempt_exactly_once(live_server, db):
    learner = Session(live_server)
    response, _ = learner.request(
        "POST",
        "/login",
        {"email": "racer@example.com", "password": PASSWORD, "csrf_token": learner.token("/login")},
    )
    assert response.status == 302

    for round_number in range(1, ROUNDS + 1):
        token = learner.token("/lessons/second-lesson")
        response, _ = learner.request("POST", "/lessons/second-lesson/quiz", {"csrf_token": token})
        quiz_path = urllib.parse.urlsplit(response.getheader("Location")).path
        _, page = learner.request("GET", quiz_path)
        seq = re.search(r'name="seq" value="(\d+)"', page).group(1)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        tf = 1 if 'name="q1" value="true"' in page else 2
        form = {"csrf_token": token, "seq": seq, f"q{tf}": "true"}

        results = _race(live_server, learner.cookie, quiz_path + "/submit", form)
        statuses = sorted(status for status, _ in results)
        outcomes = sorted(outcome for _, outcome in results)
        assert statuses == [302] * RACERS, f"round {round_number}: {statuses}"
        assert outcomes.count("graded") == 1, f"round {round_number}: {outcomes}"

    attempts = list(db.session.scalars(select(Attempt)))
    assert len(attempts) == ROUNDS
    assert {a.state for a in attempts} == {"submitted"}
    assert {a.score for a in attempts} == {1.0}
    assert (
        db.session.scalar(
            select(func.count()).select_from(Response).where(Response.points.is_(None))
        )
        == 0
    )
    grade = db.session.scalar(select(LessonGrade))
    assert grade.attempts_graded == ROUNDS
