"""An LMS launches the course: the OIDC login, the id_token, the account, the landing page.

The platform is `tests/support/lti_platform.py` on loopback (its own keys and JWKS).
"""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.lti.models import LtiIdentity
from tests.support.lti_platform import LmsPlatform, session_user


def test_a_first_launch_makes_a_learner_with_the_claimed_name_and_opens_the_target(
    client, course, lti_platform: LmsPlatform
):
    lti_platform.register()

    response = lti_platform.launch(
        client, sub="learner-7", name="Ada Lovelace", target="lesson:first-lesson"
    )

    assert response.status_code == 302, response.text[:400]
    assert response.headers["Location"].endswith("/lessons/first-lesson")
    user = session_user(client)
    assert user is not None and user.name == "Ada Lovelace" and user.role == "learner"
    assert user.password_hash == "" and user.email is None
    assert client.get("/lessons/first-lesson").status_code == 200

    again = lti_platform.launch(client, sub="learner-7", name="Ada Lovelace")
    assert again.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(LtiIdentity)) == 1
    assert session_user(client).id == user.id
