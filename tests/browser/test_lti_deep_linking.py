"""An LMS teacher adds one of our quizzes to their LMS course, from inside the LMS, by keyboard.

The LMS is tests/support/lti_platform.py on 127.0.0.1; its course page frames our login
URL on http://localhost (another site, as a school's LMS is). The teacher's deep-linking
launch goes the whole OIDC round trip in the frame, lands on the picker, and the answer
page's button posts the signed links back to the LMS, which records them.
"""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

import jwt
import pytest
from playwright.sync_api import FrameLocator, Locator, Page, expect

from tests.browser.actions import lesson_title
from tests.browser.live import LiveServer
from tests.browser.lti import as_lms_teacher, login_url
from tests.browser.test_lti_framing import framed_by_lms
from tests.support.lti_platform import DL, LTI

pytestmark = pytest.mark.browser

QUIZ_LESSON = "military-attaches"
MAX_TABS = 120


def tab_to(page: Page, target: Locator) -> None:
    """Press Tab until `target` has the focus (as a keyboard user moves through the page)."""
    for _ in range(MAX_TABS):
        if target.evaluate("el => el === document.activeElement && document.hasFocus()"):
            return
        page.keyboard.press("Tab")
    pytest.fail(f"{target} never got the focus in {MAX_TABS} presses of Tab")


def heading(frame: FrameLocator) -> Locator:
    return frame.get_by_role("heading", level=1)


def our_signature_checked(live: LiveServer, token: str, audience: str) -> dict[str, Any]:
    """Verify the answer as the LMS does: against the keys our /lti/jwks publishes."""
    with urllib.request.urlopen(live("/lti/jwks"), timeout=10) as response:
        keys = json.load(response)["keys"]
    kid = jwt.get_unverified_header(token)["kid"]
    (key,) = [jwt.PyJWK(found).key for found in keys if found["kid"] == kid]
    return jwt.decode(token, key, algorithms=["RS256"], audience=audience)


def test_an_lms_teacher_adds_a_quiz_from_inside_the_lms_by_keyboard(
    live_server: LiveServer, browser, lms
) -> None:
    quiz = f"Quiz: {lesson_title(live_server, QUIZ_LESSON)}"
    as_lms_teacher(lms, name="Lin Teacher")
    context = browser.new_context()
    page = context.new_page()

    # In the LMS course, the teacher adds an activity from our tool: the LMS frames our login.
    page.goto(framed_by_lms(lms, login_url(live_server, lms, host="localhost")))
    frame = page.frame_locator("iframe[title=Tool]")
    expect(heading(frame)).to_have_text("Add to your LMS course")

    # Keyboard only: Tab to the quiz's checkbox, Space, Tab to the button, Enter.
    checkbox = frame.get_by_role("checkbox", name=quiz, exact=True)
    tab_to(page, checkbox)
    page.keyboard.press("Space")
    expect(checkbox).to_be_checked()
    tab_to(page, frame.get_by_role("button", name="Continue"))
    page.keyboard.press("Enter")

    # The answer page says what goes to the LMS; its button posts it there.
    expect(heading(frame)).to_have_text("Ready to add")
    expect(frame.locator("main li")).to_have_text([quiz])
    tab_to(page, frame.get_by_role("button", name="Add to the course"))
    page.keyboard.press("Enter")
    expect(heading(frame)).to_have_text("Added to the LMS course")

    # The LMS received one signed link to the quiz, with a gradebook column out of 100.
    (token,) = lms.deep_link_answers
    answer = our_signature_checked(live_server, token, lms.issuer)
    assert answer[LTI + "message_type"] == "LtiDeepLinkingResponse"
    (item,) = answer[DL + "content_items"]
    assert item["type"] == "ltiResourceLink" and item["title"] == quiz
    assert item["custom"] == {"target": f"quiz:{QUIZ_LESSON}"}
    assert re.fullmatch(r"http://localhost:\d+/lti/launch", item["url"]), item["url"]
    assert item["lineItem"]["scoreMaximum"] == 100
    context.close()
