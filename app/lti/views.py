"""The tool's public endpoints (login initiation, launch, JWKS, deep linking)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from app.lti import keys, sessions

bp = Blueprint("lti", __name__, url_prefix="/lti")


@bp.get("/jwks")
def jwks():
    """Our public keys, for platforms to verify what we sign (deep links, token requests)."""
    response = jsonify(keys.public_jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/continue/<handoff_token>")
def continue_launch(handoff_token: str):
    """After a launch: on to the page, or a new window when the frame lost our cookie."""
    return sessions.continue_launch(handoff_token, new_window=request.args.get("window") == "new")
