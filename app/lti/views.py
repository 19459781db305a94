"""The tool's public endpoints: OIDC login initiation, the launch, our JWKS.

A platform sends the browser to `/lti/login` and then POSTs the id_token to
`/lti/launch` from its own pages, so both are CSRF-exempt (the only ones): the state
(cookie), the nonce (used once, in the database) and the platform's signature protect
them instead. Both are rate-limited: what a platform accepted counts per platform (the
issuer named: RATELIMIT_LTI_LAUNCH), what we refused counts per client address
(RATELIMIT_LTI_REFUSED) — so junk naming a real platform's issuer cannot use up that
platform's count, and a flood of it is stopped at its address. Every refusal is a 400
page with a plain message and the reason in the log, with the request id; nobody is
logged in by a refused launch.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from contextlib import suppress
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from werkzeug.wrappers import Response

from app.course.cache import structure
from app.database import unit_of_work
from app.extensions import csrf, limiter
from app.framing import allow_framing_by
from app.lti import accounts, deep_linking, keys, launches, sessions, tool_launch
from app.lti.claims import unverified_issuer
from app.lti.targets import parse_target, target_url
from app.lti.tool import find_registration
from app.security import address_key

bp = Blueprint("lti", __name__, url_prefix="/lti")
logger = logging.getLogger(__name__)

REFUSED = (
    "This launch from your learning platform could not be accepted. Go back to the "
    "platform and open the activity again; if it keeps happening, tell your instructor."
)
UNKNOWN_TARGET = "This link from your learning platform names no part of the course we know."
INSTRUCTORS_ONLY = "Only the platform's instructors can choose what to link here."


def _launch_limit() -> str:
    return current_app.config["RATELIMIT_LTI_LAUNCH"]


def _refused_limit() -> str:
    return current_app.config["RATELIMIT_LTI_REFUSED"]


def _accepted(response: Response) -> bool:
    return response.status_code < 400


def _refused_response(response: Response) -> bool:
    return not _accepted(response)


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


# One count per platform for its accepted logins and launches together; one per address
# for refused ones. Both are checked before a request is read.
lti_platform_limit = limiter.shared_limit(
    _launch_limit, scope="lti-launch", key_func=issuer_key, deduct_when=_accepted
)
lti_refused_limit = limiter.shared_limit(
    _refused_limit, scope="lti-refused", key_func=address_key, deduct_when=_refused_response
)


def lti_limit(view: Callable[..., Any]) -> Callable[..., Any]:
    return lti_refused_limit(lti_platform_limit(view))


def _refused(reason: str, message: str = REFUSED, code: int = 400) -> tuple[str, int]:
    logger.warning("LTI %s refused: %s", request.path, reason)
    return render_template("errors/error.html", code=code, message=message), code


@bp.route("/login", methods=["GET", "POST"])
@csrf.exempt
@lti_limit
def login() -> Response | tuple[str, int]:
    """OIDC login initiation: remember the nonce and state, send the browser to the platform."""
    try:
        with unit_of_work():
            return tool_launch.login_redirect(deep_linking.launch_url())
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
        registration = verified.registration
        try:
            origin = sessions.registration_frame_origin(registration)
        except ValueError:
            return _refused(f"no frame origin for registration {registration.id}")
        with unit_of_work():
            tool_launch.use_launch(verified)
            user = accounts.user_for_launch(registration, claims, verified.lms_instructor)
            if target is not None and not claims.is_deep_linking:
                launches.record_launch(registration, claims, user, target)
    except tool_launch.NeedsNewWindow as refusal:
        return _new_window_page(refusal)
    except tool_launch.LaunchRefused as refusal:
        return _refused(refusal.reason)
    destination = url_for("lti.deep_link") if claims.is_deep_linking else target_url(target)
    extra = {"lti_deep_link_launch": verified.launch_id} if claims.is_deep_linking else None
    try:
        return sessions.start(user, destination, origin, extra=extra)
    except ValueError as error:  # a registration whose frame origin the session refuses
        return _refused(f"the session could not start: {error}")


def _new_window_page(refusal: tool_launch.NeedsNewWindow) -> tuple[str, int]:
    """Offer to run the login again in a window of its own (first-party, cookies allowed).

    The page may be shown in the platform's iframe: framing is allowed for that
    platform's origin only. No script: a plain link the learner follows.
    """
    logger.warning("LTI %s refused: %s", request.path, refusal.reason)
    params = {key: str(value) for key, value in refusal.login_params.items()}
    link = url_for("lti.login") + "?" + urlencode({**params, "lti1p3_new_window": "1"})
    registration = find_registration(params.get("iss", ""), params.get("client_id"))
    if registration is not None:
        with suppress(ValueError):  # no valid origin: the page is not framed at all
            allow_framing_by(sessions.registration_frame_origin(registration))
    return render_template("lti/login_new_window.html", new_window_url=link), 400


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


@bp.route("/deep-link", methods=["GET", "POST"])
def deep_link():
    """The LMS teacher picks what to add; we answer the platform with signed links."""
    pending = deep_linking.pending_request()
    groups = deep_linking.choice_groups(structure())
    form = deep_linking.picker_form(pending, groups)
    if form.validate_on_submit():
        answer = deep_linking.answer(pending, deep_linking.chosen(form, groups))
        deep_linking.allow_posting_to(answer.return_url)
        return render_template("lti/deep_link_return.html", answer=answer)
    return render_template("lti/deep_link.html", form=form, groups=groups)
