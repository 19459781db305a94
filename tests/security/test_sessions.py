"""Sessions: safe cookie flags, a fresh session at log-in, and a log-out that really ends it."""

from __future__ import annotations

from http.cookies import SimpleCookie

from flask.testing import FlaskClient

from tests.support import PASSWORD, csrf_token, log_in, make_app, make_user, post_form

COOKIE = "session"


def _session_set_cookie(response) -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{COOKIE}=")]
    assert headers, "the response did not set the session cookie"
    return headers[-1]


def _attributes(set_cookie: str) -> dict[str, str]:
    parsed = SimpleCookie()
    parsed.load(set_cookie)
    morsel = parsed[COOKIE]
    return {key: morsel[key] for key in morsel if morsel[key]}


def _log_in_response(client: FlaskClient, email: str):
    return post_form(client, "/login", {"email": email, "password": PASSWORD})


def test_the_session_cookie_is_httponly_and_samesite_lax(app, client):
    make_user("learner@example.com")
    response = _log_in_response(client, "learner@example.com")
    assert response.status_code == 302
    attributes = _attributes(_session_set_cookie(response))
    assert attributes.get("httponly") is True
    assert attributes.get("samesite") == "Lax"
    assert "secure" not in attributes  # plain HTTP in development: Secure only when configured


def test_the_session_cookie_is_secure_when_configured(database_url, monkeypatch):
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    app = make_app(database_url)
    with app.app_context():
        client = app.test_client()
        page = client.get("/login", base_url="https://localhost")
        assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
        attributes = _attributes(_session_set_cookie(page))
        assert attributes.get("secure") is True
        assert attributes.get("httponly") is True


def test_log_in_starts_a_fresh_session(app, client):
    """Session fixation: nothing planted in the session before log-in survives it."""
    make_user("learner@example.com")
    token_before = csrf_token(client, "/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    response = _log_in_response(client, "learner@example.com")
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") is None  # the old CSRF secret went with it
        assert session.get("_user_id")
    assert csrf_token(client, "/") != token_before


def test_registration_starts_a_fresh_session(app, client):
    client.get("/register")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    password = "a long enough password"
    response = post_form(
        client,
        "/register",
        {"name": "New", "email": "new@example.com", "password": password, "confirm": password},
    )
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("_user_id")


def test_a_replayed_cookie_after_log_out_is_sent_to_log_in(app, client):
    make_user("learner@example.com")
    log_in(client, "learner@example.com")
    assert client.get("/progress").status_code == 200
    stolen = client.get_cookie(COOKIE)
    assert stolen is not None

    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302

    # The signed cookie is still valid as a signature; the token inside it is not.
    client.set_cookie(COOKIE, stolen.value, domain=stolen.domain)
    replay = client.get("/progress")
    assert replay.status_code == 302
    assert replay.headers["Location"].startswith("/login")

    thief = app.test_client()
    thief.set_cookie(COOKIE, stolen.value, domain=stolen.domain)
    assert thief.get("/progress").headers["Location"].startswith("/login")


def test_log_out_ends_the_users_other_sessions_too(app):
    make_user("learner@example.com")
    laptop, phone = app.test_client(), app.test_client()
    log_in(laptop, "learner@example.com")
    log_in(phone, "learner@example.com")
    assert phone.get("/progress").status_code == 200
    laptop.post("/logout", data={"csrf_token": csrf_token(laptop, "/")})
    assert phone.get("/progress").status_code == 302


def test_log_out_needs_a_post_with_a_csrf_token(app, client):
    make_user("learner@example.com")
    log_in(client, "learner@example.com")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/progress").status_code == 200  # still logged in


def test_a_tampered_cookie_is_anonymous(app, client):
    make_user("learner@example.com")
    log_in(client, "learner@example.com")
    cookie = client.get_cookie(COOKIE)
    client.set_cookie(COOKIE, cookie.value[:-2] + "xx", domain=cookie.domain)
    assert client.get("/progress").status_code == 302
