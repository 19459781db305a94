"""The tool's public endpoints: OIDC login initiation, the launch, our JWKS.

A platform sends the browser to `/lti/login` and then POSTs the id_token to
`/lti/launch` from its own pages, so both are CSRF-exempt (the only ones): the state
(cookie), the nonce (used once, in the database) and the platform's signature protect
them instead. Both are rate-limited per platform (the issuer the request names:
RATELIMIT_LTI_LAUNCH). Every refusal is a 400 page with a plain message and the reason
in the log, with the request id; nobody is logged in by a refused launch.
"""

from __future__ import annotations

import hashlib
import logging
from urllib.parse import urlencode

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from app.database import unit_of_work
from app.extensions import csrf, limiter
from app.lti import accounts, keys, launches, sessions, tool_launch
from app.lti.claims import unverified_issuer
from app.lti.targets import parse_target, target_url
from app.lti.tool import find_registration
from app.security import CONTENT_SECURITY_POLICY

bp = Blueprint("lti", __name__, url_prefix="/lti")
logger = logging.getLogger(__name__)

REFUSED = (
    "This launch from your learning platform could not be accepted. Go back to the "
    "platform and open the activity again; if it keeps happening, tell your instructor."
)
UNKNOWN_TARGET = "This link from your learning platform names no part of the course we know."
INSTRUCTORS_ONLY = "Only the platform's instructors can choose what to link here."
DEEP_LINK_PATH = "/lti/deep-link"  # helper D's picker (`lti.deep_link`) until it is here


def _launch_limit() -> str:
    return current_app.config["RATELIMIT_LTI_LAUNCH"]


def issuer_key() -> str:
    """Key the LTI limit by the platform a request names (unverified: only for counting)."""
    if request.endpoint == "lti.launch":
        issuer = unverified_issuer(request.form.get("id_token"))
    else:
        issuer = request.values.get("iss")
    if not issuer or len(issuer) > 255:
        return "lti-issuer:unknown"
    digest = hashlib.sha256(issuer.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"lti-issuer:{digest}"


# One count per platform for its logins and launches together.
lti_limit = limiter.shared_limit(_launch_limit, scope="lti-launch", key_func=issuer_key)


def _refused(reason: str, message: str = REFUSED, code: int = 400) -> tuple[str, int]:
    logger.warning("LTI %s refused: %s", request.path, reason)
    return render_template("errors/error.html", code=code, message=message), code


def _launch_url() -> str:
    base = current_app.config.get("PUBLIC_BASE_URL")
    path = url_for("lti.launch")
    return base + path if base else url_for("lti.launch", _external=True)


@bp.route("/login", methods=["GET", "POST"])
@csrf.exempt
@lti_limit
def login() -> Response | tuple[str, int]:
    """OIDC login initiation: remember the nonce and state, send the browser to the platform."""
    try:
        with unit_of_work():
            return tool_launch.login_redirect(_launch_url())
    except tool_launch.LaunchRefused as refusal:
        return _refused(refusal.reason)


@bp.post("/launch")
@csrf.exempt
@lti_limit
def launch() -> Response | tuple[str, int]:
    """The platform's id_token: verify it, spend its nonce, log the user in, send them on."""
    try:
        verified = tool_launch.verify_launch()  # may fetch the platform's keys: no lock held
        claims = verified.claims
        target = parse_target(claims.target)
        if not claims.is_deep_linking and target is None:
            return _refused(f"unknown target {str(claims.target)[:80]!r}", UNKNOWN_TARGET)
        if claims.is_deep_linking and not verified.lms_instructor:
            return _refused("deep linking by a non-instructor", INSTRUCTORS_ONLY, 403)
        with unit_of_work():
            tool_launch.use_launch(verified)
            registration = verified.registration
            user = accounts.user_for_launch(registration, claims, verified.lms_instructor)
            if target is not None and not claims.is_deep_linking:
                launches.record_launch(registration, claims, user, target)
            origin = launches.frame_origin(registration)
    except tool_launch.NeedsNewWindow as refusal:
        return _new_window_page(refusal)
    except tool_launch.LaunchRefused as refusal:
        return _refused(refusal.reason)
    destination = _deep_link_url() if claims.is_deep_linking else target_url(target)
    extra = {"lti_deep_link_launch": verified.launch_id} if claims.is_deep_linking else None
    try:
        return sessions.start(user, destination, origin, extra=extra)
    except ValueError as error:  # a registration whose frame origin the session refuses
        return _refused(f"the session could not start: {error}")


def _deep_link_url() -> str:
    try:
        return url_for("lti.deep_link")
    except BuildError:
        return DEEP_LINK_PATH


def _new_window_page(refusal: tool_launch.NeedsNewWindow) -> tuple[str, int, dict[str, str]]:
    """Offer to run the login again in a window of its own (first-party, cookies allowed).

    The page may be shown in the platform's iframe: framing is allowed for that
    platform's origin only. No script: a plain link the learner follows.
    """
    logger.warning("LTI %s refused: %s", request.path, refusal.reason)
    params = {key: str(value) for key, value in refusal.login_params.items()}
    link = url_for("lti.login") + "?" + urlencode({**params, "lti1p3_new_window": "1"})
    headers = {}
    registration = find_registration(params.get("iss", ""), params.get("client_id"))
    if registration is not None:
        origin = launches.frame_origin(registration)
        headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "frame-ancestors 'none'", f"frame-ancestors {origin}"
        )
    return render_template("lti/new_window.html", link=link), 400, headers


@bp.get("/jwks")
def jwks():
    """Our public keys, for platforms to verify what we sign (deep links, token requests)."""
    response = jsonify(keys.public_jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
