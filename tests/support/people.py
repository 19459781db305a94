"""The one way tests make an account, and log in with it."""

from __future__ import annotations

from functools import cache

from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from app.auth.models import ROLE_LEARNER, User
from app.auth.services import name_from_email, name_key, normalise_email
from app.extensions import db
from tests.support.forms import post_form

PASSWORD = "correct horse battery staple"


@cache
def _password_hash() -> str:
    # Computed once for every account of the run, and deliberately cheap: the suites make
    # and log in many accounts, and what they test is who may do what, not how passwords
    # are stored (registration and `users create-instructor` are tested with the real hash).
    return generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")


def new_user(
    email: str, role: str = ROLE_LEARNER, name: str | None = None, password_hash: str | None = None
) -> User:
    """Build (not store) an account with a name (default: the email's local part)."""
    name = name if name is not None else name_from_email(email)
    return User(
        email=normalise_email(email),
        password_hash=password_hash or _password_hash(),
        role=role,
        name=name,
        name_key=name_key(name),
    )


def make_user(email: str, role: str = ROLE_LEARNER, name: str | None = None) -> User:
    """Store an account with the test password and return it."""
    user = new_user(email, role, name)
    db.session.add(user)
    db.session.commit()
    return user


def log_in(client: FlaskClient, email: str, password: str = PASSWORD) -> None:
    """Log in through the form, as a browser would."""
    response = post_form(client, "/login", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
