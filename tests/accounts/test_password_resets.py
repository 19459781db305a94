"""A forgotten password: the instructor makes a one-time link, the learner sets a new password."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.auth import resets
from app.auth.models import PasswordReset, User
from app.timeutil import as_utc, now_utc
from tests.support import PASSWORD, csrf_token, log_in, make_user, post_form
from tests.support.live import Session, live_gunicorn, released_together

NEW_PASSWORD = "a brand new passphrase"


def _issue(instructor_client, learner_id: int) -> str:
    """Press the learner page's reset button; return the link's path as shown once."""
    page_url = f"/instructor/learners/{learner_id}"
    response = post_form(instructor_client, f"{page_url}/password-reset", {}, token_from=page_url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    link = re.search(r'id="reset-link-text" type="text" readonly value="([^"]+)"', response.text)
    assert link, "the page does not show the link"
    return "/" + link.group(1).split("/", 3)[3]


def test_an_instructor_makes_a_link_and_the_learner_sets_a_new_password_once(
    instructor_client, client, learner, db
):
    path = _issue(instructor_client, learner.id)
    token = path.rsplit("/", 1)[1]
    stored = db.session.scalar(select(PasswordReset).where(PasswordReset.user_id == learner.id))
    # Only the token's SHA-256 is stored, never the token; it expires in 24 hours.
    assert stored.token_hash == resets.token_hash(token) and token not in stored.token_hash
    assert (
        timedelta(hours=23, minutes=59)
        < as_utc(stored.expires_at) - now_utc()
        <= timedelta(hours=24)
    )
    # The learner page shows it once: a reload shows no link.
    again = instructor_client.get(f"/instructor/learners/{learner.id}").get_data(as_text=True)
    assert token not in again

    elsewhere = client.application.test_client()  # the learner's phone, still logged in
    log_in(elsewhere, "learner@example.com")
    fresh = client.application.test_client()
    page = fresh.get(path)
    assert page.status_code == 200 and "Set a new password" in page.get_data(as_text=True)
    short = post_form(fresh, path, {"new_password": "short", "confirm": "short"})
    assert short.status_code == 200 and "at least 12 characters" in short.get_data(as_text=True)
    done = post_form(fresh, path, {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    # Every session of the account ended; the new password works, the old one does not.
    assert client.get("/account").status_code == 302
    assert elsewhere.get("/account").status_code == 302
    log_in(fresh, "learner@example.com", NEW_PASSWORD)
    refused = post_form(
        client.application.test_client(), "/login",
        {"email": "learner@example.com", "password": PASSWORD},
    )  # fmt: skip
    assert refused.status_code == 200
    # Used once: the link is gone.
    assert fresh.get(path).status_code == 404
    other = client.application.test_client()
    assert other.post(path, data={"csrf_token": csrf_token(other, "/login"),
                                  "new_password": "another passphrase!",
                                  "confirm": "another passphrase!"}).status_code == 404  # fmt: skip


def test_an_expired_an_unknown_or_a_replaced_link_is_refused(instructor_client, client, db):
    learner = make_user("forgetful@example.com")
    first = _issue(instructor_client, learner.id)
    second = _issue(instructor_client, learner.id)
    assert client.get(first).status_code == 404  # a newer link replaces it
    assert client.get(second).status_code == 200
    db.session.execute(
        PasswordReset.__table__.update().values(expires_at=now_utc() - timedelta(seconds=1))
    )
    db.session.commit()
    assert client.get(second).status_code == 404  # 24 hours have passed
    for bad in ("nothing-like-it", "x" * 5000, "%00"):
        assert client.get(f"/reset/{bad}").status_code == 404


def test_the_reset_button_is_an_instructors_and_names_a_learner(instructor_client, client, db):
    boss = make_user("boss@example.com", role="instructor")
    url = "/instructor/learners/{}/password-reset"
    token = csrf_token(instructor_client, "/instructor/gradebook")
    assert (
        instructor_client.post(url.format(boss.id), data={"csrf_token": token}).status_code == 404
    )
    assert instructor_client.post(url.format(boss.id)).status_code == 400  # no CSRF token
    assert db.session.scalar(select(PasswordReset)) is None


def test_wrong_tries_at_a_link_are_rate_limited_like_log_in(make_test_app, course):
    app = make_test_app(RATELIMIT_ENABLED=True, RATELIMIT_PASSWORD_CHANGE="3 per minute")
    with app.app_context():
        from app.extensions import db

        learner = make_user("limited@example.com")
        token = resets.issue_reset(learner.id)
        db.session.commit()
    client = app.test_client()
    path = f"/reset/{token}"
    statuses = [
        post_form(client, path, {"new_password": "short", "confirm": "short"}).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


@pytest.mark.slow
def test_ten_requests_using_one_link_at_once_set_the_password_once(database_url, course, db):
    learner = make_user("racer@example.com")
    token = resets.issue_reset(learner.id)
    db.session.commit()
    path = f"/reset/{token}"
    with live_gunicorn(database_url) as host:
        sessions = [Session(host) for _ in range(10)]
        forms = []
        for index, session in enumerate(sessions):
            password = f"racing passphrase {index:02d}"
            forms.append({"csrf_token": session.token(path), "new_password": password,
                          "confirm": password})  # fmt: skip

        def use(index: int) -> int:
            response, _ = sessions[index].request("POST", path, forms[index])
            return response.status

        statuses = released_together(10, use)
        assert sorted(statuses) == [302] + [404] * 9, statuses
        winner = statuses.index(302)
        db.session.expire_all()
        user = db.session.get(User, learner.id)
        from werkzeug.security import check_password_hash

        assert check_password_hash(user.password_hash, forms[winner]["new_password"])
        assert db.session.scalar(select(PasswordReset.used_at)) is not None
        Session(host).log_in("racer@example.com", forms[winner]["new_password"])


def test_guessing_links_from_one_address_is_rate_limited(make_test_app, course):
    app = make_test_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN_PER_ADDRESS="2 per minute")
    client = app.test_client()
    token = csrf_token(client, "/login")
    statuses = [
        client.post(f"/reset/guess-{n}", data={"csrf_token": token}).status_code for n in range(3)
    ]
    assert statuses == [404, 404, 429]
