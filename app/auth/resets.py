"""One-time password-reset links: an instructor issues one, the learner uses it once.

The link carries a random token; the database keeps only its SHA-256, so a copy of
the table resets nobody's password. A link is valid for `RESET_VALID_FOR` and is
claimed by one conditional UPDATE (`used_at IS NULL AND expires_at > now`): of any
number of requests racing with the same token, exactly one changes the row and sets
the password. Using it sets the password by the one rule (`services.password_problem`)
and rotates the session token, so every session of the account ends. (Remembered
devices are signed cookies, `app.auth.devices`, kept by browsers, not the database:
there is nothing to clear; they only exempt a browser from the per-account log-in
limit, never let it in.) Services flush; callers commit.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from werkzeug.security import generate_password_hash

from app.auth import services
from app.auth.models import PasswordReset, User
from app.extensions import db
from app.timeutil import now_utc

RESET_VALID_FOR = timedelta(hours=24)
MAX_TOKEN_LENGTH = 100  # ours are 43 characters; anything much longer is not ours


class ResetUnavailable(services.AccountError):
    """The link is unknown, expired or already used."""


def token_hash(token: str) -> str:
    """Return the stored form of a reset token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_reset(user_id: int, issued_by: int | None = None) -> str:
    """Store a new reset link for the account and return its token (shown once, never stored).

    Links issued before for the same account and not used stop working: only the
    newest one passed on is valid.
    """
    now = now_utc()
    db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user_id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        PasswordReset(
            user_id=user_id,
            token_hash=token_hash(token),
            issued_by=issued_by,
            created_at=now,
            expires_at=now + RESET_VALID_FOR,
        )
    )
    db.session.flush()
    return token


def account_for_reset(token: str) -> User | None:
    """Return the account a usable (unused, unexpired) link resets, else None (one query)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return db.session.scalar(
        select(User)
        .join(PasswordReset, PasswordReset.user_id == User.id)
        .where(
            PasswordReset.token_hash == token_hash(token),
            PasswordReset.used_at.is_(None),
            PasswordReset.expires_at > now_utc(),
        )
    )


def use_reset(token: str, password: str) -> User:
    """Set the account's new password with a reset link, once; end every session.

    Raises ResetUnavailable when the link is unknown, expired or used (also by a
    request that lost a race for it), AccountError for a password against the rule;
    in both cases nothing is stored.
    """
    user = account_for_reset(token)
    if user is None:
        raise ResetUnavailable("This link is not valid: it was used, has expired or is unknown.")
    problem = services.password_problem(user.email, password)
    if problem:
        raise services.AccountError(problem)
    password_hash = generate_password_hash(password, method=services.PASSWORD_METHOD)
    claimed = db.session.execute(
        update(PasswordReset)
        .where(
            PasswordReset.token_hash == token_hash(token),
            PasswordReset.used_at.is_(None),
            PasswordReset.expires_at > now_utc(),
        )
        .values(used_at=now_utc())
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:  # another request used it first
        raise ResetUnavailable("This link is not valid: it was used, has expired or is unknown.")
    user.password_hash = password_hash
    services.rotate_session_token(user)
    return user
