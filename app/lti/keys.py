"""The tool's own RSA keys: made here, published in our JWKS, used to sign what we send.

Private keys are stored encrypted (Fernet, with a key derived from `SECRET_KEY` by
HKDF), or read from the PEM file `LTI_PRIVATE_KEY_FILE` names. The `kid` is the key's
RFC 7638 thumbprint, the same one the LTI library computes from the public key.

Rotation: `add_key()` makes a new key, which signs from then on; the old one stays in
the JWKS until `retire_key(kid)`, so a platform that cached the old key, or a message
signed a moment before, still verifies.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from jwcrypto.jwk import JWK
from sqlalchemy import select

from app.extensions import db
from app.lti.models import LtiToolKey
from app.timeutil import now_utc

KEY_SIZE = 2048


class LtiKeyError(Exception):
    """The tool's key cannot be used (none made yet, unreadable file, changed SECRET_KEY)."""


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_pem: str
    public_pem: str


def _fernet(secret: str | bytes | None = None) -> Fernet:
    if secret is None:
        secret = current_app.config["SECRET_KEY"]
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"milidip lti tool key"
    ).derive(secret.encode("utf-8") if isinstance(secret, str) else secret)
    return Fernet(base64.urlsafe_b64encode(derived))


def _public_jwk(key: JWK) -> dict[str, str]:
    public = key.export_public(as_dict=True)
    return {**public, "kid": key.thumbprint(), "alg": "RS256", "use": "sig"}


def new_key_pair() -> JWK:
    """A new RSA key pair (the tests hand out keys they made once per process instead)."""
    return JWK.generate(kty="RSA", size=KEY_SIZE)


def add_key() -> LtiToolKey:
    """Make a new key pair; it signs from now on (the caller's unit of work commits)."""
    key = new_key_pair()
    pem = key.export_to_pem(private_key=True, password=None)
    row = LtiToolKey(
        kid=key.thumbprint(),
        public_jwk=json.dumps(_public_jwk(key), sort_keys=True),
        private_key=_fernet().encrypt(pem).decode("ascii"),
    )
    db.session.add(row)
    db.session.flush()
    return row


def ensure_key() -> None:
    """Make the first key if there is none (and no key file): registering a platform needs one."""
    if _file_key() is None and _newest_key() is None:
        add_key()


def retire_key(kid: str) -> bool:
    """Take a key out of the JWKS and stop signing with it. False if no such live key.

    Raises LtiKeyError for the last live key (unless the key file signs): nothing could
    sign then. The live keys are locked first (FOR UPDATE; SQLite's write lock does the
    same), so two retirements at once cannot each leave the other's key as the last.
    """
    live = list(
        db.session.scalars(
            select(LtiToolKey).where(LtiToolKey.retired_at.is_(None)).with_for_update()
        )
    )
    row = next((key for key in live if key.kid == kid), None)
    if row is None:
        return False
    if len(live) == 1 and _file_key() is None:
        raise LtiKeyError(
            f"{kid} is the last live key: add a new one first (`flask lti keys add`), "
            "then retire this one."
        )
    row.retired_at = now_utc()
    db.session.flush()
    return True


def live_keys() -> list[LtiToolKey]:
    return list(
        db.session.scalars(
            select(LtiToolKey)
            .where(LtiToolKey.retired_at.is_(None))
            .order_by(LtiToolKey.created_at, LtiToolKey.id)
        )
    )


def _newest_key() -> LtiToolKey | None:
    keys = live_keys()
    return keys[-1] if keys else None


@cache
def _read_key_file(path: str) -> JWK:
    try:
        return JWK.from_pem(Path(path).read_bytes())
    except (OSError, ValueError, TypeError) as error:
        raise LtiKeyError(f"LTI_PRIVATE_KEY_FILE {path}: not a readable PEM private key") from error


def _file_key() -> JWK | None:
    path = current_app.config.get("LTI_PRIVATE_KEY_FILE") or ""
    return _read_key_file(path) if path else None


def public_jwks() -> dict[str, list[dict[str, str]]]:
    """Our JWKS: the key file's key (if any) and every unretired stored key."""
    keys = [json.loads(row.public_jwk) for row in live_keys()]
    file_key = _file_key()
    if file_key is not None:
        keys.insert(0, _public_jwk(file_key))
    return {"keys": keys}


def signing_key() -> SigningKey:
    """The key that signs: the key file's if set, else the newest unretired stored key."""
    file_key = _file_key()
    if file_key is not None:
        return SigningKey(
            kid=file_key.thumbprint(),
            private_pem=file_key.export_to_pem(private_key=True, password=None).decode(),
            public_pem=file_key.export_to_pem().decode(),
        )
    row = _newest_key()
    if row is None:
        raise LtiKeyError("No LTI key yet: register a platform (or run `flask lti keys add`).")
    return _stored_key(row.kid, current_app.config["SECRET_KEY"])


@lru_cache(maxsize=16)
def _stored_key(kid: str, secret: str | bytes) -> SigningKey:
    """Decrypt and load a stored key once per process (loading an RSA key checks it, which
    costs ~0.3 s). Kept by kid and secret: the kid is the key's own thumbprint (RFC 7638),
    so a kid names one key pair however often it is stored; a new SECRET_KEY loads (and
    fails to decrypt) afresh. A failure is not kept."""
    encrypted = db.session.scalar(select(LtiToolKey.private_key).where(LtiToolKey.kid == kid))
    if encrypted is None:
        raise LtiKeyError(f"No stored LTI key {kid}.")
    try:
        pem = _fernet(secret).decrypt(encrypted.encode("ascii"))
    except InvalidToken as error:
        raise LtiKeyError(
            f"The LTI key {kid} cannot be decrypted: SECRET_KEY changed since it was made."
        ) from error
    key = JWK.from_pem(pem)
    if key.thumbprint() != kid:
        raise LtiKeyError(f"The LTI key stored as {kid} is another key ({key.thumbprint()}).")
    return SigningKey(kid=kid, private_pem=pem.decode(), public_pem=key.export_to_pem().decode())
