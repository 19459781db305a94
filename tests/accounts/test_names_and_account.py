"""Learners have names, and an account page to change the name and the password."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.auth.models import User
from app.auth.services import name_key
from tests.support import PASSWORD, csrf_token, log_in, make_user, post_form

NEW_PASSWORD = "a brand new passphrase"


def _register(client, name: str, email: str = "zoe@example.com"):
    return post_form(
        client,
        "/register",
        {"name": name, "email": email, "password": PASSWORD, "confirm": PASSWORD},
    )


def _user(db, email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def test_registration_stores_the_name_normalised_with_its_sort_key(client, db):
    response = _register(client, "  Zoe\u0308 Ka\u0308llberg ")
    assert response.status_code == 302
    user = _user(db, "zoe@example.com")
    assert user.name == "Zoë Källberg"
    assert user.name_key == "zoë källberg" and user.name_confirmed


def test_a_name_with_a_bidi_override_is_a_field_error_and_nothing_is_stored(client, db):
    response = _register(client, "Eve\u202egnp.exe")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="name-error"' in page and "U+202E" in page
    assert _user(db, "zoe@example.com") is None


def test_an_empty_or_too_long_name_is_a_field_error(client, db):
    for name, message in (("   ", "Enter your name."), ("x" * 81, "at most 80")):
        page = _register(client, name).get_data(as_text=True)
        assert message in page
    assert _user(db, "zoe@example.com") is None


def test_names_are_shown_escaped(client, db):
    assert _register(client, "<b>Bold</b> & Co").status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in page and "<b>Bold</b>" not in page


def test_an_unconfirmed_name_is_asked_for_at_log_in_and_saved_on_confirming(client, db):
    user = make_user("old.timer@example.com")
    user.name_confirmed = False
    db.session.commit()
    response = post_form(
        client, "/login?next=/scores", {"email": "old.timer@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "We made this name from your email address" in page
    assert 'value="old.timer"' in page
    action = re.search(r'action="(/account/name[^"]*)"', page).group(1).replace("&amp;", "&")
    saved = client.post(
        action, data={"name": "Olive Timer", "csrf_token": csrf_token(client, "/account")}
    )
    assert saved.status_code == 302 and saved.headers["Location"] == "/scores"
    db.session.expire_all()
    user = _user(db, "old.timer@example.com")
    assert (user.name, user.name_key, user.name_confirmed) == ("Olive Timer", "olive timer", True)


def test_a_confirmed_name_goes_straight_on(client, db):
    make_user("ada@example.com", name="Ada")
    response = post_form(client, "/login", {"email": "ada@example.com", "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_the_account_page_changes_the_name_and_refuses_a_bad_one(client, learner, db):
    bad = post_form(client, "/account/name", {"name": "A\u200bB"}, token_from="/account")
    assert bad.status_code == 200 and "U+200B" in bad.get_data(as_text=True)
    good = post_form(client, "/account/name", {"name": "Ямина"}, token_from="/account")
    assert good.status_code == 302
    db.session.expire_all()
    assert _user(db, "learner@example.com").name == "Ямина"


def test_changing_the_password_needs_the_current_one(client, learner, db):
    before = _user(db, "learner@example.com").password_hash
    response = post_form(
        client,
        "/account/password",
        {"current_password": "not my password", "new_password": NEW_PASSWORD,
         "confirm": NEW_PASSWORD},
        token_from="/account",
    )  # fmt: skip
    assert response.status_code == 200
    assert "The current password is not right." in response.get_data(as_text=True)
    db.session.expire_all()
    assert _user(db, "learner@example.com").password_hash == before


def test_a_new_password_against_the_rule_is_refused(client, learner, db):
    response = post_form(
        client,
        "/account/password",
        {"current_password": PASSWORD, "new_password": "short", "confirm": "short"},
        token_from="/account",
    )
    assert response.status_code == 200 and "at least 12" in response.get_data(as_text=True)


def test_changing_the_password_ends_other_sessions_and_keeps_this_one(app, client, learner, db):
    laptop = app.test_client()
    log_in(laptop, "learner@example.com")
    assert laptop.get("/account").status_code == 200
    token_before = _user(db, "learner@example.com").session_token
    response = post_form(
        client,
        "/account/password",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        token_from="/account",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert _user(db, "learner@example.com").session_token != token_before
    assert client.get("/account").status_code == 200  # this browser carries on
    assert laptop.get("/account").headers["Location"].startswith("/login")  # the other is out
    fresh = app.test_client()
    log_in(fresh, "learner@example.com", NEW_PASSWORD)


def test_the_cli_creates_an_instructor_with_a_name(runner, db, monkeypatch):
    monkeypatch.setenv("INSTRUCTOR_PASSWORD", PASSWORD)
    result = runner.invoke(
        args=["users", "create-instructor", "boss@example.com", "--name", " Ms Boss "]
    )
    assert result.exit_code == 0, result.output
    user = _user(db, "boss@example.com")
    assert (user.name, user.name_confirmed, user.role) == ("Ms Boss", True, "instructor")
    refused = runner.invoke(
        args=["users", "create-instructor", "b2@example.com", "--name", "Bad\u202eName"]
    )
    assert refused.exit_code != 0 and "U+202E" in refused.output


def test_names_sort_alike_on_every_database(db):
    # Code-point order of the casefolded key, id as tie-break: the same on SQLite and
    # PostgreSQL whatever the server's locale (the key column uses the "C" collation there).
    names = ["émile", "Zoë", "adam", "Émile", "ADAM", "Öz", "Bob", "李雷", "bob"]
    for n, name in enumerate(names):
        make_user(f"u{n}@example.com", name=name)
    stored = db.session.execute(select(User.name, User.id).order_by(User.name_key, User.id)).all()
    expected = sorted(
        ((name, n) for n, name in enumerate(names)), key=lambda pair: (name_key(pair[0]), pair[1])
    )
    assert [row.name for row in stored] == [name for name, _ in expected]


def test_the_school_it_sets_a_forgotten_password_on_the_command_line(app, runner, db, monkeypatch):
    make_user("forgetful@example.com")
    browser = app.test_client()
    log_in(browser, "forgetful@example.com")
    monkeypatch.setenv("NEW_PASSWORD", NEW_PASSWORD)
    result = runner.invoke(args=["users", "set-password", "Forgetful@Example.com"])
    assert result.exit_code == 0, result.output
    assert browser.get("/account").headers["Location"].startswith("/login")  # sessions ended
    log_in(app.test_client(), "forgetful@example.com", NEW_PASSWORD)
    monkeypatch.setenv("NEW_PASSWORD", "short")
    short = runner.invoke(args=["users", "set-password", "forgetful@example.com"])
    assert short.exit_code != 0 and "12 characters" in short.output
    unknown = runner.invoke(args=["users", "set-password", "ghost@example.com"])
    assert unknown.exit_code != 0 and "no account" in unknown.output
