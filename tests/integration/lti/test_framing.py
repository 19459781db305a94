"""An LMS frames our pages after a launch, and nobody else ever does.

Until the launch view exists, each story starts where it will hand over: `start(...)`
called in a request to /lti/launch, its cookie given to the learner's browser (a test
client). From then on every request is a real one through the app.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from app.extensions import db
from app.framing import FRAME_ORIGIN_KEY, parse_origin
from app.lti.models import LtiLaunchValue, LtiRegistration
from app.lti.sessions import (
    HANDOFF_KEY,
    HANDOFF_PREFIX,
    registration_frame_origin,
    start,
    token_digest,
)
from app.security import SECURITY_HEADERS, framing_headers
from app.timeutil import now_utc
from tests.security.test_headers import assert_security_headers
from tests.support import log_in, make_user, start_quiz

LMS = "https://lms.school.example"
LESSON = "/lessons/first-lesson"
COOKIE = "session"


def launch(
    app: Flask,
    browser: FlaskClient,
    user,
    destination: str = LESSON,
    origin: str = LMS,
    extra: dict[str, str] | None = None,
):
    """The launch view's last step: start the session; the browser keeps what it is sent."""
    with app.test_request_context("/lti/launch", method="POST"):
        response = app.process_response(start(user, destination, origin, extra))
    for header in response.headers.getlist("Set-Cookie"):
        # (http.cookies cannot read the Partitioned attribute: split it by hand)
        name, _, value = header.split(";", 1)[0].partition("=")
        browser.set_cookie(name, value)
    return response


def continue_url(response) -> str:
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/lti/continue/"), location
    return location


def cookie_attributes(response, name: str = COOKIE) -> dict[str, object]:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    assert headers, f"no {name} cookie set"
    parts = [part.strip() for part in headers[-1].split(";")[1:]]
    attributes: dict[str, object] = {}
    for part in parts:
        key, _, value = part.partition("=")
        attributes[key.lower()] = value or True
    return attributes


def assert_framed_by(response, origin: str) -> None:
    policy = response.headers["Content-Security-Policy"]
    assert policy.endswith(f"; frame-ancestors {origin}"), policy
    assert "'none'" not in policy.split("frame-ancestors", 1)[1]
    assert "X-Frame-Options" not in response.headers
    for name in ("X-Content-Type-Options", "Referrer-Policy", "Permissions-Policy"):
        assert response.headers[name] == SECURITY_HEADERS[name]


def logged_in_as(browser: FlaskClient) -> str | None:
    with browser.session_transaction() as session:
        return session.get("_user_id")


# --- the headers ---------------------------------------------------------------------------


def test_a_page_reached_through_a_launch_may_be_framed_by_that_lms_only(app, course):
    learner = make_user("ada@example.com")
    browser = app.test_client()
    browser.get(continue_url(launch(app, browser, learner)))

    lesson = browser.get(LESSON)
    assert lesson.status_code == 200
    assert_framed_by(lesson, LMS)
    quiz = browser.get(start_quiz(browser, "first-lesson"))
    assert quiz.status_code == 200
    assert_framed_by(quiz, LMS)
    assert_framed_by(browser.get("/lessons/no-such-lesson"), LMS)  # its 404 page too


def test_a_normal_session_and_no_session_stay_unframeable(app, course):
    make_user("bea@example.com")
    visitor, learner = app.test_client(), app.test_client()
    log_in(learner, "bea@example.com")
    for browser in (visitor, learner):
        for path in ("/", LESSON, "/login"):
            response = browser.get(path)
            assert_security_headers(response)  # frame-ancestors 'none', X-Frame-Options DENY


def test_logging_out_of_an_lti_session_ends_the_framing(app, course):
    learner = make_user("cy@example.com")
    browser = app.test_client()
    browser.get(continue_url(launch(app, browser, learner)))
    token = browser.get("/").get_data(as_text=True).split('name="csrf_token" type="hidden" value="')
    response = browser.post("/logout", data={"csrf_token": token[1].split('"')[0]})
    assert response.status_code == 302
    assert_security_headers(browser.get(LESSON))
    # The partitioned cookie is deleted (not left beside a new one under the same name),
    # and the rest of the session (the "logged out" message) is an ordinary cookie.
    set_cookies = response.headers.getlist("Set-Cookie")
    session_cookies = [h for h in set_cookies if h.startswith("session=")]
    deleted = session_cookies[0]
    assert len(session_cookies) == 2 and deleted.startswith("session=;")
    for attribute in ("Partitioned", "SameSite=None", "Secure", "Expires=Thu, 01 Jan 1970"):
        assert attribute in deleted, deleted
    replaced = cookie_attributes(response)
    assert replaced["samesite"] == "Lax" and "partitioned" not in replaced
    with browser.session_transaction() as session:
        assert "_user_id" not in session and FRAME_ORIGIN_KEY not in session
    make_user("cy.again@example.com")
    log_in(browser, "cy.again@example.com")  # the log-in form's token is read from the new one


HOSTILE_ORIGINS = [
    "https://lms.example; script-src *",
    "https://lms.example\r\nSet-Cookie: x=1",
    "https://lms.example 'unsafe-inline'",
    "https://lms.example/path",
    "https://user@lms.example",
    "*",
    "'self'",
    "javascript://lms.example",
    "https://lms.example:99999",
    "https://lms.example\n",
    ["https://lms.example"],
    "",
]


@pytest.mark.parametrize("hostile", HOSTILE_ORIGINS, ids=repr)
def test_a_bad_origin_in_the_session_never_reaches_a_header(app, course, hostile):
    """Whatever a session holds (a key leak, an old bug), only a valid origin is written."""
    browser = app.test_client()
    with browser.session_transaction() as session:
        session[FRAME_ORIGIN_KEY] = hostile
    response = browser.get(LESSON)
    assert response.status_code == 200
    assert_security_headers(response)
    assert "lms.example" not in str(response.headers)


@pytest.mark.parametrize("hostile", [h for h in HOSTILE_ORIGINS if isinstance(h, str)], ids=repr)
def test_a_launch_refuses_a_bad_origin(app, course, hostile):
    learner = make_user("dan@example.com")
    with app.test_request_context("/lti/launch", method="POST"), pytest.raises(ValueError):
        start(learner, LESSON, hostile)
    assert db.session.scalar(select(LtiLaunchValue.key)) is None


def test_origins_are_normalised_and_nothing_else_passes():
    assert parse_origin("HTTPS://LMS.School.Example:443") == "https://lms.school.example"
    assert parse_origin("http://127.0.0.1:8080") == "http://127.0.0.1:8080"
    assert parse_origin("https://[::1]:8443") == "https://[::1]:8443"
    assert framing_headers(None) == SECURITY_HEADERS
    framed = framing_headers("https://lms.school.example")
    assert "X-Frame-Options" not in framed
    assert framed["Content-Security-Policy"] == SECURITY_HEADERS["Content-Security-Policy"].replace(
        "frame-ancestors 'none'", "frame-ancestors https://lms.school.example"
    )


# --- the cookie ----------------------------------------------------------------------------


def test_an_lti_session_cookie_is_sent_inside_the_lms_frame(app, course):
    learner = make_user("eve@example.com")
    attributes = cookie_attributes(launch(app, app.test_client(), learner))
    assert attributes["samesite"] == "None"
    assert attributes["secure"] is True
    assert attributes["partitioned"] is True
    assert attributes["httponly"] is True


def test_other_session_cookies_stay_lax(app, course):
    make_user("fay@example.com")
    browser = app.test_client()
    response = browser.post(
        "/login",
        data={
            "email": "fay@example.com",
            "password": "correct horse battery staple",
            "csrf_token": browser.get("/login")
            .get_data(as_text=True)
            .split('name="csrf_token" type="hidden" value="')[1]
            .split('"')[0],
        },
    )
    attributes = cookie_attributes(response)
    assert attributes["samesite"] == "Lax"
    assert "secure" not in attributes and "partitioned" not in attributes


# --- the hand-off --------------------------------------------------------------------------


def test_a_launch_starts_a_fresh_session_with_its_markers(app, course):
    make_user("old@example.com")
    learner = make_user("gus@example.com")
    browser = app.test_client()
    log_in(browser, "old@example.com")
    with browser.session_transaction() as session:
        session["planted"] = "by someone else"
    launch(app, browser, learner, extra={"lti_registration": "7"})
    with browser.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == learner.session_token
        assert session[FRAME_ORIGIN_KEY] == LMS
        assert session["lti_registration"] == "7"
        assert session[HANDOFF_KEY]


@pytest.mark.parametrize("key", ["_user_id", "csrf_token", FRAME_ORIGIN_KEY, "_fresh"])
def test_extra_values_cannot_overwrite_the_session_s_own(app, course, key):
    learner = make_user("hal@example.com")
    with app.test_request_context("/lti/launch", method="POST"), pytest.raises(ValueError):
        start(learner, LESSON, LMS, extra={key: "x"})


@pytest.mark.parametrize("destination", ["https://evil.example/", "//evil.example", "lessons"])
def test_a_launch_goes_only_to_a_page_of_ours(app, course, destination):
    learner = make_user("ida@example.com")
    with app.test_request_context("/lti/launch", method="POST"), pytest.raises(ValueError):
        start(learner, destination, LMS)


def test_when_the_frame_keeps_our_cookie_the_learner_goes_straight_on(app, course):
    learner = make_user("jo@example.com")
    browser = app.test_client()
    url = continue_url(launch(app, browser, learner))
    response = browser.get(url)
    assert response.status_code == 302
    assert response.headers["Location"] == LESSON
    assert "Ada" not in response.get_data(as_text=True)
    with browser.session_transaction() as session:
        assert HANDOFF_KEY not in session
    assert logged_in_as(browser) == learner.session_token
    assert browser.get(url).status_code == 400  # claimed: the link is spent


def test_the_token_is_stored_only_as_its_digest(app, course):
    learner = make_user("kim@example.com")
    url = continue_url(launch(app, app.test_client(), learner))
    token = url.rsplit("/", 1)[1]
    assert len(token) >= 43
    keys = list(db.session.scalars(select(LtiLaunchValue.key)))
    db.session.rollback()
    assert keys == [HANDOFF_PREFIX + token_digest(token)]
    assert token not in keys[0]


def test_when_the_browser_blocked_our_cookie_it_offers_a_new_window(app, course):
    learner = make_user("lee@example.com")
    url = continue_url(launch(app, app.test_client(), learner))
    blocked = app.test_client()  # the frame that never got the cookie
    page = blocked.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Your browser blocked this page inside your course" in html
    assert f'href="{url}?window=new" target="_blank" rel="noopener"' in html
    assert_framed_by(page, LMS)  # shown inside the LMS's frame
    assert logged_in_as(blocked) is None

    window = app.test_client()  # the new window: first-party, a fresh cookie jar
    response = window.get(url + "?window=new")
    assert response.status_code == 302
    assert response.headers["Location"] == LESSON
    assert logged_in_as(window) == learner.session_token
    attributes = cookie_attributes(response)
    assert attributes["samesite"] == "Lax"  # not framed: the ordinary cookie
    lesson = window.get(LESSON)
    assert lesson.status_code == 200
    assert_security_headers(lesson)
    assert window.get("/account").status_code == 200


def test_a_used_token_is_refused_with_a_page_saying_to_launch_again(app, course):
    learner = make_user("max@example.com")
    url = continue_url(launch(app, app.test_client(), learner))
    assert app.test_client().get(url + "?window=new").status_code == 302
    again = app.test_client().get(url + "?window=new")
    assert again.status_code == 400
    assert "open the activity again from your course" in again.get_data(as_text=True)
    assert app.test_client().get(url).status_code == 400


def test_an_expired_token_is_refused(app, course):
    learner = make_user("ned@example.com")
    url = continue_url(launch(app, app.test_client(), learner))
    db.session.execute(update(LtiLaunchValue).values(expires_at=now_utc() - timedelta(seconds=1)))
    db.session.commit()
    for suffix in ("", "?window=new"):
        response = app.test_client().get(url + suffix)
        assert response.status_code == 400
        assert "expired" in response.get_data(as_text=True)
    # Read inside the LMS's frame (no cookie there): the LMS may frame the refusal.
    assert_framed_by(app.test_client().get(url), LMS)


@pytest.mark.parametrize("token", ["x", "A" * 43, "A" * 300, "%00"])
def test_an_unknown_token_is_refused(app, course, token):
    for suffix in ("", "?window=new"):
        assert app.test_client().get(f"/lti/continue/{token}{suffix}").status_code in (400, 404)


def test_a_claimed_token_cannot_make_anyone_else_that_learner(app, course):
    victim = make_user("ola@example.com")
    make_user("pat@example.com")
    frame = app.test_client()
    url = continue_url(launch(app, frame, victim))
    assert frame.get(url).status_code == 302  # the victim's frame claimed it

    for attacker in (app.test_client(), app.test_client()):
        with attacker.session_transaction() as session:
            session[HANDOFF_KEY] = token_digest(url.rsplit("/", 1)[1])  # even forging the marker
        assert attacker.get(url + "?window=new").status_code == 400
        assert attacker.get(url).status_code == 400
        assert logged_in_as(attacker) is None
        assert attacker.get("/account").status_code == 302
    other = app.test_client()
    log_in(other, "pat@example.com")
    assert other.get(url + "?window=new").status_code == 400
    with other.session_transaction() as session:
        assert session["_user_id"] != victim.session_token


def test_another_session_s_marker_does_not_claim_a_token(app, course):
    """A frame holding the marker of an older launch gets the new-window page, not the page."""
    learner = make_user("quin@example.com")
    frame = app.test_client()
    launch(app, frame, learner)  # an older launch's marker in this browser
    fresh_url = continue_url(launch(app, app.test_client(), learner))
    page = frame.get(fresh_url)
    assert page.status_code == 200
    assert "Open in a new window" in page.get_data(as_text=True)


def test_two_windows_racing_for_one_token_log_in_once(app, course):
    """The new-window link clicked twice at once: one request claims it, the other gets 400."""
    from tests.support.live import released_together

    learner = make_user("rae@example.com")
    url = continue_url(launch(app, app.test_client(), learner)) + "?window=new"
    db.session.remove()
    windows = [app.test_client() for _ in range(4)]

    def open_window(index: int) -> int:
        with app.app_context():
            try:
                return windows[index].get(url).status_code
            finally:
                db.session.remove()

    statuses = released_together(len(windows), open_window)
    assert sorted(statuses) == [302, 400, 400, 400]
    assert sum(logged_in_as(window) is not None for window in windows) == 1


@pytest.mark.parametrize(
    ("issuer", "frame_origin", "expected"),
    [
        ("https://canvas.instructure.com", "", "https://canvas.instructure.com"),
        (
            "https://canvas.instructure.com",
            "https://school.instructure.com/",
            "https://school.instructure.com",
        ),
        ("https://school.edu/moodle", "", "https://school.edu"),
        ("http://127.0.0.1:8081", "", "http://127.0.0.1:8081"),
    ],
)
def test_the_frame_origin_of_a_registration(issuer, frame_origin, expected):
    registration = LtiRegistration(issuer=issuer, frame_origin=frame_origin)
    assert registration_frame_origin(registration) == expected


def test_a_registration_without_an_origin_is_refused():
    with pytest.raises(ValueError):
        registration_frame_origin(LtiRegistration(issuer="not a url", frame_origin=""))
