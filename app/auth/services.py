"""Accounts: create, authenticate, change roles. Services flush; callers commit."""

from __future__ import annotations

import unicodedata

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth.models import ROLE_INSTRUCTOR, ROLE_LEARNER, User, new_session_token
from app.database import savepoint
from app.extensions import db

# scrypt is Werkzeug's default: memory-hard and modern.
PASSWORD_METHOD = "scrypt"
# Checked against when the email is unknown, so a miss costs as long as a hit.
_DUMMY_HASH = generate_password_hash("not a real password", method=PASSWORD_METHOD)


class AccountError(ValueError):
    """An account operation cannot be done; the message says why."""


class EmailTaken(AccountError):
    """The email belongs to another account."""


EMAIL_TAKEN = "Another account uses this email address."


class WrongPassword(AccountError):
    """The current password given to confirm a change is not right."""


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


MAX_NAME_LENGTH = 80
# Control (Cc) and format (Cf: bidi overrides such as U+202E, zero-width joiners) characters,
# lone surrogates (Cs), and line and paragraph separators: none belongs in a name, and some
# would reorder or hide what the gradebook and the CSV show next to it.
REFUSED_NAME_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def clean_name(name: str | None) -> str:
    """Return the name as it is stored: NFC-normalised, outer whitespace trimmed."""
    return unicodedata.normalize("NFC", name or "").strip()


def name_problem(name: str | None) -> str | None:
    """Say why a display name may not be stored, or return None if it is fine.

    The one rule for every place a name is set (registration, the account page, the
    CLI, services). Any script is welcome; the length counts characters after
    `clean_name`.
    """
    cleaned = clean_name(name)
    if not cleaned:
        return "Enter your name."
    if len(cleaned) > MAX_NAME_LENGTH:
        return f"Use at most {MAX_NAME_LENGTH} characters."
    for char in cleaned:
        if unicodedata.category(char) in REFUSED_NAME_CATEGORIES:
            return (
                f"Remove the invisible or control character U+{ord(char):04X} "
                f"({unicodedata.name(char, 'unnamed')})."
            )
    return None


def name_key(name: str) -> str:
    """Return the key names sort by: casefolded and NFC-normalised again (folding can split).

    Sorted by code point on every database (the column uses the "C" collation on
    PostgreSQL, SQLite's default is binary), with the account id as tie-break.
    """
    return unicodedata.normalize("NFC", clean_name(name).casefold())


def name_from_email(email: str) -> str:
    """Return a stand-in name, the email's local part, for accounts made without a name."""
    local = normalise_email(email).split("@", 1)[0]
    cleaned = "".join(
        c for c in clean_name(local) if unicodedata.category(c) not in REFUSED_NAME_CATEGORIES
    )
    return cleaned[:MAX_NAME_LENGTH].strip() or "Learner"


def set_name(user: User, name: str) -> None:
    """Store a new display name (and its sort key); the name counts as confirmed."""
    problem = name_problem(name)
    if problem:
        raise AccountError(problem)
    user.name = clean_name(name)
    user.name_key = name_key(user.name)
    user.name_confirmed = True
    db.session.flush()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    email: str, password: str, role: str = ROLE_LEARNER, name: str | None = None
) -> User:
    """Create an account; raise AccountError for a name or password against the rule or a
    taken email.

    Without a name (scripts, benchmarks) the email's local part stands in and the
    account is asked to confirm it at its next log-in, like accounts from before names.
    """
    problem = password_problem(email, password) or (
        name_problem(name) if name is not None else None
    )
    if problem:
        raise AccountError(problem)
    if find_user(email) is not None:
        raise AccountError("An account with this email already exists.")
    display = clean_name(name) if name is not None else name_from_email(email)
    user = User(
        email=normalise_email(email),
        password_hash=generate_password_hash(password, method=PASSWORD_METHOD),
        role=role,
        name=display,
        name_key=name_key(display),
        name_confirmed=name is not None,
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """Return the user if the password is right; the same answer for unknown emails."""
    user = find_user(email)
    if user is None or not user.password_hash:
        # An unknown email, or an account without a password (made by an LMS launch):
        # the same answer, after the same work.
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password after checking the current one; end every other session.

    Raises AccountError (nothing stored) for a wrong current password or a new one
    against the rule. The caller logs the current session in again with the new token.
    """
    if not check_password_hash(user.password_hash, current or ""):
        raise WrongPassword("The current password is not right.")
    problem = password_problem(user.email, new)
    if problem:
        raise AccountError(problem)
    user.password_hash = generate_password_hash(new, method=PASSWORD_METHOD)
    rotate_session_token(user)


def add_password_login(user: User, email: str, password: str) -> None:
    """Let an account made by an LMS launch (no password) log in with an email and password too.

    Only for an account without a password (one with a password changes it with the
    current one). The email must be free: an address another account has is refused
    (and a race for it is refused by the unique constraint). Every other session ends.
    Raises AccountError, nothing stored.
    """
    if user.password_hash:
        raise AccountError("This account already has a password: change it instead.")
    email = normalise_email(email)
    problem = password_problem(email, password)
    if problem:
        raise AccountError(problem)
    owner = find_user(email)
    if owner is not None and owner.id != user.id:
        raise EmailTaken(EMAIL_TAKEN)
    user.email = email
    user.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
    try:
        with savepoint():
            rotate_session_token(user)  # flushes: the unique email is checked here
    except IntegrityError as error:
        raise EmailTaken(EMAIL_TAKEN) from error


def set_password(email: str, password: str) -> User:
    """Set an account's password without the old one (the school's IT, on the command line).

    Every session of the account ends. Raises AccountError for an unknown email or a
    password against the rule.
    """
    user = find_user(email)
    if user is None:
        raise AccountError(f"no account with the email {normalise_email(email)}")
    problem = password_problem(user.email, password)
    if problem:
        raise AccountError(problem)
    user.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
    rotate_session_token(user)
    return user


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
