"""An LMS frames the course after a launch; without one, no site can frame it.

The LMS is tests/support/lti_platform.py on 127.0.0.1; the app is opened as
http://localhost:<port>, another site, so the frame is a cross-site (third-party) one
as in a school's LMS. Chromium enforces the headers: `frame-ancestors` and the
cookie's `SameSite=None; Secure; Partitioned` (accepted on http://localhost).

Until the launch view (/lti/launch) is merged, the session a launch starts is made by
`app.lti.sessions.start` itself, in the test, and its cookie put in the browser;
`test_a_real_launch_inside_the_lms_frame` drives the whole OIDC round trip once it is.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from tests.browser.actions import lesson_title
from tests.browser.live import PASSWORD, LiveServer

pytestmark = pytest.mark.browser

SLUG = "case-studies"


@pytest.fixture
def lms() -> Iterator[Any]:
    from tests.support.lti_platform import LmsPlatform

    platform = LmsPlatform().start()
    yield platform
    platform.stop()


def localhost(live: LiveServer, path: str) -> str:
    """The app's URL on another site than the LMS's 127.0.0.1."""
    return live(path).replace("://127.0.0.1:", "://localhost:")


def framed_by_lms(lms, url: str) -> str:
    return f"{lms.issuer}/course?src={quote(url, safe='')}"


def new_learner(live: LiveServer) -> int:
    from app.auth.services import create_user
    from app.extensions import db

    with live.context():
        user = create_user(f"lti-{uuid.uuid4().hex[:8]}@example.com", PASSWORD)
        db.session.commit()
        return user.id


def started_session(live: LiveServer, user_id: int, origin: str) -> dict[str, str]:
    """What a launch answers at its end (`start`): the redirect to the hand-off, the cookie."""
    from app.auth.models import User
    from app.extensions import db
    from app.lti.sessions import start

    with live.context():
        user = db.session.get(User, user_id)
        with live.app.test_request_context("/lti/launch", method="POST"):
            response = live.app.process_response(start(user, f"/lessons/{SLUG}", origin))
    assert response.status_code == 302
    return dict(response.headers)


@contextmanager
def launch_answered_with(live: LiveServer, headers: dict[str, str]) -> Iterator[str]:
    """Serve what `start` answered, on another port of localhost, until the block ends.

    The launch view is not merged yet. Cookies ignore ports: the browser files the
    cookie under localhost (partitioned by the LMS's site) exactly as it would from the
    app's own launch, and sends it to the app's port. Yields the URL to frame.
    """
    answer = {
        "Location": localhost(live, headers["Location"]),
        "Set-Cookie": headers["Set-Cookie"],
        "Content-Length": "0",
    }

    def wsgi(environ, start_response):
        start_response("302 Found", list(answer.items()))
        return [b""]

    server = make_server("127.0.0.1", 0, wsgi, threaded=True)  # Chromium preconnects
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_port}/lti/launch"
    finally:
        server.shutdown()
        server.server_close()


def frame_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text))
    return errors


def test_after_a_launch_the_lesson_and_the_quiz_render_inside_the_lms_frame(
    live_server: LiveServer, browser, lms
) -> None:
    headers = started_session(live_server, new_learner(live_server), lms.issuer)
    cookie = headers["Set-Cookie"]
    assert "SameSite=None" in cookie and "Secure" in cookie and "Partitioned" in cookie
    context = browser.new_context()
    page = context.new_page()
    errors = frame_errors(page)
    with launch_answered_with(live_server, headers) as launch:
        page.goto(framed_by_lms(lms, launch))
    frame = page.frame_locator("iframe[title=Tool]")
    title = lesson_title(live_server, SLUG)
    expect(frame.get_by_role("heading", level=1)).to_have_text(title)
    expect(frame.get_by_role("link", name="My progress")).to_be_visible()  # logged in

    frame.get_by_role("button", name="Take the quiz").click()
    expect(frame.locator("main form fieldset > legend").first).to_contain_text("Question 1 of")
    assert [e for e in errors if "frame-ancestors" in e or "blocked" in e] == []
    # Chromium kept the cookie set inside the cross-site frame over http://localhost:
    # Secure, SameSite=None and partitioned under the LMS's site.
    sessions = [c for c in context.cookies() if c["name"] == "session"]
    assert len(sessions) == 1, sessions
    assert sessions[0]["sameSite"] == "None" and sessions[0]["secure"] is True
    assert sessions[0].get("partitionKey") == "http://127.0.0.1", sessions[0]
    context.close()


def test_without_a_launch_the_same_page_refuses_to_be_framed(
    live_server: LiveServer, browser, lms
) -> None:
    context = browser.new_context()
    page = context.new_page()
    url = localhost(live_server, f"/lessons/{SLUG}")
    with page.expect_console_message(lambda m: "frame-ancestors 'none'" in m.text) as refused:
        page.goto(framed_by_lms(lms, url))
    assert "blocked" in refused.value.text.lower(), refused.value.text
    frame = page.frame_locator("iframe[title=Tool]")
    expect(frame.get_by_role("heading", name=lesson_title(live_server, SLUG))).to_have_count(0)
    # Opened on its own, the page is there: only framing is refused.
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text(lesson_title(live_server, SLUG))
    context.close()


def test_when_the_frame_gets_no_cookie_the_learner_continues_in_a_new_window(
    live_server: LiveServer, browser, lms
) -> None:
    handoff = started_session(live_server, new_learner(live_server), lms.issuer)["Location"]
    context = browser.new_context()  # the launch's cookie never reached this browser
    page = context.new_page()
    page.goto(framed_by_lms(lms, localhost(live_server, handoff)))
    frame = page.frame_locator("iframe[title=Tool]")
    expect(frame.get_by_text("Your browser blocked this page inside your course")).to_be_visible()
    with page.expect_popup() as popup:
        frame.get_by_role("link", name="Open in a new window").click()
    window = popup.value
    window.wait_for_load_state()
    expect(window).to_have_url(re.compile(rf"/lessons/{SLUG}$"))
    expect(window.get_by_role("heading", level=1)).to_have_text(lesson_title(live_server, SLUG))
    expect(window.get_by_role("link", name="My progress")).to_be_visible()
    # The link was used: it cannot log anyone else in.
    again = context.browser.new_context().new_page()
    response = again.goto(localhost(live_server, handoff) + "?window=new")
    assert response is not None and response.status == 400
    again.context.close()
    context.close()


def test_a_real_launch_inside_the_lms_frame(live_server: LiveServer, browser, lms) -> None:
    """The LMS page frames our login URL; the platform posts the id_token back; the lesson."""
    with live_server.context():
        lms.register()
    lms.browser_claims = {"sub": f"learner-{uuid.uuid4().hex[:6]}", "target": f"lesson:{SLUG}"}
    params = lms.login_params(target_link_uri=localhost(live_server, "/lti/launch"))
    login = (
        localhost(live_server, "/lti/login")
        + "?"
        + "&".join(f"{key}={quote(value, safe='')}" for key, value in params.items())
    )
    context = browser.new_context()
    page = context.new_page()
    page.goto(framed_by_lms(lms, login))
    frame = page.frame_locator("iframe[title=Tool]")
    expect(frame.get_by_role("heading", level=1)).to_have_text(lesson_title(live_server, SLUG))
    frame.get_by_role("button", name="Take the quiz").click()
    expect(frame.locator("main form fieldset > legend").first).to_contain_text("Question 1 of")
    context.close()
