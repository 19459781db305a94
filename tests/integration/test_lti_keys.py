"""The tool's keys rotate without breaking launches, and fail loudly when they cannot sign.

A new key signs from the moment it is added while the old one stays published (a
platform that cached our JWKS, or a message signed a moment before, still verifies);
retiring the old one takes it out of /lti/jwks. A changed SECRET_KEY cannot decrypt the
stored key: signing then says so. LTI_PRIVATE_KEY_FILE's key signs and is published.
"""

from __future__ import annotations

import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app.database import unit_of_work
from app.lti import keys
from app.lti.registrations import create_registration
from tests.unit.test_lti_registration_rules import MOODLE


def _published(app) -> list[dict]:
    response = app.test_client().get("/lti/jwks")
    assert response.status_code == 200
    return json.loads(response.data)["keys"]


def _verifies_with_published_key(app, token: str) -> str:
    """Check a token against our JWKS as a platform would; return the kid it used."""
    jwks = jwt.PyJWKSet.from_dict({"keys": _published(app)})
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in jwks.keys if k.key_id == kid)
    assert jwt.decode(token, key.key, algorithms=["RS256"], audience="platform")["sub"] == "tool"
    return kid


def _signed_now() -> str:
    signing = keys.signing_key()
    return jwt.encode(
        {"sub": "tool", "aud": "platform"}, signing.private_pem, "RS256",
        headers={"kid": signing.kid},
    )  # fmt: skip


def test_a_new_key_signs_at_once_and_the_old_one_stays_published_until_retired(app):
    with unit_of_work():
        create_registration(MOODLE, created_by_id=None)  # the first key comes with it
    old = keys.signing_key().kid
    before = _signed_now()  # a message in flight when the key changes
    with unit_of_work():
        new = keys.add_key().kid
    assert [k["kid"] for k in _published(app)] == [old, new]
    assert keys.signing_key().kid == new
    assert _verifies_with_published_key(app, _signed_now()) == new
    assert _verifies_with_published_key(app, before) == old  # still verifies

    with unit_of_work():
        assert keys.retire_key(old)
    assert [k["kid"] for k in _published(app)] == [new]
    assert keys.signing_key().kid == new
    with pytest.raises(StopIteration):  # a platform can no longer verify the old key
        _verifies_with_published_key(app, before)


def test_the_last_live_key_is_never_retired(app):
    with unit_of_work():
        kid = keys.add_key().kid
    with pytest.raises(keys.LtiKeyError, match="last live key"), unit_of_work():
        keys.retire_key(kid)
    assert [k["kid"] for k in _published(app)] == [kid]


def test_a_changed_secret_key_makes_signing_fail_with_a_clear_message(app, make_test_app):
    with unit_of_work():
        kid = keys.add_key().kid
    other = make_test_app(SECRET_KEY="a-different-secret-key-after-a-leak")
    with other.app_context():
        assert [k["kid"] for k in keys.public_jwks()["keys"]] == [kid]  # still published
        with pytest.raises(keys.LtiKeyError, match="SECRET_KEY changed since it was made"):
            keys.signing_key()


def test_no_key_yet_says_how_to_make_one(app):
    with pytest.raises(keys.LtiKeyError, match="flask lti keys add"):
        keys.signing_key()


def test_a_pem_file_signs_and_is_published(app, make_test_app, tmp_path):
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "lti-key.pem"
    path.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with_file = make_test_app(LTI_PRIVATE_KEY_FILE=str(path))
    with with_file.app_context():
        with unit_of_work():
            create_registration(MOODLE, created_by_id=None)
        signing = keys.signing_key()
        token = _signed_now()
    assert keys.live_keys() == []  # the file's key is used: none was made and stored
    assert [k["kid"] for k in _published(with_file)] == [signing.kid]
    assert _verifies_with_published_key(with_file, token) == signing.kid
    public = private.public_key().public_numbers()
    published = _published(with_file)[0]
    assert jwt.algorithms.RSAAlgorithm.from_jwk(published).public_numbers() == public


def test_an_unreadable_key_file_is_named(app, make_test_app, tmp_path):
    path = tmp_path / "not-a-key.pem"
    path.write_text("hello", encoding="utf-8")
    broken = make_test_app(LTI_PRIVATE_KEY_FILE=str(path))
    with (
        broken.app_context(),
        pytest.raises(keys.LtiKeyError, match=r"not-a-key\.pem: not a readable PEM"),
    ):
        keys.signing_key()
