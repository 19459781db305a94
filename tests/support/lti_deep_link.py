"""A deep-linking launch's traces, put in place as the launch view leaves them.

The launch (`lti.launch`) stores the verified claims under the launch id in
`lti_launch_values` (the library's save_launch_data), maps the LMS user to an
`LtiIdentity`, logs them in and sets `session["lti_deep_link_launch"]` to the launch id
(see app/lti/deep_linking.py). `begin_deep_linking` does the same for a logged-in client.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta
from typing import Any

import jwt
from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.lti.models import LtiIdentity, LtiLaunchValue, LtiRegistration
from app.timeutil import now_utc

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"


def deep_linking_claims(
    issuer: str,
    client_id: str,
    deployment_id: str,
    return_url: str,
    *,
    sub: str = "lms-teacher-1",
    roles: tuple[str, ...] = (ROLE + "Instructor",),
    accept_multiple: bool = True,
    data: Any = "platform-state-42",
    **settings: Any,
) -> dict[str, Any]:
    """The claims of a verified LtiDeepLinkingRequest, as the launch stores them."""
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
        "iss": issuer,
        "aud": client_id,
        "sub": sub,
        LTI + "message_type": "LtiDeepLinkingRequest",
        LTI + "version": "1.3.0",
        LTI + "deployment_id": deployment_id,
        LTI + "roles": list(roles),
        DL + "deep_linking_settings": deep_linking,
    }


def begin_deep_linking(client: FlaskClient, user: User, claims: dict[str, Any]) -> str:
    """The client, logged in as `user`, arrives as from this deep-linking launch; its id."""
    registration = db.session.scalar(
        select(LtiRegistration).where(LtiRegistration.issuer == claims["iss"])
    )
    assert registration is not None, "register the platform first"
    identity = db.session.scalar(
        select(LtiIdentity).where(
            LtiIdentity.issuer == claims["iss"], LtiIdentity.subject == claims["sub"]
        )
    )
    if identity is None:
        db.session.add(
            LtiIdentity(
                issuer=claims["iss"],
                subject=claims["sub"],
                registration_id=registration.id,
                user_id=user.id,
            )
        )
    launch_id = f"lti1p3-launch-{uuid.uuid4()}"
    db.session.add(
        LtiLaunchValue(
            key=launch_id,
            value=json.dumps(claims),
            expires_at=now_utc() + timedelta(hours=2),
        )
    )
    db.session.commit()
    with client.session_transaction() as cookie:
        cookie["lti_deep_link_launch"] = launch_id
    return launch_id


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
