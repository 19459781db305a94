"""Device cookies: a browser that has logged in to an account is known to it afterwards.

OWASP's "Slow Down Online Guessing Attacks with Device Cookies": a successful
log-in (or registration) gives the browser a signed cookie naming the account (its email digest)
and a random nonce. Later log-in tries for that account from that browser are
counted per device cookie (`RATELIMIT_LOGIN_PER_DEVICE`) and are exempt from
the per-account and per-address limits, which count only tries from browsers
the account has not seen. So a stranger guessing someone's password, or a
class of learners behind one school address, cannot lock the owner's own
browser out; the stranger is still limited per account and per address.

One cookie per account and browser (a shared computer keeps one per learner),
sent only to `/login` (its path), HttpOnly, SameSite=Lax, Secure with
`SESSION_COOKIE_SECURE`, and renewed with a fresh nonce on every successful
log-in; it expires `LOGIN_DEVICE_DAYS` after the last one.
"""

from __future__ import annotations

import secrets

from flask import current_app, g, request, url_for
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from app.security import email_digest, submitted_email_digest

COOKIE_PREFIX = "login_device_"
SALT = "milidip.login-device"
MAX_COOKIE_LENGTH = 512  # a real one is about 120 characters; anything longer is not ours
_UNSET = object()


def cookie_name(digest: str) -> str:
    """Name the device cookie of one account (by its email digest)."""
    return COOKIE_PREFIX + digest[:16]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def _max_age() -> int:
    return int(current_app.config["LOGIN_DEVICE_DAYS"]) * 24 * 3600


def read_device(digest: str, value: str | None) -> str | None:
    """Return the nonce of a device cookie valid for the account `digest`, else None."""
    if not value or len(value) > MAX_COOKIE_LENGTH:
        return None
    try:
        data = _serializer().loads(value, max_age=_max_age())
    except BadData:  # forged, altered, signed with another key, or too old
        return None
    if not isinstance(data, dict) or data.get("account") != digest:
        return None  # a cookie of another account, copied under this one's name
    nonce = data.get("nonce")
    return nonce if isinstance(nonce, str) and nonce else None


def current_device() -> str | None:
    """Return the nonce of this browser's device cookie for the submitted account, if valid."""
    cached = g.get("login_device", _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[return-value]
    digest = submitted_email_digest()
    nonce = read_device(digest, request.cookies.get(cookie_name(digest)))
    g.login_device = nonce
    return nonce


def is_known_device() -> bool:
    """Say whether this log-in try comes from a browser the account has logged in from."""
    return current_device() is not None


def is_unknown_device() -> bool:
    return current_device() is None


def device_key() -> str:
    """Key the per-device limit by the device cookie's nonce."""
    return f"device:{current_device()}"


def remember_device(response: Response, email: str) -> None:
    """Give the browser a fresh device cookie for this account (after a successful log-in)."""
    digest = email_digest(email)
    value = _serializer().dumps({"account": digest, "nonce": secrets.token_urlsafe(16)})
    response.set_cookie(
        cookie_name(digest),
        value,
        max_age=_max_age(),
        path=url_for("auth.login"),  # sent with log-in tries only
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )
