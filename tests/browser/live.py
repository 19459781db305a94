"""A live app on a fresh SQLite file with the real course, and a Chromium to drive it.

Shared by the browser suites (tests/browser/conftest.py) and scripts/screenshots.py,
so the screenshots show exactly what the tests check.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from app import create_app
from app.config import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
DATABASE_FILE = "browser.sqlite3"
COURSE_DIR = PROJECT_ROOT / "questions"
PASSWORD = "correct horse battery staple"
INSTRUCTOR_EMAIL = "instructor@example.com"


class _QuietHandler(WSGIRequestHandler):
    """Serve requests without an access-log line per request."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


@dataclass
class LiveServer:
    """The app, served on 127.0.0.1 from a background thread."""

    app: Flask
    url: str
    database: Path
    _server: BaseWSGIServer = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def __call__(self, path: str) -> str:
        """Return the absolute URL of a path on this server."""
        return self.url + path

    @contextmanager
    def context(self) -> Iterator[None]:
        """Open an app context (and its own database session) in the calling thread."""
        from app.extensions import db

        with self.app.app_context():
            try:
                yield
            finally:
                db.session.remove()

    def stop(self) -> None:
        from app.extensions import db

        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
        with self.app.app_context():
            db.engine.dispose()


def build_app(directory: Path) -> Flask:
    """Make a production-like app (no TESTING, no debug, CSRF on) on a SQLite file."""
    return create_app(
        {
            "TESTING": False,
            "DEBUG": False,
            "SECRET_KEY": "browser-suite-secret-key-not-for-production",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory / DATABASE_FILE}",
            "COURSE_DIR": str(COURSE_DIR),
            # Journeys register and log in many times from one address; the limiter's
            # own tests run with real limits.
            "RATELIMIT_ENABLED": False,
        }
    )


def prepare_database(app: Flask) -> None:
    """Migrate, load the real course and create the instructor, as `make run` would."""
    from flask_migrate import upgrade

    from app.auth.models import ROLE_INSTRUCTOR
    from app.auth.services import create_user
    from app.content.loading import load_course
    from app.course.files import read_course
    from app.extensions import db

    with app.app_context():
        upgrade()
        load_course(read_course(COURSE_DIR))
        create_user(INSTRUCTOR_EMAIL, PASSWORD, role=ROLE_INSTRUCTOR)
        db.session.commit()
        db.session.remove()


def start_live_server(directory: Path) -> LiveServer:
    """Create a fresh database in `directory` and serve the app on a free port."""
    app = build_app(directory)
    prepare_database(app)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    logging.getLogger(__name__).info("live server on port %s", server.server_port)
    return LiveServer(
        app=app,
        url=f"http://127.0.0.1:{server.server_port}",
        database=directory / DATABASE_FILE,
        _server=server,
        _thread=thread,
    )


def launch_chromium(playwright: Any):
    """Launch Debian's Chromium, headless (never a downloaded browser)."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )


class ConsoleErrors:
    """Collect what a page reports as broken: script errors, CSP refusals, failed loads."""

    # The browser logs the status of an error page it was sent to on purpose.
    EXPECTED = re.compile(
        r"^Failed to load resource: the server responded with a status of 40[034]"
    )

    def __init__(self) -> None:
        self.errors: list[str] = []

    def watch(self, page: Any) -> Any:
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))
        page.on("console", lambda message: self._console(page, message))
        return page

    def _console(self, page: Any, message: Any) -> None:
        if message.type == "error" and not self.EXPECTED.match(message.text):
            self.errors.append(f"{page.url}: {message.text}")

    def check(self) -> None:
        assert not self.errors, "errors in the browser console:\n" + "\n".join(self.errors)
