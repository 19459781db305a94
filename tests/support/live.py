"""A live gunicorn on a test's database, and a tiny HTTP client with one session cookie.

Races ("only once", "at most N") must be tested against real worker processes:
threads in one process would share one connection pool and hide the race.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.apps import FIXTURE_COURSE

CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def free_port() -> int:
    """Return a loopback port nobody is listening on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def live_gunicorn(database_url: str, workers: int = 2, **env_extra: str) -> Iterator[str]:
    """Serve the app with gunicorn on `database_url`; yield its `host:port`.

    Every server passes `--no-control-socket`: gunicorn's control socket lives in one
    shared place, and two servers at once must not fight over it.
    """
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "live-server-test-secret-key",
        "COURSE_DIR": str(FIXTURE_COURSE),
        "RATELIMIT_ENABLED": "0",
        **env_extra,
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server_log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    process = subprocess.Popen(
        [
            str(gunicorn),
            *("--workers", str(workers), "--no-control-socket"),
            *("--bind", f"127.0.0.1:{port}"),
            "app:create_app()",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        # A file, not a pipe: the app logs a line per request, and a pipe nobody reads
        # fills up and blocks the workers.
        stderr=server_log,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    server_log.seek(0)
                    raise RuntimeError(server_log.read().decode()[-2000:]) from None
                time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:  # a loaded machine: don't fail a passed test on exit
            process.kill()
            process.wait(10)
        server_log.close()


class Session:
    """A minimal HTTP client keeping one session cookie, never following redirects."""

    def __init__(self, host: str, cookie: str = "") -> None:
        self.host = host
        self.cookie = cookie

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
        """Return the CSRF token of the form on `path`."""
        _, page = self.request("GET", path)
        return CSRF_FIELD.search(page).group(1)

    def log_in(self, email: str, password: str) -> None:
        form = {"email": email, "password": password, "csrf_token": self.token("/login")}
        response, _ = self.request("POST", "/login", form)
        assert response.status == 302, f"log-in as {email} answered {response.status}"


def released_together(count: int, action: Callable[[int], object]) -> list[object]:
    """Run `action(i)` in `count` threads released by one barrier; return the results."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def racer(index: int) -> None:
        barrier.wait()
        results[index] = action(index)

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results
