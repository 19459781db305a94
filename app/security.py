"""Security settings in one place: the secret key check, response headers, rate-limit keys.

`download(...)` is the one way to answer with a file to save (never cached).

`register_security(app)` runs early in the factory (before the extensions are bound):

- it refuses to start outside debug and testing without a real `SECRET_KEY`;
- it warns when rate-limit counts would be kept per process while several run;
- it adds the security headers to every response, static files included (a response to
  an LTI session may be framed by its LMS's origin only: `app.framing`);
- it installs the session cookie interface that sends an LTI session inside the LMS's frame;
- it refuses input containing U+0000 (400; in the path, 404), which no field needs and PostgreSQL
  cannot store.

The rate-limit settings themselves are in `app.config` (`RATE_LIMIT_DEFAULTS`).
Log-in and registration are limited per account (the submitted email,
normalised and hashed) and, more generously, per client address, so one
address cannot try many accounts and many addresses cannot hammer one account.
A browser that has logged in to the account before is counted by its device
cookie instead (`app.auth.devices`, `app.auth.views`).
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import shlex
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask import Flask, abort, current_app, g, request
from flask_login import current_user
from werkzeug.wrappers import Response

from app.framing import LtiSessionInterface, frame_origin

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
UNFRAMED = "frame-ancestors 'none'"
# Features the app never uses; an injected frame or script cannot ask for them either.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000"

NUL_REFUSED = "Your input contained a character that cannot be stored (U+0000). Nothing was saved."

MIN_SECRET_KEY_LENGTH = 16
PLACEHOLDER_SECRET_KEYS = frozenset(
    {
        "dev",
        "development",
        "changeme",
        "change-me",
        "change_me",
        "changethis",
        "secret",
        "secret-key",
        "secret_key",
        "secretkey",
        "mysecretkey",
        "my-secret-key",
        "your-secret-key",
        "your-secret-key-here",
        "please-change-me",
        "replace-me",
        "default",
        "password",
        "test",
        "testing",
        "insecure",
        "insecure-key-for-tests-and-debugging-only",
        "test-secret-key-not-for-production",
    }
)
_DEBUG_SECRET_KEY = "insecure-key-for-tests-and-debugging-only"


class InsecureSecretKey(RuntimeError):
    """The app would sign sessions with a missing or guessable key."""


def register_security(app: Flask) -> None:
    """Check the secret key, warn about per-process rate limits, add the security headers."""
    require_secret_key(app)
    warn_if_counts_are_per_worker(app)
    app.session_interface = LtiSessionInterface()

    @app.before_request
    def refuse_nul_characters() -> None:
        # No path, form field or query of this app has a use for U+0000, and PostgreSQL
        # cannot store or even compare it in text: refuse it up front rather than fail
        # half-way through a query or a write. A path with it names no page (404).
        if "\x00" in request.path:
            abort(404)
        values = (request.args.keys(), *request.args.listvalues())
        if request.method in ("POST", "PUT", "PATCH"):
            values = (*values, *request.form.listvalues())
        if any("\x00" in value for group in values for value in group):
            abort(400, description=NUL_REFUSED)

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in framing_headers(frame_origin()).items():
            response.headers.setdefault(name, value)
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if response.mimetype == "text/html" and "Cache-Control" not in response.headers:
            # Pages carry a learner's answers and CSRF tokens: keep them out of shared caches
            # and off a shared computer's back button after log-out.
            response.headers["Cache-Control"] = "no-store"
        _add_form_target(response)
        return response


def framing_headers(origin: str | None) -> dict[str, str]:
    """Return the security headers for a response that `origin` may frame (None: nobody).

    `origin` has passed `app.framing.parse_origin`: scheme://host[:port] and nothing else.
    """
    if origin is None:
        return SECURITY_HEADERS
    headers = {name: value for name, value in SECURITY_HEADERS.items() if name != "X-Frame-Options"}
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        UNFRAMED, f"frame-ancestors {origin}"
    )
    return headers


FORM_ACTION = "form-action 'self'"


def allow_form_target(origin: str) -> None:
    """Let this response's forms post to `origin` as well as to us (CSP form-action).

    For a page that hands the user back to another site with a form, such as the LTI
    deep-linking answer. `origin` must be scheme://host[:port] and nothing else.
    """
    g.form_target = origin


def _add_form_target(response: Response) -> None:
    origin = g.get("form_target")
    policy = response.headers.get("Content-Security-Policy")
    if origin and policy and FORM_ACTION in policy:
        response.headers["Content-Security-Policy"] = policy.replace(
            FORM_ACTION, f"{FORM_ACTION} {origin}"
        )


def download(
    body: str | bytes | Iterable[bytes], filename: str, mimetype: str = "text/plain"
) -> Response:
    """Return a file to save (GIFT, CSV …): an attachment that no cache keeps.

    Exports hold question keys and learners' results; `no-store` keeps them out of
    shared caches and a shared computer's browser cache, as pages are kept. `body` may be
    an iterable of bytes, streamed as it is produced (a large CSV).
    """
    safe_name = "".join(c for c in filename if c.isalnum() or c in "._-") or "download"
    return current_app.response_class(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{safe_name}"',
            "Cache-Control": "no-store",
        },
    )


def secret_key_problem(key: Any) -> str | None:
    """Say what is wrong with a secret key, or return None if it will do."""
    if not key:
        return "SECRET_KEY is not set."
    text = key.decode("utf-8", "replace") if isinstance(key, bytes) else str(key)
    if text.strip().lower() in PLACEHOLDER_SECRET_KEYS:
        return f"SECRET_KEY is a well-known placeholder ({text.strip()!r})."
    if len(text.strip()) < MIN_SECRET_KEY_LENGTH:
        return f"SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters."
    return None


def require_secret_key(app: Flask) -> None:
    """Refuse to start outside debug and testing without a real secret key."""
    problem = secret_key_problem(app.config.get("SECRET_KEY"))
    if problem is None:
        return
    if app.config.get("TESTING") or app.debug:
        if not app.config.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = _DEBUG_SECRET_KEY
        return
    raise InsecureSecretKey(
        f"{problem} Sessions signed with it could be forged, so the app will not start. "
        "Set the SECRET_KEY environment variable to a long random value (for example the "
        'output of `python -c "import secrets; print(secrets.token_urlsafe(48))"`), or run '
        "`python -m app.secretkey` once to create a random key in the instance folder."
    )


PER_WORKER_WARNING = (
    "RATELIMIT_STORAGE_URI=%s keeps rate-limit counts in each process, and %d gunicorn "
    "workers run: every limit is multiplied by the number of workers. Leave "
    "RATELIMIT_STORAGE_URI unset (counts in the database) or use redis://."
)


def warn_if_counts_are_per_worker(app: Flask) -> None:
    """Log a warning at start-up when `memory://` counts would be split over several workers."""
    config = app.config
    if not config.get("RATELIMIT_ENABLED") or not str(
        config.get("RATELIMIT_STORAGE_URI", "")
    ).startswith("memory://"):
        return
    workers = gunicorn_workers(sys.argv, os.environ)
    if workers > 1:
        logging.getLogger("app.security").warning(
            PER_WORKER_WARNING, config["RATELIMIT_STORAGE_URI"], workers
        )


def gunicorn_workers(argv: Sequence[str], environ: Mapping[str, str]) -> int:
    """Return how many gunicorn workers serve this app (1 when it is not gunicorn's).

    What gunicorn itself reads: `--workers`/`-w` on its command line (a worker's
    `sys.argv` is its master's), else `GUNICORN_CMD_ARGS`, else `WEB_CONCURRENCY`.
    A `workers` line in a gunicorn config file is not seen.
    """
    if "gunicorn" not in os.path.basename(argv[0] if argv else "") and not environ.get(
        "SERVER_SOFTWARE", ""
    ).startswith("gunicorn"):
        return 1
    for args in (list(argv[1:]), shlex.split(environ.get("GUNICORN_CMD_ARGS", ""))):
        found = _workers_option(args)
        if found is not None:
            return found
    return _int_or(environ.get("WEB_CONCURRENCY", ""), 1)


def _workers_option(args: list[str]) -> int | None:
    for index, arg in enumerate(args):
        if arg in ("-w", "--workers") and index + 1 < len(args):
            return _int_or(args[index + 1], 1)
        for prefix in ("--workers=", "-w"):
            if arg.startswith(prefix) and len(arg) > len(prefix):
                return _int_or(arg[len(prefix) :].lstrip("="), 1)
    return None


def _int_or(text: str, default: int) -> int:
    try:
        return int(text)
    except ValueError:
        return default


def email_digest(email: str) -> str:
    """Name an account by its email, normalised and hashed (no addresses in the store)."""
    email = email.strip().lower()[:320]
    return hashlib.sha256(email.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def submitted_email_digest() -> str:
    """Return `email_digest` of the email this request's form submits."""
    return email_digest(request.form.get("email", ""))


def account_key() -> str:
    """Key a limit by the submitted email (its digest)."""
    return f"account:{submitted_email_digest()}"


def user_key() -> str:
    """Key a limit by the logged-in account's id (its session token rotates; the id stays)."""
    user_id = getattr(current_user, "id", None)
    return f"user:{user_id}" if user_id is not None else address_key()


def address_key() -> str:
    """Key a limit by the client address (the proxy's address unless the app is told better)."""
    return f"address:{request.remote_addr or 'unknown'}"


def form_came_back(response: Response) -> bool:
    """Count a log-in try as failed when the form is shown again (a success redirects)."""
    return response.status_code == 200


def reset_failed(response: Response) -> bool:
    """Count a reset try as failed when its form comes back or its link is refused (404)."""
    return response.status_code in (200, 404)


def token_key() -> str:
    """Key a limit by the URL's reset token (its digest: the token never reaches the store)."""
    token = str((request.view_args or {}).get("reset_token", ""))
    return "reset:" + hashlib.sha256(token.encode("utf-8")).hexdigest()[:32]


def retry_after_seconds(reset_at: float, now: float | None = None) -> int:
    """Return whole seconds until a limit window resets (at least 1)."""
    return max(1, math.ceil(reset_at - (time.time() if now is None else now)))


def describe_wait(seconds: int) -> str:
    """Say a wait in words a learner reads at a glance: "42 seconds", "3 minutes"."""
    if seconds < 90:
        return f"{seconds} second{'' if seconds == 1 else 's'}"
    minutes = math.ceil(seconds / 60)
    if minutes < 90:
        return f"{minutes} minutes"
    hours = math.ceil(minutes / 60)
    return f"{hours} hours"
