"""An LMS on loopback for the browser suites, and the LTI pages it takes a launch to reach.

The LMS is tests/support/lti_platform.py: its authorization endpoint answers the tool's
login with a page that posts the signed id_token back, as Moodle or Canvas do, so these
helpers drive the real OIDC round trip in Chromium (login → platform → launch →
hand-off). Pages that a form post leads to (the deep-linking answer, the login's
new-window page) are reached the same way a browser reaches them.
"""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import quote

from playwright.sync_api import Page, expect

from tests.browser.live import PASSWORD, LiveServer
from tests.support.lti_platform import DEEP_LINKING, INSTRUCTOR, LmsPlatform

# Learners whose scores go to the LMS, shown on their way in the gradebook (its search).
LMS_LEARNERS = "Passback"


def login_url(live: LiveServer, lms: LmsPlatform, host: str = "127.0.0.1") -> str:
    """Our OIDC login initiation URL with the LMS's parameters, on `host`."""
    base = live("").replace("://127.0.0.1:", f"://{host}:")
    params = lms.login_params(target_link_uri=base + "/lti/launch")
    return f"{base}/lti/login?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())


def as_lms_teacher(lms: LmsPlatform, name: str = "Lin Teacher") -> None:
    """The LMS's next launch is a teacher's deep-linking request (a new LMS user each time)."""
    lms.browser_claims = {
        "sub": f"teacher-{uuid.uuid4().hex[:8]}",
        "name": name,
        "roles": [INSTRUCTOR],
        "message_type": DEEP_LINKING,
    }


def open_picker(page: Page, live: LiveServer, lms: LmsPlatform) -> None:
    """An LMS teacher's deep-linking launch, top-level: it ends at the picker."""
    as_lms_teacher(lms)
    page.goto(login_url(live, lms))
    page.wait_for_url(live("/lti/deep-link"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Add to your LMS course")


def reach_deep_link_answer(page: Page, live: LiveServer, lms: LmsPlatform) -> int:
    """Pick the first quiz in the picker and continue: the answer page; its HTTP status."""
    open_picker(page, live, lms)
    page.get_by_role("checkbox", name=re.compile(r"^Quiz: ")).first.check()
    with page.expect_response(lambda r: r.request.method == "POST") as answered:
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ready to add")
    return answered.value.status


def reach_login_new_window(page: Page, live: LiveServer, lms: LmsPlatform) -> int:
    """A launch whose state cookie the browser does not have: the 400 "open in a new
    window" page. The login's cookie went to another client (as Safari keeps no
    third-party cookie in the LMS's frame); the browser then follows the platform's page,
    which posts the id_token back."""
    lms.browser_claims = {"sub": f"learner-{uuid.uuid4().hex[:8]}", "target": "course"}
    params = lms.login_params(target_link_uri=live("/lti/launch"))
    login = live.app.test_client().get("/lti/login", query_string=params, base_url=live(""))
    assert login.status_code == 302, login.status_code
    with page.expect_response(live("/lti/launch")) as launched:
        page.goto(login.headers["Location"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Open the course in a new window")
    return launched.value.status


def add_lms_learners(live: LiveServer, lms: LmsPlatform) -> dict[str, Any]:
    """Three LMS learners whose scores were sent, wait (after a failed try) and failed, and
    an LMS course offering its class list; the gradebook's query that shows them."""
    from sqlalchemy import select

    from app.auth.services import create_user
    from app.course.models import Lesson
    from app.database import unit_of_work
    from app.extensions import db
    from app.lti.models import LtiContext, LtiRegistration
    from tests.support.lti_scores import score_in_outbox

    states = {
        "Ada": ("sent", 1, None),
        "Grace": ("pending", 1, "HTTP 503 from the LMS: Service Unavailable"),
        "Alan": ("failed", 8, "HTTP 401 from the LMS: the token was refused"),
    }
    with live.context(), unit_of_work():
        lesson_id = db.session.scalar(select(Lesson.id).order_by(Lesson.id).limit(1))
        registration_id = db.session.scalar(
            select(LtiRegistration.id).where(LtiRegistration.issuer == lms.issuer)
        )
        for first, (status, tries, error) in states.items():
            name = f"{first} {LMS_LEARNERS}"
            user = create_user(f"{first.lower()}.passback@example.com", PASSWORD, name=name)
            db.session.flush()
            score_in_outbox(
                registration_id,
                user.id,
                lesson_id,
                subject=f"lms-{first}",
                lineitem_url=f"{lms.issuer}/lineitems/{first}",
                status=status,
                tries=tries,
                error=error,
            )
        db.session.add(
            LtiContext(
                registration_id=registration_id,
                context_id="course-101",
                title="Military Diplomacy 101",
                memberships_url=f"{lms.issuer}/contexts/course-101/memberships",
            )
        )
    return {"q": LMS_LEARNERS}
