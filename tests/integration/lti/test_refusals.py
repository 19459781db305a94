"""Launches the tool must refuse: each is a 400 page (never a 500) and nobody is logged in.

Every case starts with a real OIDC login on the same browser, so the state cookie and
the nonce are right, and spoils exactly one thing.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.lti.models import LtiIdentity
from tests.support.live import released_together
from tests.support.lti_platform import (
    DEEP_LINKING,
    LTI,
    LmsPlatform,
    Login,
    PlatformKey,
    session_user,
)

DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def assert_refused(response, status: int = 400) -> None:
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert f"Error {status}" in response.text


def assert_nobody_logged_in(client) -> None:
    assert session_user(client) is None
    assert db.session.scalar(select(func.count()).select_from(LtiIdentity)) == 0


def launch_with(
    client, platform: LmsPlatform, token: Callable[[Login], str], state: str | None = None
):
    """A real login on this browser, then a launch POST with the token this builds."""
    login = platform.start_login(client)
    data = {"id_token": token(login), "state": login.state if state is None else state}
    return client.post("/lti/launch", data=data)


def signed(platform: LmsPlatform, key: PlatformKey | None = None, **claims: Any):
    return lambda login: platform.sign(platform.claims(login.nonce, **claims), key)


def now() -> int:
    return int(time.time())


def _other_key_same_kid(platform: LmsPlatform) -> Callable[[Login], str]:
    forged = PlatformKey(platform.keys[-1].kid, PlatformKey.new().private)
    return signed(platform, forged)


def _raw(header: Any, body: Any) -> Callable[[Login], str]:
    def build(login: Login) -> str:
        parts = [b64(json.dumps(header).encode()), b64(json.dumps(body).encode()), b64(b"sig")]
        return ".".join(parts)

    return build


# Each case: what it spoils, the token it sends (given the platform), and the reason logged.
CASES: dict[str, tuple[Callable[[LmsPlatform], Callable[[Login], str]], str]] = {
    "bad signature (another key under the platform's kid)": (
        _other_key_same_kid,
        "Signature verification failed",
    ),
    "wrong audience": (
        lambda p: signed(p, aud="another-tool", azp="another-tool"),
        "Registration not found",
    ),
    "audience list without azp": (lambda p: signed(p, aud=[p.client_id, "x"], azp=None), "azp"),
    "wrong azp": (lambda p: signed(p, azp="another-tool"), "azp"),
    "expired": (lambda p: signed(p, exp=now() - 120, iat=now() - 420), "Signature has expired"),
    "issued in the future": (
        lambda p: signed(p, iat=now() + 3600, exp=now() + 4000),
        "not yet valid (iat)",
    ),
    "no exp": (lambda p: signed(p, exp=None), 'missing the "exp" claim'),
    "unknown deployment": (
        lambda p: signed(p, **{LTI + "deployment_id": "deployment-9"}),
        "deployment-9",
    ),
    "unknown issuer": (
        lambda p: signed(p, iss="https://lms.elsewhere.example"),
        "Registration not found",
    ),
    "wrong message type": (
        lambda p: signed(p, **{LTI + "message_type": "LtiSubmissionReviewRequest"}),
        "message type",
    ),
    "no message type": (lambda p: signed(p, **{LTI + "message_type": None}), "message type"),
    "wrong LTI version": (lambda p: signed(p, **{LTI + "version": "1.1.0"}), "LTI version"),
    "roles not a list": (lambda p: signed(p, **{LTI + "roles": "Instructor"}), "roles claim"),
    "sub not a string": (lambda p: signed(p, sub=12345), "sub claim"),
    "no resource link": (lambda p: signed(p, **{LTI + "resource_link": None}), "resource_link"),
    "deep linking without settings": (
        lambda p: signed(p, message_type=DEEP_LINKING, **{DL_SETTINGS: "x"}),
        "deep_linking_settings",
    ),
    "a nonce the tool never issued": (
        lambda p: lambda login: p.sign(p.claims("made-up-nonce")),
        "not issued for this login",
    ),
    "no nonce": (
        lambda p: lambda login: p.sign({**p.claims(""), "nonce": None}),
        "nonce claim is missing",
    ),
    "alg none": (
        lambda p: (
            lambda login: _raw({"alg": "none", "kid": p.keys[0].kid}, p.claims(login.nonce))(login)
        ),
        "not signed with RSA",
    ),
    "HS256 with the public key": (
        lambda p: (
            lambda login: _raw({"alg": "HS256", "kid": p.keys[0].kid}, p.claims(login.nonce))(login)
        ),
        "not signed with RSA",
    ),
    "two parts": (lambda p: lambda login: "abc.def", "3 parts"),
    "four parts": (lambda p: lambda login: "a.b.c.d", "3 parts"),
    "bad base64": (lambda p: lambda login: "!!!.***.###", "can't be decoded"),
    "not JSON": (
        lambda p: lambda login: f"{b64(b'not json')}.{b64(b'{')}.{b64(b'x')}",
        "can't be decoded",
    ),
    "JSON that is a list": (lambda p: _raw([1, 2], ["iss"]), "not a JSON object"),
    "header without kid": (lambda p: _raw({"alg": "RS256"}, p.claims("n")), "kid claim"),
    "huge": (lambda p: lambda login: "a" * (70 * 1024) + ".b.c", "larger than 64 KB"),
    "deeply nested JSON": (
        lambda p: lambda login: f"{b64(b'[' * 20000)}.{b64(b'{')}.x",
        "can't be decoded",
    ),
    "empty": (lambda p: lambda login: "", "id_token is missing"),
    # PostgreSQL can neither store nor compare U+0000 (the fuzz test found this one)
    "a NUL in the issuer": (lambda p: signed(p, iss="\x00"), "U+0000"),
    "a NUL in the sub": (lambda p: signed(p, sub="learner\x00"), "U+0000"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_spoiled_launch_is_refused_and_logs_nobody_in(client, lti_platform, case, caplog):
    lti_platform.register()
    build, reason = CASES[case]
    response = launch_with(client, lti_platform, build(lti_platform))
    assert_refused(response)
    refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(refusals) == 1 and reason in refusals[0], refusals
    assert_nobody_logged_in(client)


def test_a_launch_without_state_or_with_a_state_that_does_not_match_is_refused(
    client, lti_platform
):
    lti_platform.register()
    assert_refused(launch_with(client, lti_platform, signed(lti_platform), state=""))
    assert_refused(launch_with(client, lti_platform, signed(lti_platform), state="state-nope"))

    login = lti_platform.start_login(client)
    client.set_cookie("lti1p3-" + login.state, "state-of-another-login", domain="localhost")
    token = lti_platform.sign(lti_platform.claims(login.nonce))
    assert_refused(lti_platform.post_launch(client, login, token))
    assert_nobody_logged_in(client)


def test_a_login_for_an_unknown_platform_is_refused(client, lti_platform):
    lti_platform.register()
    params = lti_platform.login_params(iss="https://lms.elsewhere.example")
    assert_refused(client.get("/lti/login", query_string=params))
    assert_refused(client.post("/lti/login", data={"iss": lti_platform.issuer}))  # no hint
    assert_refused(client.get("/lti/login", query_string={"iss": "x" * 5000, "login_hint": "1"}))


def test_a_replayed_id_token_is_refused_on_any_browser_and_any_server(
    client, app, make_test_app, lti_platform
):
    lti_platform.register()
    login = lti_platform.start_login(client)
    token = lti_platform.sign(lti_platform.claims(login.nonce, sub="learner-r"))
    assert lti_platform.post_launch(client, login, token).status_code == 302

    same_browser = lti_platform.post_launch(client, login, token)
    assert_refused(same_browser)

    thief = app.test_client()  # no state cookie: the stored state-for-this-token lets it by,
    assert_refused(lti_platform.post_launch(thief, login, token))  # the spent nonce does not
    assert session_user(thief) is None

    other_server = make_test_app().test_client()  # another app on the same database
    assert_refused(lti_platform.post_launch(other_server, login, token))
    assert session_user(other_server) is None


def test_a_new_id_token_with_a_spent_nonce_is_refused(client, lti_platform):
    lti_platform.register()
    login = lti_platform.start_login(client)
    first = lti_platform.sign(lti_platform.claims(login.nonce, sub="learner-a"))
    assert lti_platform.post_launch(client, login, first).status_code == 302

    other = client.application.test_client()
    login_b = lti_platform.start_login(other)
    replay = lti_platform.sign(lti_platform.claims(login.nonce, sub="learner-b"))  # old nonce
    assert_refused(lti_platform.post_launch(other, login_b, replay))
    assert session_user(other) is None


def test_an_unknown_kid_fetches_the_key_set_once_more_then_verifies_a_rotated_key(
    client, lti_platform
):
    lti_platform.register()
    assert lti_platform.launch(client).status_code == 302
    assert lti_platform.jwks_requests == 1

    assert lti_platform.launch(client).status_code == 302
    assert lti_platform.jwks_requests == 1  # the key set is cached

    lti_platform.rotate_key()  # signs from now on; published beside the old key
    assert lti_platform.launch(client).status_code == 302
    assert lti_platform.jwks_requests == 2  # one refresh

    assert lti_platform.launch(client).status_code == 302
    assert lti_platform.jwks_requests == 2


def test_a_kid_the_platform_never_publishes_is_refused_after_exactly_one_refresh(
    client, lti_platform
):
    lti_platform.register()
    assert lti_platform.launch(client).status_code == 302
    assert lti_platform.jwks_requests == 1
    other = client.application.test_client()

    ghost = PlatformKey.new()  # never in the platform's JWKS
    assert_refused(lti_platform.launch(other, key=ghost))
    assert lti_platform.jwks_requests == 2
    assert session_user(other) is None


def test_an_unknown_kid_with_no_cached_key_set_is_fetched_once(client, lti_platform):
    lti_platform.register()
    assert_refused(lti_platform.launch(client, key=PlatformKey.new()))
    assert lti_platform.jwks_requests == 1
    assert_nobody_logged_in(client)


def test_an_unreachable_or_oversized_key_set_is_a_clean_refusal(client, lti_platform):
    from app.database import unit_of_work
    from app.lti.models import LtiRegistration

    big = {"keys": [{"kid": str(n), "kty": "RSA", "n": "x" * 1000} for n in range(300)]}
    lti_platform.app.add_url_rule("/big-jwks", "big", lambda: big)
    lti_platform.app.add_url_rule("/not-json", "not_json", lambda: "<html>")
    lti_platform.register()
    for url in (
        "http://127.0.0.1:9/jwks",  # nothing listens on the discard port
        f"{lti_platform.issuer}/big-jwks",
        f"{lti_platform.issuer}/not-json",
        f"{lti_platform.issuer}/no-such-path",
    ):
        with unit_of_work():
            db.session.scalar(select(LtiRegistration)).key_set_url = url
        assert_refused(lti_platform.launch(client))
        assert_nobody_logged_in(client)


def test_the_same_launch_posted_to_two_servers_at_once_logs_in_exactly_once(
    make_test_app, lti_platform
):
    lti_platform.register()
    servers = [make_test_app(), make_test_app()]
    for round_ in range(4):
        browsers = [server.test_client() for server in servers]
        login = lti_platform.start_login(browsers[0])
        # Both servers hold the browser's state cookie: only the nonce can tell them apart.
        browsers[1].set_cookie("lti1p3-" + login.state, login.state, domain="localhost")
        token = lti_platform.sign(lti_platform.claims(login.nonce, sub=f"racer-{round_}"))

        def post(index: int, login=login, token=token, browsers=browsers):
            with servers[index].app_context():
                return lti_platform.post_launch(browsers[index], login, token).status_code

        statuses = sorted(released_together(2, post))
        # one launch goes on (302; 303 with the hand-off of app.lti.sessions), one is refused
        assert statuses[0] in (302, 303) and statuses[1] == 400, (round_, statuses)


def test_an_id_token_issued_for_another_login_is_refused_and_stays_usable_there(app, lti_platform):
    lti_platform.register()
    victim, attacker = app.test_client(), app.test_client()
    victims_login = lti_platform.start_login(victim)
    token = lti_platform.sign(lti_platform.claims(victims_login.nonce, sub="victim"))

    attackers_login = lti_platform.start_login(attacker)  # a state cookie of its own
    assert_refused(lti_platform.post_launch(attacker, attackers_login, token))
    assert session_user(attacker) is None

    assert lti_platform.post_launch(victim, victims_login, token).status_code in (302, 303)
    assert session_user(victim) is not None


def test_a_key_set_that_does_not_answer_in_time_is_a_clean_refusal(
    client, lti_platform, monkeypatch
):
    from app.database import unit_of_work
    from app.lti import tool
    from app.lti.models import LtiRegistration

    monkeypatch.setattr(tool, "JWKS_TIMEOUT", 0.3)
    lti_platform.app.add_url_rule("/slow-jwks", "slow", lambda: time.sleep(1.5) or {"keys": []})
    lti_platform.register()
    with unit_of_work():
        db.session.scalar(select(LtiRegistration)).key_set_url = f"{lti_platform.issuer}/slow-jwks"

    started = time.monotonic()
    assert_refused(lti_platform.launch(client))
    assert time.monotonic() - started < 1.4
    assert_nobody_logged_in(client)
