"""Malformed and hostile id_tokens at the LTI launch: a 400 (or 403) page, never a 500.

Three kinds of token, after a real OIDC login on the same browser: anything at all
(text, dot-joined garbage, huge), well-formed but unsigned JSON, and tokens the
platform really signed whose claims hold hostile values. Whatever arrives, the launch
answers without an exception, and only a launch that succeeds logs anyone in.

The number of examples comes from the hypothesis profile (tests/conftest.py).
"""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.security.test_fuzz import _CHARS, HOSTILE
from tests.support.lti_platform import AGS, DL, LTI, NRPS, LmsPlatform, session_user

OK = {302, 400, 403}

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(_CHARS, max_size=40)
    | HOSTILE,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(_CHARS, max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
CLAIMS = [
    "iss", "aud", "azp", "sub", "nonce", "exp", "iat", "name", "given_name", "email",
    LTI + "deployment_id", LTI + "message_type", LTI + "version", LTI + "roles",
    LTI + "resource_link", LTI + "custom", LTI + "context", AGS + "endpoint",
    NRPS + "namesroleservice", DL + "deep_linking_settings",
]  # fmt: skip
HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "alg": st.one_of(st.sampled_from(["RS256", "none", "HS256", "ES256"]), JSON),
        "kid": JSON,
        "typ": JSON,
    },
)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _segment() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(_CHARS, max_size=30),
        st.binary(max_size=60).map(b64),
        JSON.map(lambda value: b64(json.dumps(value).encode())),
    )


GARBAGE = st.one_of(
    HOSTILE,
    st.lists(_segment(), min_size=1, max_size=5).map(".".join),
    st.integers(min_value=60_000, max_value=80_000).map(lambda n: "e" * n + ".e.e"),
)


@pytest.fixture
def platform(lti_platform: LmsPlatform) -> LmsPlatform:
    lti_platform.register()
    return lti_platform


def _post(app, platform: LmsPlatform, build, state=None):
    browser = app.test_client()
    login = platform.start_login(browser)
    data = {"id_token": build(login), "state": login.state if state is None else state}
    response = browser.post("/lti/launch", data=data)
    assert response.status_code in OK, (response.status_code, data["id_token"][:200])
    if response.status_code != 302:
        assert session_user(browser) is None
    return response


@given(token=GARBAGE, state=st.one_of(st.none(), HOSTILE))
def test_any_id_token_at_all_is_refused_without_a_500(app, platform, token, state):
    assert _post(app, platform, lambda login: token, state).status_code in (400, 403)


@given(header=HEADERS, body=st.dictionaries(st.sampled_from(CLAIMS), JSON, max_size=6))
def test_unsigned_json_is_refused_without_a_500(app, platform, header, body):
    def build(login):
        claims = {**platform.claims(login.nonce), **body}
        parts = (json.dumps(header), json.dumps(claims), "signature")
        return ".".join(b64(part.encode()) for part in parts)

    assert _post(app, platform, build).status_code in (400, 403)


@given(overrides=st.dictionaries(st.sampled_from(CLAIMS), JSON, min_size=1, max_size=4))
def test_signed_tokens_with_hostile_claims_answer_without_a_500(app, platform, overrides):
    _post(app, platform, lambda login: platform.sign({**platform.claims(login.nonce), **overrides}))
