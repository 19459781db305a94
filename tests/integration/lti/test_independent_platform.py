"""lti1p3platform, an LTI platform we did not write, takes what our tool sends.

Our own test platform (tests/support/lti_platform.py) reads the spec as we do; here the
package's classes make the deep-linking request and judge our signed response.
"""

from __future__ import annotations

import jwt
import pytest
import requests

from tests.support import csrf_token, log_in, make_user
from tests.support.independent_platform import INSTRUCTOR, IndependentPlatform, PlannedLaunch
from tests.support.lti_deep_link import DL, LTI, begin_deep_linking, returned_jwt, verify_with_jwks

PICKER = "/lti/deep-link"
OPAQUE = {"context": "course-101", "placement": "week-3"}


@pytest.fixture
def independent(app, client):
    platform = IndependentPlatform(tool=client).start()
    try:
        yield platform
    finally:
        platform.stop()


@pytest.fixture
def teacher(app, client, course):
    user = make_user("lms-teacher@example.com")
    log_in(client, "lms-teacher@example.com")
    return user


def deep_linking_request(app, client, teacher, platform):
    """The teacher arrives with the claims lti1p3platform signs for a deep-linking launch."""
    platform.register()
    plan = PlannedLaunch("teacher-1", [INSTRUCTOR], name="Tess Teacher", deep_link_data=OPAQUE)
    claims = platform.id_token_claims(plan)
    assert claims[LTI + "message_type"] == "LtiDeepLinkingRequest"
    begin_deep_linking(client, teacher, claims)
    return claims


def test_lti1p3platform_accepts_our_deep_linking_response(app, client, teacher, independent):
    claims = deep_linking_request(app, client, teacher, independent)
    settings = claims[DL + "deep_linking_settings"]
    assert settings["auto_create"] is True  # its settings carry more than we read

    page = client.post(
        PICKER,
        data={"targets": ["course", "quiz:first-lesson"], "csrf_token": csrf_token(client, PICKER)},
    )
    action, token = returned_jwt(page.get_data(as_text=True))
    assert action == settings["deep_link_return_url"]

    # The browser posts our form to the platform; the platform checks it with our JWKS.
    response = requests.post(action, data={"JWT": token}, timeout=10)

    assert response.status_code == 200, response.text
    (items,) = independent.deep_link_returns
    assert [item["custom"]["target"] for item in items] == ["course", "quiz:first-lesson"]
    assert all(item["type"] == "ltiResourceLink" for item in items)
    assert all(item["url"] == "http://localhost/lti/launch" for item in items)
    (column,) = independent.line_items.values()  # a gradebook column for the quiz only
    assert column["scoreMaximum"] == 100 and column["resourceId"] == "quiz:first-lesson"
    # What the package does not check, we do: its opaque data comes back as it was sent.
    ours = verify_with_jwks(client, token, independent.issuer)
    assert ours[DL + "data"] == OPAQUE
    assert ours[LTI + "deployment_id"] == independent.deployment_id


def test_lti1p3platform_refuses_a_response_we_did_not_sign(app, client, teacher, independent):
    deep_linking_request(app, client, teacher, independent)
    page = client.post(
        PICKER, data={"targets": ["course"], "csrf_token": csrf_token(client, PICKER)}
    )
    action, token = returned_jwt(page.get_data(as_text=True))
    # The same claims, signed by a key that is not in our JWKS but claiming our kid.
    from tests.support.lti_platform import PlatformKey

    claims = verify_with_jwks(client, token, independent.issuer)
    kid = jwt.get_unverified_header(token)["kid"]
    forged = jwt.encode(claims, PlatformKey.new().pem(), algorithm="RS256", headers={"kid": kid})

    response = requests.post(action, data={"JWT": forged}, timeout=10)

    assert response.status_code == 400
    (refusal,) = independent.deep_link_returns
    assert isinstance(refusal, jwt.InvalidSignatureError), refusal


def test_lti1p3platform_learner_cannot_deep_link(app, client, teacher, independent):
    independent.register()
    plan = PlannedLaunch("learner-1", ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
                         deep_link_data=OPAQUE)  # fmt: skip
    begin_deep_linking(client, teacher, independent.id_token_claims(plan))

    response = client.get(PICKER)
    assert response.status_code == 403
    assert "Only a teacher of the LMS course can add content." in response.get_data(as_text=True)
