"""Framing by an LMS: which origin may frame a response, and the cookie an LTI session needs.

An LMS opens a tool in an iframe. A session started by an LTI launch
(`app.lti.sessions.start`) carries `FRAME_ORIGIN_KEY`, the platform's origin: its
responses may be framed by that origin only (`app.security` writes the headers), and
its session cookie is `SameSite=None; Secure; Partitioned` so the browser sends it
inside the LMS's frame. Every other session, and every request without one, keeps
`frame-ancestors 'none'`, `X-Frame-Options: DENY` and the configured (Lax) cookie.

`Partitioned` (CHIPS) keys the cookie to the LMS's site, as pylti1p3's own cookie
service does: browsers that block ordinary third-party cookies (Chrome with them
turned off, incognito) still keep a partitioned one, and the session is never sent
when another site frames or posts to us. Browsers without CHIPS ignore the attribute.
Measured in the browser suite's Chromium: in a cross-site frame it drops the cookie
without `Partitioned` (the learner gets the new-window page) and keeps it with it.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from urllib.parse import urlsplit

from flask import Flask, g, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin

FRAME_ORIGIN_KEY = "lti_frame_origin"
MAX_ORIGIN = 255
# scheme://host[:port], nothing else: no user info, path, query, space, quote or semicolon
# can reach a header. A host is DNS labels or a bracketed IPv6 address.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_ORIGIN = re.compile(
    rf"(https?)://({_LABEL}(?:\.{_LABEL})*|\[[0-9a-f:.]+\])(?::([0-9]{{1,5}}))?",
    re.ASCII | re.IGNORECASE,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_FRAMED_BY = "_lti_framed_by"

_saving_framed: ContextVar[bool] = ContextVar("saving_framed", default=False)


def parse_origin(value: object) -> str | None:
    """Return `value` as a web origin (lower case, default port dropped), or None."""
    if not isinstance(value, str) or len(value) > MAX_ORIGIN:
        return None
    match = _ORIGIN.fullmatch(value)
    if match is None:
        return None
    scheme, host, port = match.group(1).lower(), match.group(2).lower(), match.group(3)
    if port is not None:
        number = int(port)
        if not 0 < number < 65536:
            return None
        if number != _DEFAULT_PORTS[scheme]:
            host = f"{host}:{number}"
    return f"{scheme}://{host}"


def origin_of(url: object) -> str | None:
    """Return the origin of an absolute http(s) URL (an issuer may have a path), or None."""
    if not isinstance(url, str) or len(url) > 1000:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.username is not None or parts.password is not None:
        return None
    return parse_origin(f"{parts.scheme}://{parts.netloc}")


def allow_framing_by(origin: str) -> None:
    """Let this one response be framed by `origin` (a page shown in the LMS's frame before
    our session cookie could be read there)."""
    g.setdefault(_FRAMED_BY, parse_origin(origin))


def frame_origin() -> str | None:
    """Return the origin that may frame this response, or None (nobody may).

    Reads the signed session cookie only, never the database. The stored value is
    checked again here, so whatever a session holds, only a valid origin reaches a header.
    """
    granted = g.get(_FRAMED_BY)
    if granted:
        return granted
    # `in` does not mark the session accessed: sessions without the marker stay as they were.
    if FRAME_ORIGIN_KEY in session:
        return parse_origin(session.get(FRAME_ORIGIN_KEY))
    return None


class FramedSession(SecureCookieSession):
    """A cookie session that remembers whether it came in as an LTI (framed) session."""

    opened_framed = False


class LtiSessionInterface(SecureCookieSessionInterface):
    """The signed cookie session, sent inside an LMS's frame when the session is an LTI one.

    `save_session` asks `get_cookie_samesite`/`get_cookie_secure`/`get_cookie_partitioned`
    with the app only; the session being saved is passed to them through a context
    variable. When a session that came in as an LTI one stops being one (a log-out), its
    partitioned cookie is deleted and what is left is saved as an ordinary cookie: a
    browser keeps partitioned and unpartitioned cookies apart, so keeping the LTI cookie
    would leave two under one name, and the stale one could be read (a log-in form's
    token then fails as "expired").
    """

    session_class = FramedSession

    def open_session(self, app: Flask, request) -> FramedSession | None:  # type: ignore[override]
        opened = super().open_session(app, request)
        if opened is not None and FRAME_ORIGIN_KEY in opened:
            opened.opened_framed = True  # type: ignore[union-attr]
        return opened  # type: ignore[return-value]

    def save_session(self, app: Flask, session: SessionMixin, response) -> None:
        framed = FRAME_ORIGIN_KEY in session
        if getattr(session, "opened_framed", False) and not framed:
            self._delete_framed_cookie(app, response)
        token = _saving_framed.set(framed)
        try:
            super().save_session(app, session, response)
        finally:
            _saving_framed.reset(token)

    def _delete_framed_cookie(self, app: Flask, response) -> None:
        token = _saving_framed.set(True)
        try:
            response.delete_cookie(
                self.get_cookie_name(app),
                domain=self.get_cookie_domain(app),
                path=self.get_cookie_path(app),
                secure=self.get_cookie_secure(app),
                samesite=self.get_cookie_samesite(app),
                httponly=self.get_cookie_httponly(app),
                partitioned=self.get_cookie_partitioned(app),
            )
        finally:
            _saving_framed.reset(token)

    def get_cookie_samesite(self, app: Flask) -> str | None:
        return "None" if _saving_framed.get() else super().get_cookie_samesite(app)

    def get_cookie_secure(self, app: Flask) -> bool:
        # Browsers refuse SameSite=None without Secure; they accept Secure cookies over
        # HTTPS and on http://localhost and http://127.0.0.1 only.
        return True if _saving_framed.get() else super().get_cookie_secure(app)

    def get_cookie_partitioned(self, app: Flask) -> bool:
        return True if _saving_framed.get() else super().get_cookie_partitioned(app)
