"""Measure the app's throughput and latency on this machine, over loopback only.

Starts gunicorn (2 workers) on a fresh SQLite database (or DATABASE_URL) with
the real course loaded, signs in a set of learners, then drives four kinds of
request from concurrent threads for a bounded time each:

    reading a lesson, the course outline, autosaving answers, submitting a quiz

and prints requests per second with median and 95th-percentile latency.
Run: .venv/bin/python scripts/benchmark.py [--seconds 10] [--threads 8]
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.integration.test_exactly_once import Session  # noqa: E402

PASSWORD = "benchmark password 123"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _prepare_database(url: str, learners: int) -> None:
    from flask_migrate import upgrade

    from app import create_app
    from app.auth.services import create_user
    from app.content.loading import load_course
    from app.course.files import read_course
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark-secret-key-1234"})
    with app.app_context():
        upgrade()
        load_course(read_course(ROOT / "questions"))
        for n in range(learners):
            create_user(f"bench{n}@example.com", PASSWORD)
        db.session.commit()
        db.engine.dispose()


def _serve(url: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "benchmark-secret-key-1234",
        "RATELIMIT_ENABLED": "0",
    }
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "--workers", "2",
         "--bind", f"127.0.0.1:{port}", "app:create_app()"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise SystemExit("gunicorn did not start")


def _log_in(host: str, n: int) -> Session:
    session = Session(host)
    response, _ = session.request(
        "POST", "/login",
        {"email": f"bench{n}@example.com", "password": PASSWORD,
         "csrf_token": session.token("/login")},
    )  # fmt: skip
    assert response.status == 302, response.status
    return session


def _open_quiz(session: Session, slug: str) -> tuple[str, dict]:
    response, _ = session.request(
        "POST", f"/lessons/{slug}/quiz", {"csrf_token": session.token(f"/lessons/{slug}")}
    )
    path = urllib.parse.urlsplit(response.getheader("Location")).path
    _, page = session.request("GET", path)
    seq = re.search(r'name="seq" value="(\d+)"', page).group(1)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return path, {"csrf_token": token, "seq": seq}


def _run(name: str, sessions: list[Session], seconds: float, action) -> None:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(session: Session) -> None:
        nonlocal errors
        state: dict = {}
        while time.monotonic() < stop:
            started = time.perf_counter()
            ok = action(session, state)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                errors += 0 if ok else 1

    threads = [threading.Thread(target=worker, args=(s,)) for s in sessions]
    begun = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.monotonic() - begun
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    median = statistics.median(latencies) * 1000
    print(
        f"{name:<18} {len(latencies) / took:8.1f} req/s   median {median:6.1f} ms"
        f"   p95 {p95 * 1000:6.1f} ms   errors {errors}   ({len(latencies)} requests)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
        _prepare_database(url, args.threads)
        port = _free_port()
        server = _serve(url, port)
        host = f"127.0.0.1:{port}"
        try:
            sessions = [_log_in(host, n) for n in range(args.threads)]

            def read_lesson(session: Session, state: dict) -> bool:
                return session.request("GET", "/lessons/historical-evolution")[0].status == 200

            def outline(session: Session, state: dict) -> bool:
                return session.request("GET", "/")[0].status == 200

            def autosave(session: Session, state: dict) -> bool:
                if "path" not in state:
                    state["path"], state["form"] = _open_quiz(session, "key-strategies")
                response, _ = session.request("POST", state["path"] + "/save", state["form"])
                if response.status == 302:  # no Accept header: the no-script path
                    state["form"]["seq"] = str(int(state["form"]["seq"]) + 1)
                    return True
                return False

            def submit(session: Session, state: dict) -> bool:
                path, form = _open_quiz(session, "legal-and-ethical")
                return session.request("POST", path + "/submit", form)[0].status == 302

            print(f"gunicorn 2 workers, {args.threads} client threads, {args.seconds:g} s each, "
                  f"database {url.split(':')[0]}")  # fmt: skip
            _run("read a lesson", sessions, args.seconds, read_lesson)
            _run("course outline", sessions, args.seconds, outline)
            _run("autosave", sessions, args.seconds, autosave)
            _run("start+submit quiz", sessions, args.seconds, submit)
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
