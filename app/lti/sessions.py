"""The session an LTI launch starts, and the hand-off that survives a blocked cookie.

After a valid launch, `start(...)` starts a fresh session for the user (nothing of the
old one survives), marks it as framed by the platform's origin (`app.framing`: its
pages may be framed by that origin, its cookie is `SameSite=None; Secure; Partitioned`)
and sends the browser to `GET /lti/continue/<token>` rather than straight to the page.

The token is a one-time capability for two minutes, stored as its SHA-256 in the shared
`lti_launch_values` table (so any server can answer) and claimed once by a conditional
DELETE. At the continue page:

- the session cookie came back with the same hand-off marker (the browser kept it in
  the LMS's frame): claim the token, go on to the page;
- it did not (Safari, Chrome with third-party cookies off): a page inside the frame
  offers a plain link that opens `/lti/continue/<token>?window=new` in a new window;
  there, first-party, the token is claimed and the session started (without the frame
  marker: that window is not framed, so its cookie stays the ordinary Lax one);
- expired, used or unknown: a 400 page asking to launch again from the LMS.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from flask import abort, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user
from sqlalchemy import delete, select
from werkzeug.wrappers import Response

from app.auth.models import User
from app.database import in_unit_of_work, unit_of_work
from app.extensions import db
from app.framing import FRAME_ORIGIN_KEY, allow_framing_by, origin_of, parse_origin
from app.lti.models import LtiLaunchValue, LtiRegistration
from app.timeutil import now_utc

HANDOFF_KEY = "lti_handoff"  # the session's marker: the digest of its pending hand-off token
HANDOFF_PREFIX = "handoff:"
HANDOFF_LIFETIME = timedelta(minutes=2)
MAX_TOKEN = 64
# `extra` lands in the session cookie (4 KB in all): a few short values only.
MAX_EXTRA_KEYS = 10
MAX_EXTRA_LENGTH = 255
# Session keys of Flask-Login, Flask-WTF and ours that `extra` may not overwrite.
RESERVED_KEYS = frozenset(
    {"_user_id", "_fresh", "_id", "_remember", "csrf_token", FRAME_ORIGIN_KEY, HANDOFF_KEY}
)
EXPIRED = (
    "This link from your course has expired or was already used. "
    "Please open the activity again from your course in the LMS."
)
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Handoff:
    """What a launch hands on to the continue page."""

    user_id: int
    destination: str
    frame_origin: str
    extra: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(
            {
                "user_id": self.user_id,
                "destination": self.destination,
                "frame_origin": self.frame_origin,
                "extra": self.extra,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Handoff:
        data = json.loads(text)
        return cls(int(data["user_id"]), data["destination"], data["frame_origin"], data["extra"])


def start(
    user: User, destination: str, frame_origin: str, extra: dict[str, str] | None = None
) -> Response:
    """Start a fresh LTI session for `user` and return the response that goes on to
    `destination` (a path on our site) through the one-time hand-off.

    `frame_origin` is the origin (scheme://host[:port]) that may frame our pages;
    `extra` adds string values to the session under keys of the caller's choosing.
    Raises ValueError on a destination off our site, an invalid origin or bad `extra`.
    Commits the hand-off itself, or inside the caller's unit of work when one is open.
    """
    handoff = Handoff(user.id, local_path(destination), _origin(frame_origin), checked(extra))
    token = secrets.token_urlsafe(32)
    if in_unit_of_work():
        store_handoff(token, handoff)
    else:
        with unit_of_work(expire=False):
            store_handoff(token, handoff)
    begin_session(user, handoff, framed=True)
    session[HANDOFF_KEY] = token_digest(token)
    _warn_if_cookie_cannot_be_secure()
    return redirect(url_for("lti.continue_launch", handoff_token=token))


def registration_frame_origin(registration: LtiRegistration) -> str:
    """The origin that may frame us after a launch from this platform: the registration's
    frame origin, else its issuer's origin. Raises ValueError when neither is one."""
    origin = origin_of(registration.frame_origin or registration.issuer)
    if origin is None:
        raise ValueError(f"no frame origin for {registration!r}")
    return origin


def continue_launch(token: str, new_window: bool) -> Response | str:
    """Answer `GET /lti/continue/<token>`: go on, offer a new window, or refuse (400)."""
    if not token or len(token) > MAX_TOKEN:
        abort(400, description=EXPIRED)
    digest = token_digest(token)
    marker = session.get(HANDOFF_KEY)
    if not new_window and isinstance(marker, str) and hmac.compare_digest(marker, digest):
        with unit_of_work(expire=False):
            handoff = claim_handoff(token)
        if handoff is None or getattr(current_user, "id", None) != handoff.user_id:
            abort(400, description=EXPIRED)
        session.pop(HANDOFF_KEY, None)
        return redirect(handoff.destination)
    if not new_window:
        pending = waiting_handoff(token)
        if pending is None:
            _frame_the_refusal(token)
            abort(400, description=EXPIRED)
        # Shown inside the LMS's frame, where our cookie could not be read: let that
        # origin frame this one page.
        allow_framing_by(pending.frame_origin)
        return render_template(
            "lti/new_window.html",
            new_window_url=url_for("lti.continue_launch", handoff_token=token, window="new"),
        )
    with unit_of_work(expire=False):
        handoff = claim_handoff(token)
        user = db.session.get(User, handoff.user_id) if handoff is not None else None
    if handoff is None or user is None:
        abort(400, description=EXPIRED)
    begin_session(user, handoff, framed=False)
    return redirect(handoff.destination)


def begin_session(user: User, handoff: Handoff, framed: bool) -> None:
    """Replace whatever the session held with the user's LTI session."""
    session.clear()  # no fixation: nothing of the session before the launch survives
    login_user(user)
    if framed:
        session[FRAME_ORIGIN_KEY] = handoff.frame_origin
    for key, value in handoff.extra.items():
        session[key] = value


def token_digest(token: str) -> str:
    """Return the stored form of a hand-off token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def store_handoff(token: str, handoff: Handoff) -> None:
    """Store a hand-off for two minutes (and drop expired ones); flushes."""
    now = now_utc()
    db.session.execute(
        delete(LtiLaunchValue)
        .where(LtiLaunchValue.key.startswith(HANDOFF_PREFIX), LtiLaunchValue.expires_at <= now)
        .execution_options(synchronize_session=False)
    )
    db.session.add(
        LtiLaunchValue(
            key=HANDOFF_PREFIX + token_digest(token),
            value=handoff.to_json(),
            expires_at=now + HANDOFF_LIFETIME,
        )
    )
    db.session.flush()


def waiting_handoff(token: str) -> Handoff | None:
    """Return the unexpired, unclaimed hand-off of this token (without claiming it)."""
    value = db.session.scalar(
        select(LtiLaunchValue.value).where(
            LtiLaunchValue.key == HANDOFF_PREFIX + token_digest(token),
            LtiLaunchValue.expires_at > now_utc(),
        )
    )
    return Handoff.from_json(value) if value is not None else None


def claim_handoff(token: str) -> Handoff | None:
    """Claim a hand-off once: the conditional DELETE that removes it is the claim.

    Of two requests racing for one token, the one whose DELETE removes no row gets None.
    Call inside a unit of work.
    """
    handoff = waiting_handoff(token)
    if handoff is None:
        return None
    claimed = db.session.execute(
        delete(LtiLaunchValue)
        .where(
            LtiLaunchValue.key == HANDOFF_PREFIX + token_digest(token),
            LtiLaunchValue.expires_at > now_utc(),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    return handoff if claimed == 1 else None


def local_path(target: str) -> str:
    """Return `target` if it is a path on this site; raise ValueError otherwise."""
    parts = urlsplit(target) if isinstance(target, str) else None
    if (
        parts is None
        or parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(c) < 32 for c in target)
        or len(target) > 1000
    ):
        raise ValueError(f"not a path on this site: {target!r}")
    return target


def checked(extra: dict[str, str] | None) -> dict[str, str]:
    """Return `extra` if it fits in a session cookie and overwrites no reserved key."""
    extra = dict(extra or {})
    if len(extra) > MAX_EXTRA_KEYS:
        raise ValueError(f"at most {MAX_EXTRA_KEYS} extra session values")
    for key, value in extra.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise ValueError("extra session keys and values must be strings")
        if key in RESERVED_KEYS or key.startswith("_") or not key:
            raise ValueError(f"the session key {key!r} is reserved")
        if len(key) > MAX_EXTRA_LENGTH or len(value) > MAX_EXTRA_LENGTH:
            raise ValueError(f"the extra session value {key!r} is too long")
    return extra


def _frame_the_refusal(token: str) -> None:
    """Let the LMS frame the 400 page of an expired token whose row is still there, so the
    learner reads it in the frame (a used token's row is gone: that page stays unframed)."""
    value = db.session.scalar(
        select(LtiLaunchValue.value).where(
            LtiLaunchValue.key == HANDOFF_PREFIX + token_digest(token)
        )
    )
    if value is not None:
        allow_framing_by(Handoff.from_json(value).frame_origin)


def _origin(frame_origin: str) -> str:
    origin = parse_origin(frame_origin)
    if origin is None:
        raise ValueError(f"not an origin (scheme://host[:port]): {frame_origin!r}")
    return origin


def _warn_if_cookie_cannot_be_secure() -> None:
    """Log when the LTI session's Secure cookie will be dropped: plain HTTP off loopback."""
    if request.is_secure or request.host.rsplit(":", 1)[0] in LOOPBACK_HOSTS:
        return
    log.warning(
        "An LTI launch arrived over plain HTTP at %s: browsers drop the session's Secure "
        "cookie. Serve the app over HTTPS; behind a proxy, set TRUSTED_PROXIES so it "
        "knows the request was HTTPS.",
        request.host,
    )
