"""A learner who came from the LMS adds a password log-in, then logs in without the LMS.

The launch is the real OIDC round trip with the LMS on loopback (tests/browser/lti.py);
the account it makes has no password, so the account page offers to add one.
"""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.actions import log_in
from tests.browser.live import LiveServer
from tests.browser.lti import login_url

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password from the LMS learner"


def test_an_lms_learner_adds_a_password_and_logs_in_without_the_lms(
    live_server: LiveServer, new_page, lms
) -> None:
    name, email = "Lin Passwordless", f"lin-{uuid.uuid4().hex[:8]}@example.com"
    lms.browser_claims = {
        "sub": f"learner-{uuid.uuid4().hex[:8]}",
        "name": name,
        "target": "course",
    }
    page = new_page()
    page.goto(login_url(live_server, lms))
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.get_by_role("link", name="Account").click()
    expect(page.get_by_text("Signed in through your learning platform.")).to_be_visible()
    expect(page.get_by_role("heading", name="Change your password")).to_have_count(0)
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the new password").fill(PASSWORD)
    page.get_by_role("button", name="Set up a password log-in").click()
    expect(
        page.get_by_text("You can now also log in with your email and password.")
    ).to_be_visible()
    expect(page.get_by_text(f"Signed in as {email}.")).to_be_visible()
    expect(page.get_by_role("heading", name="Change your password")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    log_in(page, live_server, email, PASSWORD)
    page.get_by_role("link", name="Account").click()
    expect(page.get_by_role("textbox", name="Your name")).to_have_value(name)
