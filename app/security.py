"""Security settings in one place: the secret key check, response headers, rate-limit keys.

`register_security(app)` runs early in the factory (before the extensions are
bound, so the limiter reads the defaults set here):

- it refuses to start outside debug and testing without a real `SECRET_KEY`;
- it fills in the rate-limit settings (caller's config, then the environment,
  then the defaults below);
- it adds the security headers to every response, static files included;
- it refuses input containing U+0000 (400), which no field needs and PostgreSQL cannot store.

Log-in and registration are limited twice (see `app.auth.views`): per account
(the submitted email, normalised and hashed) and, more generously, per client
address, so one address cannot try many accounts and many addresses cannot
hammer one account.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from typing import Any

from flask import Flask, abort, request
from flask_login import current_user
from werkzeug.wrappers import Response

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

# Rate limits (Flask-Limiter's notation; several limits are separated by ";").
# Log-in counts only failed tries, so a learner who types the password right is never held up.
RATE_LIMIT_DEFAULTS = {
    "RATELIMIT_LOGIN": "5 per minute;20 per hour",  # failed log-ins per account
    "RATELIMIT_LOGIN_PER_ADDRESS": "60 per minute;600 per hour",  # failed log-ins per address
    "RATELIMIT_REGISTER": "10 per hour",  # registration tries per email
    "RATELIMIT_REGISTER_PER_ADDRESS": "60 per hour",  # registration tries per address
    # Failed password changes (a wrong current password) per account and per address: the
    # account page must not become a way round the log-in limit to guess a password.
    "RATELIMIT_PASSWORD_CHANGE": "5 per minute;20 per hour",
    "RATELIMIT_PASSWORD_CHANGE_PER_ADDRESS": "60 per minute;600 per hour",
}

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
    """Check the secret key, set the rate-limit defaults and add the security headers."""
    require_secret_key(app)
    _set_rate_limit_defaults(app)

    @app.before_request
    def refuse_nul_characters() -> None:
        # No form field or query of this app has a use for U+0000, and PostgreSQL cannot
        # store it in text: refuse it up front rather than fail half-way through a write.
        values = request.args.listvalues()
        if request.method in ("POST", "PUT", "PATCH"):
            values = (*values, *request.form.listvalues())
        if any("\x00" in value for group in values for value in group):
            abort(400, description=NUL_REFUSED)

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if response.mimetype == "text/html" and "Cache-Control" not in response.headers:
            # Pages carry a learner's answers and CSRF tokens: keep them out of shared caches
            # and off a shared computer's back button after log-out.
            response.headers["Cache-Control"] = "no-store"
        return response


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


def _set_rate_limit_defaults(app: Flask) -> None:
    config = app.config
    config.setdefault("RATELIMIT_ENABLED", os.environ.get("RATELIMIT_ENABLED", "1") != "0")
    # Explicit memory storage (not Flask-Limiter's implicit fallback, which warns).
    config.setdefault(
        "RATELIMIT_STORAGE_URI", os.environ.get("RATELIMIT_STORAGE_URI", "").strip() or "memory://"
    )
    config.setdefault("RATELIMIT_KEY_PREFIX", "milidip")
    for key, default in RATE_LIMIT_DEFAULTS.items():
        config.setdefault(key, os.environ.get(key, "").strip() or default)


def account_key() -> str:
    """Key a limit by the submitted email, normalised, hashed (no addresses in the store)."""
    email = request.form.get("email", "").strip().lower()[:320]
    digest = hashlib.sha256(email.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"account:{digest}"


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
