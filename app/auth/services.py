"""Accounts: create, authenticate, change roles. Services flush; callers commit."""

from __future__ import annotations

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth.models import ROLE_INSTRUCTOR, ROLE_LEARNER, User, new_session_token
from app.extensions import db

# scrypt is Werkzeug's default: memory-hard and modern.
PASSWORD_METHOD = "scrypt"
# Checked against when the email is unknown, so a miss costs as long as a hit.
_DUMMY_HASH = generate_password_hash("not a real password", method=PASSWORD_METHOD)


class AccountError(ValueError):
    """An account operation cannot be done; the message says why."""


MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200


def password_problem(email: str | None, password: str | None) -> str | None:
    """Say why a password may not be set for this email, or return None if it is fine.

    The one rule for every place a password is set (registration, the CLI, services).
    """
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH or len(password) > MAX_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters (and at most {MAX_PASSWORD_LENGTH})."
    if email and password.strip().lower() == normalise_email(email):
        return "Choose a password that is not your email address."
    return None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(email: str, password: str, role: str = ROLE_LEARNER) -> User:
    """Create an account; raise AccountError for a password against the rule or a taken email."""
    problem = password_problem(email, password)
    if problem:
        raise AccountError(problem)
    if find_user(email) is not None:
        raise AccountError("An account with this email already exists.")
    user = User(
        email=normalise_email(email),
        password_hash=generate_password_hash(password, method=PASSWORD_METHOD),
        role=role,
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """Return the user if the password is right; the same answer for unknown emails."""
    user = find_user(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def user_by_session_token(token: str) -> User | None:
    return db.session.scalar(select(User).where(User.session_token == token))


def rotate_session_token(user: User) -> None:
    """End every session of this user: old cookies name a token that no longer exists."""
    user.session_token = new_session_token()
    db.session.flush()


def set_role(email: str, role: str) -> User:
    """Make the account a learner or an instructor."""
    if role not in (ROLE_LEARNER, ROLE_INSTRUCTOR):
        raise AccountError(f"unknown role {role!r}")
    user = find_user(email)
    if user is None:
        raise AccountError(f"no account with the email {normalise_email(email)}")
    if user.role == role:
        article = "an" if role == ROLE_INSTRUCTOR else "a"
        raise AccountError(f"{user.email} is already {article} {role}; nothing changed")
    user.role = role
    db.session.flush()
    return user
