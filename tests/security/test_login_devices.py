"""Nobody can lock a learner out: a browser that has logged in before keeps its own count.

OWASP's device cookies (app/auth/devices.py): the owner's browser is counted per
device; everyone else per account and per address. The limits are small and real
(tests/security/conftest.py: 3 failed log-ins a minute per account and per device,
8 per address) and the counts live in the test's database.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from app.auth.devices import COOKIE_PREFIX, cookie_name
from app.security import email_digest
from tests.support import PASSWORD, csrf_token, make_user, post_form

OWNER = "learner@example.com"
WRONG = "not the password!"


def _browser(app: Flask, address: str = "192.0.2.10") -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _log_in(client: FlaskClient, email: str, password: str = WRONG):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def _owners_known_browser(app: Flask, address: str = "192.0.2.10") -> FlaskClient:
    """The owner logs in once on their browser, then logs out: the browser is now known."""
    browser = _browser(app, address)
    assert _log_in(browser, OWNER, PASSWORD).status_code == 302
    assert post_form(browser, "/logout", {}, token_from="/").status_code == 302
    assert browser.get_cookie(cookie_name(email_digest(OWNER)), path="/login") is not None
    return browser


def test_an_attackers_failures_do_not_lock_out_the_owners_known_browser(limited_app):
    make_user(OWNER)
    owner = _owners_known_browser(limited_app)
    attacker = _browser(limited_app, "203.0.113.66")
    assert [_log_in(attacker, OWNER).status_code for _ in range(4)] == [200, 200, 200, 429]
    # The attacker stays limited, even once they guess right...
    assert _log_in(attacker, OWNER, PASSWORD).status_code == 429
    # ...and from a fresh browser at another address (the per-account count holds).
    assert _log_in(_browser(limited_app, "203.0.113.67"), OWNER, PASSWORD).status_code == 429
    # The owner's own browser logs in.
    assert _log_in(owner, OWNER, PASSWORD).status_code == 302


def test_sixty_one_failures_from_one_address_then_a_known_device_logs_in(make_limited_app):
    # A school behind one address: the default of 60 failed log-ins a minute per address;
    # the per-account limit is raised so that all 61 failures are real tries.
    app = make_limited_app(
        RATELIMIT_LOGIN_PER_ADDRESS="60 per minute", RATELIMIT_LOGIN="100 per minute"
    )
    school = "198.51.100.1"
    with app.app_context():
        make_user(OWNER)
        classmates = [f"pupil{n}@example.com" for n in range(4)]
        for email in classmates:
            make_user(email)
        owner = _owners_known_browser(app, school)
        mistyping = _browser(app, school)
        failures = [_log_in(mistyping, classmates[n % 4]).status_code for n in range(61)]
        assert failures == [200] * 60 + [429]
        # The address is throttled for browsers it has not seen, right password or not...
        assert _log_in(_browser(app, school), OWNER, PASSWORD).status_code == 429
        # ...but the owner's browser, which has logged in before, gets in.
        assert _log_in(owner, OWNER, PASSWORD).status_code == 302


def test_a_known_browser_is_limited_by_its_own_failures(limited_app):
    make_user(OWNER)
    owner = _owners_known_browser(limited_app)
    assert [_log_in(owner, OWNER).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert _log_in(owner, OWNER, PASSWORD).status_code == 429
    # Its failures were its own: another browser of the owner's is not held up by them.
    assert _log_in(_browser(limited_app, "192.0.2.11"), OWNER, PASSWORD).status_code == 302


def test_a_device_cookie_for_one_account_does_not_vouch_for_another(limited_app):
    make_user(OWNER)
    make_user("attacker@example.com")
    attacker = _browser(limited_app, "203.0.113.66")
    assert _log_in(attacker, "attacker@example.com", PASSWORD).status_code == 302
    assert post_form(attacker, "/logout", {}, token_from="/").status_code == 302
    # The attacker copies their own device cookie under the name the owner's would have.
    own = attacker.get_cookie(cookie_name(email_digest("attacker@example.com")), path="/login")
    attacker.set_cookie(cookie_name(email_digest(OWNER)), own.value, path="/login")
    statuses = [_log_in(attacker, OWNER).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert _log_in(attacker, OWNER, PASSWORD).status_code == 429


def test_a_forged_device_cookie_is_an_unknown_browser(limited_app):
    make_user(OWNER)
    owner = _owners_known_browser(limited_app)
    name = cookie_name(email_digest(OWNER))
    genuine = owner.get_cookie(name, path="/login").value
    forger = _browser(limited_app, "203.0.113.66")
    forger.set_cookie(name, genuine[:-2] + ("AA" if genuine[-2:] != "AA" else "BB"), path="/login")
    assert [_log_in(forger, OWNER).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert _log_in(owner, OWNER, PASSWORD).status_code == 302


def test_a_device_cookie_is_issued_on_log_in_only_and_kept_to_the_log_in_page(make_limited_app):
    app = make_limited_app(SESSION_COOKIE_SECURE=True, LOGIN_DEVICE_DAYS=30)
    with app.app_context():
        make_user(OWNER)
        browser = _browser(app)
        failed = _log_in(browser, OWNER)
        assert not any(COOKIE_PREFIX in h for h in failed.headers.getlist("Set-Cookie"))
        response = _log_in(browser, OWNER, PASSWORD)
        (cookie,) = [
            h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE_PREFIX)
        ]
        attributes = [part.strip() for part in cookie.split(";")]
        assert "HttpOnly" in attributes
        assert "SameSite=Lax" in attributes
        assert "Secure" in attributes
        assert "Path=/login" in attributes
        assert f"Max-Age={30 * 24 * 3600}" in attributes


def test_each_successful_log_in_renews_the_device_cookie(limited_app):
    make_user(OWNER)
    owner = _owners_known_browser(limited_app)
    name = cookie_name(email_digest(OWNER))
    first = owner.get_cookie(name, path="/login").value
    assert _log_in(owner, OWNER, PASSWORD).status_code == 302
    assert owner.get_cookie(name, path="/login").value != first


def test_the_browser_an_account_was_registered_on_is_known(limited_app):
    browser = _browser(limited_app)
    token = csrf_token(browser, "/register")
    form = {"name": "Owner", "email": OWNER, "password": PASSWORD, "confirm": PASSWORD}
    form["csrf_token"] = token
    assert browser.post("/register", data=form).status_code == 302
    assert post_form(browser, "/logout", {}, token_from="/").status_code == 302
    attacker = _browser(limited_app, "203.0.113.66")
    assert [_log_in(attacker, OWNER).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert _log_in(browser, OWNER, PASSWORD).status_code == 302
