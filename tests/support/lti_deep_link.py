"""Put a deep-linking launch's session in place, as the launch view does (app.lti.deep_linking).

The launch view logs the LMS teacher in and calls `deep_linking.remember(registration_id,
claims)`; until a test drives the real launch, `begin_deep_linking` makes the same call in
a request of its own and hands the client the session entry it wrote.
"""

from __future__ import annotations

import re
from typing import Any

import jwt
from flask import Flask
from flask.testing import FlaskClient
from flask_login import login_user

from app.auth.models import User

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"


def deep_linking_claims(
    deployment_id: str,
    return_url: str,
    *,
    roles: tuple[str, ...] = (ROLE + "Instructor",),
    accept_multiple: bool = True,
    data: Any = "platform-state-42",
    **settings: Any,
) -> dict[str, Any]:
    """The claims of a validated LtiDeepLinkingRequest, as the launch hands them over."""
    deep_linking = {
        "deep_link_return_url": return_url,
        "accept_types": ["ltiResourceLink"],
        "accept_presentation_document_targets": ["iframe", "window"],
        "accept_multiple": accept_multiple,
        **settings,
    }
    if data is not None:
        deep_linking["data"] = data
    return {
        LTI + "message_type": "LtiDeepLinkingRequest",
        LTI + "deployment_id": deployment_id,
        LTI + "roles": list(roles),
        DL + "deep_linking_settings": deep_linking,
    }


def begin_deep_linking(
    app: Flask, client: FlaskClient, user: User, registration_id: int, claims: dict[str, Any]
) -> None:
    """The client, logged in as `user`, arrives as from a deep-linking launch."""
    from flask import session

    from app.lti import deep_linking

    with app.test_request_context():
        login_user(user)
        deep_linking.remember(registration_id, claims)
        entry = session[deep_linking.SESSION_KEY]
    with client.session_transaction() as cookie:
        cookie[deep_linking.SESSION_KEY] = entry


def returned_jwt(page: str) -> tuple[str, str]:
    """The form the return page shows: (its action, the JWT it posts)."""
    action = re.search(
        r'<form method="post" action="([^"]+)" class="card" id="deep-link-return"', page
    )
    token = re.search(r'name="JWT" value="([^"]+)"', page)
    assert action and token, page
    return action.group(1).replace("&amp;", "&"), token.group(1)


def verify_with_jwks(client: FlaskClient, token: str, audience: str) -> dict[str, Any]:
    """Verify a JWT we signed against our /lti/jwks, as a platform does."""
    keys = client.get("/lti/jwks").get_json()["keys"]
    kid = jwt.get_unverified_header(token)["kid"]
    (jwk,) = [key for key in keys if key["kid"] == kid]
    public = jwt.PyJWK(jwk).key
    return jwt.decode(token, public, algorithms=["RS256"], audience=audience)
