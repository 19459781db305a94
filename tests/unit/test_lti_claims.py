"""The LTI claims' shapes, read without Flask: what a rate limit keys by, names, emails."""

from __future__ import annotations

import base64
import json

import pytest

from app.lti.claims import MAX_ID_TOKEN, origin_of, parse_claims, unverified_issuer


def token(body: object) -> str:
    part = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    return f"eyJhbGciOiJSUzI1NiJ9.{part}.c2ln"


def test_the_rate_limit_reads_the_issuer_a_token_names_and_nothing_else():
    assert unverified_issuer(token({"iss": "https://lms.example"})) == "https://lms.example"
    for odd in (
        None,
        7,
        "",
        "a.b",
        "a.!!.c",
        token([1]),
        token({"iss": 3}),
        token({"iss": "x" * 300}),
    ):
        assert unverified_issuer(odd) is None
    assert unverified_issuer("a" * MAX_ID_TOKEN + "." + token({"iss": "x"})) is None


LTI = "https://purl.imsglobal.org/spec/lti/claim/"
BASE = {"iss": "https://lms.example", "sub": "1", LTI + "deployment_id": "d",
        LTI + "message_type": "LtiResourceLinkRequest", LTI + "roles": []}  # fmt: skip


@pytest.mark.parametrize(
    ("claims", "name", "email"),
    [
        ({"name": "Ada", "email": " Ada@Example.COM "}, "Ada", "ada@example.com"),
        ({"given_name": "Ada", "family_name": "Byron", "email": "no-at-sign"}, "Ada Byron", None),
        ({"name": "  ", "given_name": "Ada", "email": "a@b.exa\tmple"}, "Ada", None),
        ({"name": 5, "email": ["a@b.example"]}, None, None),
    ],
)
def test_names_and_emails_are_read_when_they_look_like_one(claims, name, email):
    parsed = parse_claims({**BASE, **claims}, "client")
    assert (parsed.display_name, parsed.email) == (name, email)


def test_an_origin_is_scheme_host_and_port():
    assert origin_of("https://canvas.example:8443/path?q=1") == "https://canvas.example:8443"
