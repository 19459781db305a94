"""A fresh session for the user a launch names (a minimal stand-in: helper E replaces it).

`start` clears the browser's session, logs the user in, marks the session as an LTI
one (the origin allowed to frame it) and sends the browser on to `destination`.
"""

from __future__ import annotations

from flask import redirect, session
from flask_login import login_user
from werkzeug.wrappers import Response

from app.auth.models import User


def start(
    user: User, destination: str, frame_origin: str, extra: dict[str, str] | None = None
) -> Response:
    """Start a fresh session for the user and return the redirect to `destination`."""
    session.clear()  # nothing of an earlier session (or another user) carries over
    login_user(user)
    session["lti_frame_origin"] = frame_origin
    session.update(extra or {})
    return redirect(destination)
