"""What an LMS sends is text, shown escaped wherever it appears, never run.

The payload corpus (xss_payloads.txt) arrives the ways an LMS can put text in our pages:
learners' names in launch claims (`name`, or `given_name` and `family_name`), LMS course
titles (the context claim), class-list members' names (NRPS), the text an LMS answered
a score with (kept as the outbox's `last_error`), and a deep-linking request's return
address. Each page that shows them — the gradebook, the learners' pages, the
LMS learner's own account page, the deep-linking picker and its answer page — is read
as a browser would (tests/security/pages.py), and the markers must reach the pages, so
a path that silently dropped the text would not pass.
"""

from __future__ import annotations

import math
import urllib.parse
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.auth.services import clean_name, name_problem
from app.database import unit_of_work
from app.extensions import db
from app.lti import keys
from app.lti.sending import trim_error
from tests.security.pages import tags_of
from tests.security.test_xss import PAYLOADS, assert_clean, marker, one_line
from tests.support import csrf_token, make_user
from tests.support.lti_platform import DEEP_LINKING, INSTRUCTOR, LTI
from tests.support.lti_scores import score_in_outbox
from tests.support.lti_services import LmsServices, member

PER_PAGE = 50  # learners on a gradebook page


@pytest.fixture
def lms(app, course, lti_platform):
    services = LmsServices(lti_platform.client_id, page_size=500).start()
    registration_id = lti_platform.register(token_url=services.token_url)
    services.trust(keys.public_jwks())
    try:
        yield SimpleNamespace(platform=lti_platform, services=services, id=registration_id)
    finally:
        services.stop()


def _claimed(n: int) -> dict[str, str | None]:
    """The payload as an LMS names a learner: in `name`, or in given and family name."""
    text = f"{marker(n)} {one_line(PAYLOADS[n])}"[:80]
    if n % 2:
        return {"name": text}
    return {"name": None, "given_name": text[:40], "family_name": text[40:]}


def _name(n: int) -> str | None:
    """The name the launch keeps (None: our name rule refuses it, they become "Learner")."""
    claimed = _claimed(n)
    parts = [claimed.get("given_name") or "", claimed.get("family_name") or ""]
    name = claimed["name"] or " ".join(p.strip() for p in parts if p.strip())
    return clean_name(name) if name_problem(name) is None else None


def _launch_learners(app, lms) -> dict[str, object]:
    """Every payload launches as a learner: in `name`, or split in given and family name,
    from an LMS course whose title carries it too. Their logged-in clients, by marker."""
    clients = {}
    for n, payload in enumerate(PAYLOADS):
        client = app.test_client()
        response = lms.platform.launch(
            client,
            sub=f"xss-learner-{n}",
            target="course",
            memberships_url=lms.services.memberships_url(f"course-{n}"),
            **_claimed(n),
            **{LTI + "context": {"id": f"course-{n}", "title": f"title-{n:03d} {payload}"}},
        )
        assert response.status_code == 302, (n, response.status_code)
        clients[marker(n)] = client
    return clients


def _gradebook(instructor) -> str:
    learners = db.session.scalar(select(func.count()).select_from(User))
    db.session.rollback()
    pages = math.ceil(learners / PER_PAGE)
    return "".join(
        instructor.get(f"/instructor/gradebook?page={page}").get_data(as_text=True)
        for page in range(1, pages + 1)
    )


def _scores_the_lms_refused(registration_id: int) -> list[str]:
    """A learner per payload whose score the LMS answered with it: failed, or waiting."""
    from app.course.models import Lesson

    marks = []
    with unit_of_work():
        lesson_id = db.session.scalar(select(Lesson.id).where(Lesson.slug == "first-lesson"))
        for n, payload in enumerate(PAYLOADS):
            user = make_user(f"outbox{n}@example.com", name=f"Outbox learner {n}")
            score_in_outbox(
                registration_id,
                user.id,
                lesson_id,
                subject=f"outbox-{n}",
                lineitem_url=f"https://lms.example/lineitems/{n}",
                status="failed" if n % 2 else "pending",
                tries=3,
                error=trim_error(f"error-{n:03d} {payload}"),
                score_given=50.0,
            )
            marks.append(f"error-{n:03d}")
    return marks


def test_names_course_titles_class_lists_and_lms_errors_through_the_gradebook(
    app, lms, instructor_client
):
    clients = _launch_learners(app, lms)
    named = [mark for n, mark in enumerate(clients) if _name(n) is not None]
    assert len(named) >= 50

    # The class list of one LMS course: every payload a member's name.
    lms.services.members = [
        member(f"roster-{n}", f"roster-{n:03d} {one_line(p)}"[:80]) for n, p in enumerate(PAYLOADS)
    ]
    first_course = _context_id("course-0")
    token = csrf_token(instructor_client, "/instructor/gradebook")
    fetched = instructor_client.post(
        "/instructor/gradebook/roster", data={"csrf_token": token, "context": str(first_course)}
    )
    assert fetched.status_code == 302
    roster_names = [
        f"roster-{n:03d}"
        for n, p in enumerate(PAYLOADS)
        if name_problem(clean_name(f"roster-{n:03d} {one_line(p)}"[:80])) is None
    ]
    assert len(roster_names) >= 50
    errors = _scores_the_lms_refused(lms.id)

    titles = [f"title-{n:03d}" for n in range(len(PAYLOADS))]
    page = _gradebook(instructor_client)
    assert_clean(page, "the gradebook", named + titles + roster_names + errors)

    for mark in named:
        user_id = db.session.scalar(select(User.id).where(User.name.startswith(mark + " ")))
        learner_page = instructor_client.get(f"/instructor/learners/{user_id}")
        assert_clean(learner_page.get_data(as_text=True), f"the learner page of {mark}", [mark])
    for mark in named[:30]:
        account = clients[mark].get("/account").get_data(as_text=True)
        assert_clean(account, f"the account page of {mark}", [mark])


def _context_id(context: str) -> int:
    from app.lti.models import LtiContext

    found = db.session.scalar(select(LtiContext.id).where(LtiContext.context_id == context))
    db.session.rollback()
    return found


def _answer_form_problems(page: str, return_url: str) -> list[str]:
    """Live markup on the answer page, but its one form (to the LMS's return address)."""
    from tests.security.pages import live_markup

    (form,) = [tag for tag in tags_of(page) if tag.name == "form" and tag.attrs.get("id")]
    assert form.attrs["id"] == "deep-link-return"
    assert form.attrs["action"] == return_url, "the answer goes elsewhere than the LMS asked"
    expected = f"line {form.line}: <form> element"
    return [problem for problem in live_markup(page) if problem != expected]


@pytest.mark.parametrize("n", range(0, len(PAYLOADS), 9))
def test_a_deep_linking_teacher_and_their_return_address(app, lms, n):
    """An LMS teacher named by the payload, whose request's return address carries
    it: the picker and the answer page show it as text (the address only in the form)."""
    payload = PAYLOADS[n]
    return_url = f"{lms.platform.issuer}/deep-link-return?state={urllib.parse.quote(payload)}"
    teacher = app.test_client()
    arrived = lms.platform.launch(
        teacher,
        sub=f"xss-teacher-{n}",
        roles=(INSTRUCTOR,),
        message_type=DEEP_LINKING,
        name=f"{marker(n)} {one_line(payload)}"[:80],
        deep_link_return_url=return_url,
    )
    assert arrived.headers["Location"].endswith("/lti/deep-link"), arrived.status_code
    picker = teacher.get("/lti/deep-link")
    assert picker.status_code == 200
    assert_clean(picker.get_data(as_text=True), "the deep-linking picker")
    if _name(n) is not None:
        account = teacher.get("/account").get_data(as_text=True)
        assert_clean(account, "the LMS teacher's account page", [marker(n)])

    token = csrf_token(teacher, "/lti/deep-link")
    answer = teacher.post("/lti/deep-link", data={"csrf_token": token, "targets": "course"})
    assert answer.status_code == 200
    problems = _answer_form_problems(answer.get_data(as_text=True), return_url)
    assert not problems, "the answer page:\n" + "\n".join(problems)
