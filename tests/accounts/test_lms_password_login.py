"""A learner who came from the LMS (no password) adds an email and password to log in here too."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from tests.support import PASSWORD, csrf_token, log_in, make_user, post_form
from tests.support.lti_platform import session_user

NEW_PASSWORD = "a passphrase of my own"


def _launched_learner(client, lti_platform, **claims) -> User:
    lti_platform.register()
    assert lti_platform.launch(client, sub="lms-learner", **claims).status_code == 302
    return session_user(client)


def _add_login(client, email: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return post_form(
        client,
        "/account/password-login",
        {"email": email, "new_password": password, "confirm": confirm or password},
        token_from="/account",
    )


def test_an_lms_learner_sets_up_a_password_log_in_and_uses_it_without_the_lms(
    client, course, lti_platform
):
    learner = _launched_learner(client, lti_platform, name="Mira Lms")
    page = client.get("/account").get_data(as_text=True)
    assert "Signed in through your learning platform." in page
    assert "Set up a password log-in" in page and "Current password" not in page

    response = _add_login(client, "Mira@Example.com")
    assert response.status_code == 302
    assert session_user(client).id == learner.id  # this session goes on
    stored = db.session.get(User, learner.id)
    db.session.refresh(stored)
    assert stored.email == "mira@example.com" and stored.password_hash

    browser = client.application.test_client()  # another browser, no LMS
    log_in(browser, "mira@example.com", NEW_PASSWORD)
    assert session_user(browser).id == learner.id
    assert "Change your password" in browser.get("/account").get_data(as_text=True)


def test_an_email_another_account_has_is_a_field_error_and_nothing_changes(
    client, course, lti_platform
):
    make_user("taken@example.com")
    learner = _launched_learner(client, lti_platform)
    response = _add_login(client, "taken@example.com")
    assert response.status_code == 200
    assert "Another account uses this email address." in response.get_data(as_text=True)
    stored = db.session.scalar(select(User).where(User.id == learner.id))
    db.session.refresh(stored)
    assert stored.email is None and stored.password_hash == ""


def test_a_weak_or_mistyped_password_is_a_field_error(client, course, lti_platform):
    _launched_learner(client, lti_platform)
    short = _add_login(client, "mira@example.com", "short")
    assert short.status_code == 200 and 'id="new_password-error"' in short.get_data(as_text=True)
    mistyped = _add_login(client, "mira@example.com", NEW_PASSWORD, "something else entirely")
    assert "The passwords do not match." in mistyped.get_data(as_text=True)


def test_an_account_with_a_password_cannot_use_it_and_needs_its_current_one(client, course):
    make_user("has-one@example.com")
    log_in(client, "has-one@example.com", PASSWORD)
    token = csrf_token(client, "/account")
    response = client.post(
        "/account/password-login",
        data={"csrf_token": token, "email": "x@example.com", "new_password": NEW_PASSWORD,
              "confirm": NEW_PASSWORD},
    )  # fmt: skip
    assert response.status_code == 404
