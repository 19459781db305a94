"""The tool's public endpoints (login initiation, launch, JWKS, deep linking)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from app.lti import keys

bp = Blueprint("lti", __name__, url_prefix="/lti")


@bp.get("/jwks")
def jwks():
    """Our public keys, for platforms to verify what we sign (deep links, token requests)."""
    response = jsonify(keys.public_jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
