"""The launch storage all servers share: values with a lifetime, nonces used once,
expired rows swept a bounded batch at a time; and what the login sends to the platform."""

from __future__ import annotations

import urllib.parse
from datetime import timedelta

from sqlalchemy import func, select

from app.database import unit_of_work
from app.extensions import db
from app.lti.models import LtiLaunchValue
from app.lti.tool import EXPIRED_ROWS_PER_WRITE, DatabaseLaunchStorage
from app.timeutil import now_utc


def rows() -> int:
    return db.session.scalar(select(func.count()).select_from(LtiLaunchValue))


def test_a_nonce_is_taken_once_and_an_expired_one_never(app):
    storage = DatabaseLaunchStorage()
    with unit_of_work():
        storage.set_value("lti1p3-nonce-abc", True, exp=60)
        storage.set_value("lti1p3-nonce-old", True, exp=60)
        db.session.get(LtiLaunchValue, "lti1p3-nonce-old").expires_at = now_utc() - timedelta(1)
    with unit_of_work():
        assert storage.check_value("lti1p3-nonce-abc") is True
    with unit_of_work():
        assert storage.check_value("lti1p3-nonce-abc") is False
        assert storage.check_value("lti1p3-nonce-old") is False


def test_values_round_trip_as_json_until_they_expire(app):
    storage = DatabaseLaunchStorage()
    with unit_of_work():
        storage.set_value("state-1", {"login": {"iss": "x"}}, exp=60)
        storage.set_value("state-1", {"login": {"iss": "y"}}, exp=60)  # replaced
        storage.set_value("gone", [1], exp=60)
        db.session.get(LtiLaunchValue, "lti1p3-gone").expires_at = now_utc() - timedelta(1)
    assert storage.get_value("state-1") == {"login": {"iss": "y"}}
    assert storage.check_value("state-1") is True  # not a nonce: reading leaves it
    assert storage.get_value("state-1") is not None
    assert storage.get_value("gone") is None


def test_each_write_sweeps_a_bounded_batch_of_expired_rows(app):
    past = now_utc() - timedelta(hours=1)
    with unit_of_work():
        db.session.add_all(
            LtiLaunchValue(key=f"lti1p3-old-{n}", value="1", expires_at=past)
            for n in range(EXPIRED_ROWS_PER_WRITE + 30)
        )
    with unit_of_work():
        DatabaseLaunchStorage().set_value("fresh", 1, exp=60)
    assert rows() == 30 + 1
    with unit_of_work():
        DatabaseLaunchStorage().set_value("fresh-2", 1, exp=60)
    assert rows() == 2


def test_the_login_sends_the_platform_an_oidc_request_for_our_launch_url(
    make_test_app, lti_platform
):
    lti_platform.register()
    public = make_test_app(PUBLIC_BASE_URL="https://school.example/course")
    response = public.test_client().get("/lti/login", query_string=lti_platform.login_params())

    assert response.status_code == 302
    location = urllib.parse.urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{lti_platform.issuer}/auth"
    query = dict(urllib.parse.parse_qsl(location.query))
    assert query["redirect_uri"] == "https://school.example/course/lti/launch"
    assert {k: query[k] for k in ("scope", "response_type", "response_mode", "prompt")} == {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
    }
    assert query["client_id"] == lti_platform.client_id
    assert (query["login_hint"], query["lti_message_hint"]) == ("hint-1", "message-hint-1")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"lti1p3-{query['state']}=") and "HttpOnly" in cookie
