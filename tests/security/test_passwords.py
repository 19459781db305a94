"""One password rule (at least 12 characters, not the email) wherever a password is set."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.auth.services import AccountError, create_user, password_problem
from tests.support import post_form

EMAIL = "learner@example.com"


@pytest.mark.parametrize(
    ("email", "password", "ok"),
    [
        (EMAIL, "x" * 11, False),
        (EMAIL, "x" * 12, True),
        (EMAIL, "ñ" * 12, True),  # characters, not bytes
        (EMAIL, "x" * 200, True),
        (EMAIL, "x" * 201, False),
        (EMAIL, "", False),
        (EMAIL, None, False),
        (EMAIL, EMAIL, False),
        (EMAIL, " Learner@Example.COM ", False),
        ("Learner@Example.com", "learner@example.com", False),
        (EMAIL, EMAIL + "!", True),
    ],
)
def test_the_rule(email, password, ok):
    assert (password_problem(email, password) is None) is ok


def _register(client, email: str, password: str, confirm: str | None = None):
    return post_form(
        client,
        "/register",
        {
            "name": "Pat",
            "email": email,
            "password": password,
            "confirm": password if confirm is None else confirm,
        },
    )


def _user_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(User))


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("eleven char", "Use at least 12 characters"),
        ("learner@example.com", "Choose a password that is not your email address."),
        ("LEARNER@example.com", "Choose a password that is not your email address."),
    ],
)
def test_registration_refuses_a_weak_password_next_to_the_field(client, db, password, message):
    response = _register(client, EMAIL, password)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert 'id="password-error"' in page
    assert _user_count(db) == 0


def test_registration_takes_twelve_characters(client, db):
    response = _register(client, EMAIL, "twelve chars")
    assert response.status_code == 302
    assert _user_count(db) == 1


def test_registration_needs_the_password_twice(client, db):
    response = _register(client, EMAIL, "a long enough password", "a long enough passwort")
    assert "The passwords do not match." in response.get_data(as_text=True)
    assert _user_count(db) == 0


def test_the_service_refuses_a_weak_password_whoever_calls_it(db):
    with pytest.raises(AccountError, match="12 characters"):
        create_user(EMAIL, "short")
    with pytest.raises(AccountError, match="not your email"):
        create_user(EMAIL, EMAIL)
    db.session.rollback()
    assert _user_count(db) == 0


@pytest.mark.parametrize(
    ("password", "message"),
    [("eleven char", "12 characters"), ("boss@example.com", "email")],
)
def test_the_instructor_command_applies_the_rule(runner, db, monkeypatch, password, message):
    monkeypatch.setenv("INSTRUCTOR_PASSWORD", password)
    result = runner.invoke(args=["users", "create-instructor", "boss@example.com"])
    assert result.exit_code != 0
    assert message in result.output
    assert _user_count(db) == 0
