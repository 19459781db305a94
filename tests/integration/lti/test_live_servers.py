"""A launch across servers: the OIDC login on one, the id_token posted to another.

Behind a load balancer the platform's two steps may reach different server processes.
The login's state and nonce live in the database (`lti_launch_values`), never in a
process, so the launch works wherever it lands; a nonce is spent by a conditional
DELETE, so the same id_token replayed on the other server is refused.

Two gunicorns, one worker each, on the test's database: the browser is one cookie jar
(`tests/support/live.py` `Session`) whose requests go to A, B, A, B; the platform is
our in-test LMS (tests/support/lti_platform.py), its JWKS on loopback.
"""

from __future__ import annotations

import copy
import urllib.parse

import pytest
from sqlalchemy import func, select

from app.lti.models import LtiIdentity
from tests.support.live import LIVE_SECRET_KEY, Session, live_server
from tests.support.lti_platform import LmsPlatform

REPLAY_REASON = "the nonce is unknown or was used before (a replay?)"


def path_of(location: str) -> str:
    parts = urllib.parse.urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.mark.slow
def test_a_login_on_one_server_launches_on_another_and_its_replay_is_refused(
    database_url, make_test_app, course, db, lti_platform: LmsPlatform
):
    # Registered (and our signing key made) under the servers' SECRET_KEY, which
    # encrypts the key at rest.
    with make_test_app(SECRET_KEY=LIVE_SECRET_KEY).app_context():
        lti_platform.register()
    with live_server(database_url, workers=1) as a, live_server(database_url, workers=1) as b:
        # The LMS sends the browser to our login initiation URL: server A answers.
        browser = Session(a.host, every_cookie=True)  # a browser: the state cookie too
        query = urllib.parse.urlencode(lti_platform.login_params())
        response, _ = browser.request("GET", f"/lti/login?{query}")
        assert response.status == 302, a.log_text()[-2000:]
        sent = dict(
            urllib.parse.parse_qsl(urllib.parse.urlsplit(response.getheader("Location")).query)
        )
        assert browser.cookies == {f"lti1p3-{sent['state']}": sent["state"]}  # the state cookie

        # The platform signs the id_token for that login; its form posts it to server B.
        claims = lti_platform.claims(sent["nonce"], sub="learner-9", target="lesson:first-lesson")
        form = {"id_token": lti_platform.sign(claims), "state": sent["state"]}
        attacker = copy.deepcopy(browser)  # the same id_token, state and cookies, kept
        browser.host = b.host
        response, _ = browser.request("POST", "/lti/launch", form)
        assert response.status == 302, b.log_text()[-2000:]
        handoff = path_of(response.getheader("Location"))
        assert handoff.startswith("/lti/continue/")

        browser.host = a.host  # the hand-off (one-time, in the database) on A again
        response, _ = browser.request("GET", handoff)
        assert response.status == 302, a.log_text()[-2000:]
        assert path_of(response.getheader("Location")) == "/lessons/first-lesson"
        browser.host = b.host
        response, page = browser.request("GET", "/lessons/first-lesson")
        assert response.status == 200 and "Log out" in page  # logged in, on both

        # The same id_token, replayed on server A with everything the browser had: refused.
        attacker.host = a.host
        response, page = attacker.request("POST", "/lti/launch", form)
        assert response.status == 400, page[:500]
        assert REPLAY_REASON in a.log_text()
        response, _ = attacker.request("GET", "/account")
        assert response.status == 302  # nobody is logged in by the replay

    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(LtiIdentity)) == 1
