"""A live gunicorn on a test's database, and a tiny HTTP client with one session cookie.

Races ("only once", "at most N") must be tested against real worker processes:
threads in one process would share one connection pool and hide the race.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from werkzeug.serving import make_server

from tests.support.apps import FIXTURE_COURSE

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

LIVE_SECRET_KEY = "live-server-test-secret-key"  # every live server's, unless a test sets one
CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def free_port() -> int:
    """Return a loopback port nobody is listening on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LoopbackServer:
    """A WSGI app served from a thread on 127.0.0.1 (a free port): a stand-in LMS for tests.

    `stop` ends within one 50 ms poll, so a test with three of them pays no more.
    """

    def __init__(self, app: WSGIApplication) -> None:
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port: int = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class LiveServer:
    """One gunicorn (master and workers in a process group of their own) on a fixed port.

    `kill()` sends SIGKILL to the whole group, as a power cut or the OOM killer would;
    `start()` again serves on the same port. The log (stderr) goes to a file, never a
    pipe: a pipe nobody reads fills up and stalls the server.
    """

    def __init__(self, database_url: str, workers: int = 2, **env_extra: str) -> None:
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.workers = workers
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": LIVE_SECRET_KEY,
            "COURSE_DIR": str(FIXTURE_COURSE),
            "RATELIMIT_ENABLED": "0",
            **env_extra,
        }
        self.log = tempfile.NamedTemporaryFile(prefix="gunicorn-", suffix=".log")  # noqa: SIM115
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                *("--workers", str(self.workers), "--no-control-socket"),
                *("--bind", self.host),
                "app:create_app()",
            ],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            start_new_session=True,  # its own process group: kill() reaches every worker
        )
        # Ready when a worker answers, not when the master listens: on a loaded machine
        # the workers can take seconds to import the app after the port is open.
        deadline = time.monotonic() + 60
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(self.log_text()[-2000:])
            time.sleep(0.1)

    def _answers(self) -> bool:
        connection = http.client.HTTPConnection(self.host, timeout=5)
        try:
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200
        except (OSError, http.client.HTTPException):
            return False
        finally:
            connection.close()

    def kill(self) -> None:
        """SIGKILL the master and every worker at once; nothing gets to clean up."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        """Stop gracefully (SIGTERM); on a loaded machine, kill what is left after 30 s."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:  # don't fail a passed test on exit
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def log_text(self) -> str:
        """Return everything the server has logged so far."""
        return Path(self.log.name).read_text(errors="replace")

    def close(self) -> None:
        self.stop()
        self.log.close()


@contextmanager
def live_server(database_url: str, workers: int = 2, **env_extra: str) -> Iterator[LiveServer]:
    """Serve the app with gunicorn on `database_url`; yield the started `LiveServer`.

    Every server passes `--no-control-socket`: gunicorn's control socket lives in one
    shared place, and two servers at once must not fight over it.
    """
    server = LiveServer(database_url, workers, **env_extra)
    try:
        server.start()
        yield server
    finally:
        server.close()


@contextmanager
def live_gunicorn(database_url: str, workers: int = 2, **env_extra: str) -> Iterator[str]:
    """Serve the app with gunicorn on `database_url`; yield its `host:port`."""
    with live_server(database_url, workers, **env_extra) as server:
        yield server.host


class Session:
    """A minimal HTTP client keeping its session cookie, never following redirects.

    `cookie` is the session cookie ("session=…"), which tests pass between clients.
    With `every_cookie`, `cookies` also keeps any other cookie the server sets (an LTI
    login's state cookie, a login device cookie) and sends it back to whichever host the
    session talks to, as a browser does (cookies ignore the port); without it, as
    before, only the session cookie is kept.
    """

    def __init__(self, host: str, cookie: str = "", every_cookie: bool = False) -> None:
        self.host = host
        self.cookie = cookie
        self.every_cookie = every_cookie
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        form: dict | None = None,
        headers: dict | None = None,
        body: bytes | None = None,
    ):
        connection = http.client.HTTPConnection(self.host, timeout=30)
        headers = dict(headers or {})
        jar = [self.cookie] if self.cookie else []
        jar += [f"{name}={value}" for name, value in self.cookies.items()]
        if jar:
            headers["Cookie"] = "; ".join(jar)
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                self._keep(value)
        connection.close()
        return response, text

    def _keep(self, set_cookie: str) -> None:
        pair = set_cookie.split(";", 1)[0]
        name, _, value = pair.partition("=")
        if name == "session":
            self.cookie = pair
        elif not self.every_cookie:
            return
        elif value and "max-age=0" not in set_cookie.lower():
            self.cookies[name] = value
        else:  # a cookie the server deleted
            self.cookies.pop(name, None)

    def upload(self, path: str, fields: dict[str, str], name: str, filename: str, content: str):
        """POST a multipart form with one file, as a browser's file input sends it."""
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
            for key, value in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: text/plain\r\n\r\n{content}\r\n'
        )
        body = ("".join(parts) + f"--{boundary}--\r\n").encode()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        return self.request("POST", path, headers=headers, body=body)

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
