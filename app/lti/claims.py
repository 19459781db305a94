"""What a launch's id_token says, checked for shape and size before anything uses it.

Plain functions over plain data (no Flask, no LTI library): the library checks the
signature and the protocol; these check that each claim we read is of the type and
length our tables and pages take, so odd input is a refusal and never a crash.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
# The scope that lets a tool post scores; a line item offered without it is only readable.
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
NRPS_SERVICE = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DEEP_LINKING_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
RESOURCE_LINK = "LtiResourceLinkRequest"
DEEP_LINKING = "LtiDeepLinkingRequest"
MESSAGE_TYPES = (RESOURCE_LINK, DEEP_LINKING)
LTI_VERSION = "1.3.0"
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512")

MAX_ID_TOKEN = 64 * 1024  # bytes of the id_token form field; refused before any parsing
MAX_ID = 255  # issuer, sub, client and deployment ids, kid, nonce (the LTI_ID columns)
MAX_URL = 1000  # line items, roster URLs (the URL columns)
MAX_ROLES = 50
MAX_AUDIENCES = 20
MAX_NAME_CLAIM = 1000  # longer than any name rule accepts; the rule decides the rest
MAX_EMAIL = 254
MAX_TITLE = 255


class ClaimsError(ValueError):
    """A claim is missing, of the wrong type or too long; the message says which."""


@dataclass(frozen=True)
class LaunchClaims:
    """The claims of a verified launch that our glue reads."""

    issuer: str
    subject: str
    client_id: str
    deployment_id: str
    message_type: str
    roles: tuple[str, ...]
    display_name: str | None  # name, else given + family name, else None
    email: str | None
    target: object  # the custom parameter `target`, as sent (app.lti.targets reads it)
    context_id: str | None
    context_title: str
    lineitem: str | None
    memberships_url: str | None

    @property
    def is_deep_linking(self) -> bool:
        return self.message_type == DEEP_LINKING


def _text(value: object, what: str, limit: int, required: bool = True) -> str | None:
    if value is None or value == "":
        if required:
            raise ClaimsError(f"the {what} claim is missing")
        return None
    if not isinstance(value, str):
        raise ClaimsError(f"the {what} claim is not a string")
    if len(value) > limit:
        raise ClaimsError(f"the {what} claim is longer than {limit} characters")
    if "\x00" in value:  # no identifier needs it, and PostgreSQL cannot even compare it
        raise ClaimsError(f"the {what} claim contains U+0000")
    return value


def _object(value: object, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ClaimsError(f"the {what} claim is not an object")
    return value


def _url(value: object, what: str) -> str | None:
    url = _text(value, what, MAX_URL, required=False)
    if url is not None and urlsplit(url).scheme not in ("http", "https"):
        raise ClaimsError(f"the {what} claim is not an http(s) URL")
    return url


def check_token_shape(header: object, body: object) -> None:
    """Refuse a decoded id_token whose header or routing claims the library cannot use.

    Runs on the unverified token, before the registration lookup and the key fetch.
    """
    if not isinstance(header, dict) or not isinstance(body, dict):
        raise ClaimsError("the id_token's header or body is not a JSON object")
    _text(header.get("kid"), "kid", MAX_ID)
    if header.get("alg") not in SIGNING_ALGORITHMS:
        raise ClaimsError("the id_token is not signed with RSA (RS256, RS384 or RS512)")
    _text(body.get("iss"), "iss", MAX_ID)
    _text(body.get("nonce"), "nonce", MAX_ID)
    audience = body.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if not audiences or len(audiences) > MAX_AUDIENCES:
        raise ClaimsError("the aud claim names no client or too many")
    for entry in audiences:
        _text(entry, "aud", MAX_ID)
    _text(body.get(LTI + "deployment_id"), "deployment_id", MAX_ID)
    if body.get(LTI + "message_type") not in MESSAGE_TYPES:
        raise ClaimsError("the message type is not a resource link or deep linking request")
    if body.get(LTI + "version") != LTI_VERSION:
        raise ClaimsError("the LTI version is not 1.3.0")
    roles = body.get(LTI + "roles")
    if not isinstance(roles, list) or len(roles) > MAX_ROLES:
        raise ClaimsError("the roles claim is not a list (of at most 50 roles)")
    for role in roles:
        _text(role, "roles", MAX_ID)
    _text(body.get("sub"), "sub", MAX_ID)
    if body.get(LTI + "message_type") == DEEP_LINKING:
        settings = _object(body.get(DEEP_LINKING_SETTINGS), "deep_linking_settings")
        _url(settings.get("deep_link_return_url"), "deep_link_return_url")
        if not isinstance(settings.get("accept_types", []), list):
            raise ClaimsError("the deep linking accept_types is not a list")
    else:
        _text(_object(body.get(LTI + "resource_link"), "resource_link").get("id"),
              "resource_link id", MAX_ID)  # fmt: skip


def parse_claims(body: dict[str, Any], client_id: str) -> LaunchClaims:
    """Read the claims we use from a verified id_token body (`check_token_shape` passed)."""
    context = _object(body.get(LTI + "context"), "context")
    title = context.get("title")
    ags = _object(body.get(AGS_ENDPOINT), "AGS endpoint")
    nrps = _object(body.get(NRPS_SERVICE), "names and roles service")
    custom = _object(body.get(LTI + "custom"), "custom")
    return LaunchClaims(
        issuer=body["iss"],
        subject=body["sub"],
        client_id=client_id,
        deployment_id=body[LTI + "deployment_id"],
        message_type=body[LTI + "message_type"],
        roles=tuple(body[LTI + "roles"]),
        display_name=person_name(body),
        email=person_email(body.get("email")),
        target=custom.get("target"),
        context_id=_text(context.get("id"), "context id", MAX_ID, required=False),
        context_title=title[:MAX_TITLE].replace("\x00", "") if isinstance(title, str) else "",
        lineitem=_scored_lineitem(ags),
        memberships_url=_url(nrps.get("context_memberships_url"), "context_memberships_url"),
    )


def _scored_lineitem(ags: dict[str, Any]) -> str | None:
    """The line item to send scores to, when the platform grants the score scope: without
    it every score would be refused, so no grade link is made (nothing queued to fail)."""
    lineitem = _url(ags.get("lineitem"), "lineitem")
    scopes = ags.get("scope")
    return lineitem if isinstance(scopes, list) and SCORE_SCOPE in scopes else None


def person_name(body: dict[str, Any]) -> str | None:
    """A person's name as an LMS sends it (a launch's claims or a roster member): `name`,
    else given and family names; None when there is none to use."""
    name = body.get("name")
    if isinstance(name, str) and name.strip() and len(name) <= MAX_NAME_CLAIM:
        return name
    parts = [body.get("given_name"), body.get("family_name")]
    words = [p.strip() for p in parts if isinstance(p, str) and len(p) <= MAX_NAME_CLAIM]
    joined = " ".join(word for word in words if word)
    return joined or None


def person_email(value: object) -> str | None:
    """The email claim if it looks like one (an LMS may send none, or junk: we then keep none)."""
    if not isinstance(value, str):
        return None
    email = value.strip().lower()
    local, at, domain = email.partition("@")
    if not at or not local or "." not in domain or len(email) > MAX_EMAIL:
        return None
    if any(char.isspace() or not char.isprintable() for char in email):
        return None
    return email


def origin_of(url: str) -> str:
    """The scheme://host[:port] of a URL (a frame origin, a CSP source)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def unverified_issuer(id_token: object) -> str | None:
    """The `iss` an id_token claims, read without verifying it: only to key a rate limit.

    Cheap and total: anything odd (too long, not three parts, bad base64 or JSON) is None.
    """
    if not isinstance(id_token, str) or len(id_token) > MAX_ID_TOKEN:
        return None
    parts = id_token.split(".")
    if len(parts) != 3:
        return None
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        body = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (binascii.Error, ValueError, UnicodeError, RecursionError):
        return None
    issuer = body.get("iss") if isinstance(body, dict) else None
    return issuer if isinstance(issuer, str) and len(issuer) <= MAX_ID else None
