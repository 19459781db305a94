"""The instructor's gradebook and the LMS: each learner's score passback, and the class list.

An instructor sees, beside each LMS learner, whether the score was sent (and when), is
waiting, or failed (with the LMS's answer), and can retry it now. A "Fetch the class
list from the LMS" button pulls the LMS course's roster (NRPS), so learners who never
launched the course show as not started; an LMS that fails gives a message, never a 500.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from app.auth.models import User
from app.database import unit_of_work
from app.extensions import db
from app.lti import keys
from app.lti.accounts import STAND_IN_NAME
from app.lti.models import LtiContext, LtiIdentity, LtiScoreOutbox
from app.lti.sending import send_scores
from tests.support import csrf_token, make_user
from tests.support.lti_scores import link_learner, outbox_rows, take_quiz
from tests.support.lti_services import INSTRUCTOR, LmsServices, member


@pytest.fixture
def lms(app, course, lti_platform):
    services = LmsServices(lti_platform.client_id).start()
    registration_id = lti_platform.register(token_url=services.token_url)
    services.trust(keys.public_jwks())
    try:
        yield SimpleNamespace(services=services, registration_id=registration_id)
    finally:
        services.stop()


def _linked(app, lms, email: str):
    client = app.test_client()
    return client, link_learner(client, email, lms.registration_id, lms.services.lineitem_url("q"))


def _learner_row(page: str, name: str) -> str:
    """The gradebook row of the learner with this name (up to the next row)."""
    start = page.index(f">{name}</a>")
    return page[start : page.find("</tr>", start)]


def _context(lms, title: str = "Military Diplomacy 101", context: str = "course-101") -> int:
    with unit_of_work():
        row = LtiContext(
            registration_id=lms.registration_id,
            context_id=context,
            title=title,
            memberships_url=lms.services.memberships_url(context),
        )
        db.session.add(row)
        db.session.flush()
        return row.id


def test_the_gradebook_shows_each_lms_learners_passback_and_retries_it_now(
    app, lms, instructor_client
):
    sent_client, _ = _linked(app, lms, "sent@example.com")
    waiting_client, _ = _linked(app, lms, "waiting@example.com")
    failed_client, failed_id = _linked(app, lms, "failed@example.com")
    for client in (sent_client, waiting_client, failed_client):
        take_quiz(client)
    assert send_scores().sent == 3
    take_quiz(waiting_client)
    take_quiz(failed_client)
    lms.services.mode = "down"
    assert send_scores().retried == 2
    with unit_of_work():  # the failed learner's score ran out of tries long ago
        newest = max(row.id for row in outbox_rows() if row.status == "pending")
        db.session.execute(
            update(LtiScoreOutbox).where(LtiScoreOutbox.id == newest).values(status="failed")
        )

    page = instructor_client.get("/instructor/gradebook").get_data(as_text=True)

    sent = _learner_row(page, "sent")
    assert re.search(r"LMS score:\s*sent <time", sent) and "Retry now" not in sent
    waiting = _learner_row(page, "waiting")
    assert "waiting to be sent" in waiting and "1 failed try" in waiting and "503" in waiting
    failed = _learner_row(page, "failed")
    assert "failed: " in failed and "503" in failed and "Retry now" in failed

    token = csrf_token(instructor_client, "/instructor/gradebook")
    response = instructor_client.post(
        f"/instructor/learners/{failed_id}/lti-scores/retry", data={"csrf_token": token}
    )
    assert response.status_code == 302
    lms.services.mode = "up"
    assert send_scores().sent == 1  # the failed one, now; the waiting one waits its minute
    page = instructor_client.get("/instructor/gradebook").get_data(as_text=True)
    assert re.search(r"LMS score:\s*sent <time", _learner_row(page, "failed"))


def test_the_gradebook_reads_the_lms_state_in_a_fixed_number_of_statements(
    app, lms, instructor_client, count_queries
):
    def gradebook_statements() -> int:
        with count_queries() as counter:
            assert instructor_client.get("/instructor/gradebook").status_code == 200
        return counter.count

    clients = [_linked(app, lms, f"learner{n}@example.com")[0] for n in range(2)]
    for client in clients:
        take_quiz(client)
    _context(lms)
    few = gradebook_statements()

    clients += [_linked(app, lms, f"more{n}@example.com")[0] for n in range(5)]
    for client in clients[2:]:
        take_quiz(client)
    send_scores()
    take_quiz(clients[0])  # one waiting again, the others sent
    _context(lms, "Another LMS course", "course-202")
    many = gradebook_statements()

    assert few == many, f"the gradebook grew with LMS learners: {few} → {many}"


def test_fetching_the_class_list_lists_learners_who_never_launched_as_not_started(
    app, lms, instructor_client
):
    make_user("taken@example.com")
    lms.services.members = [
        member("lms-1", "Grace Hopper", "grace@example.com"),
        member("lms-2", "Alan Turing", "Taken@example.com"),  # the email is someone else's
        member("lms-3", None),  # no name sent
        member("lms-4", "Teacher Person", roles=(INSTRUCTOR,)),
        member("lms-5", "Gone Learner", status="Inactive"),
    ]
    context_id = _context(lms)
    page = instructor_client.get("/instructor/gradebook").get_data(as_text=True)
    assert "Fetch the class list from the LMS" in page

    token = csrf_token(instructor_client, "/instructor/gradebook")
    response = instructor_client.post(
        "/instructor/gradebook/roster", data={"csrf_token": token, "context": str(context_id)}
    )
    assert response.status_code == 302
    page = instructor_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The LMS lists 3 learners; 3 new here." in page

    not_started = instructor_client.get("/instructor/gradebook?show=not-started")
    listed = not_started.get_data(as_text=True)
    for name in ("Grace Hopper", "Alan Turing", STAND_IN_NAME):
        assert f">{name}</a>" in listed
    assert "Teacher Person" not in listed and "Gone Learner" not in listed
    identities = {
        row.subject: row
        for row in db.session.scalars(select(LtiIdentity).order_by(LtiIdentity.subject))
    }
    assert set(identities) == {"lms-1", "lms-2", "lms-3"}
    assert all(identity.launched_at is None for identity in identities.values())
    grace, alan = (db.session.get(User, identities[s].user_id) for s in ("lms-1", "lms-2"))
    assert (grace.email, alan.email, grace.password_hash) == ("grace@example.com", None, "")
    assert db.session.get(LtiContext, context_id).roster_fetched_at is not None

    again = instructor_client.post(
        "/instructor/gradebook/roster", data={"csrf_token": token, "context": str(context_id)}
    )
    page = instructor_client.get(again.headers["Location"]).get_data(as_text=True)
    assert "3 new here" not in page and "0 new here" in page


def test_an_lms_that_fails_the_class_list_gives_a_message_not_an_error(app, lms, instructor_client):
    context_id = _context(lms)
    lms.services.mode = "down"
    token = csrf_token(instructor_client, "/instructor/gradebook")
    response = instructor_client.post(
        "/instructor/gradebook/roster", data={"csrf_token": token, "context": str(context_id)}
    )
    assert response.status_code == 302
    page = instructor_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The LMS did not send its class list" in page and "503" in page

    for bad in ("", "x", "999999", "1" * 40):
        response = instructor_client.post(
            "/instructor/gradebook/roster", data={"csrf_token": token, "context": bad}
        )
        assert response.status_code == 404, bad
    assert db.session.scalar(select(LtiIdentity.id)) is None
