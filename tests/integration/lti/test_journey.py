"""One LMS course from end to end: a teacher adds our quiz, a learner's score lands in the LMS.

The LMS is our in-test platform (tests/support/lti_platform.py: its keys, JWKS and
OIDC authorization endpoint) with its token, AGS and NRPS services on loopback
(tests/support/lti_services.py). The parts were built and tested one by one; this is
the story they make together:

1. the LMS teacher's deep-linking launch opens our picker, the teacher picks the first
   lesson's quiz, and we answer with a signed content item the LMS checks with our JWKS;
2. the LMS makes a resource link from that item (its custom target) and a gradebook
   column from its lineItem;
3. a learner launches that link (with the AGS and NRPS claims), lands on the lesson's
   quiz, takes it; the score is queued in the grade's own transaction;
4. `flask lti send-scores` sends it; the LMS holds the learner's score, and our
   instructor's gradebook says it was sent;
5. the instructor fetches the class list: a learner who never launched shows as not started.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import event, select

from app.auth.models import User
from app.extensions import db
from app.lti import keys
from app.lti.models import LtiContext, LtiGradeLink, LtiScoreOutbox
from app.quizzes.models import Attempt, LessonGrade
from app.timeutil import now_utc
from tests.support import csrf_token, quiz_fields, start_quiz
from tests.support.answers import form_answers
from tests.support.lti_deep_link import DL, LTI, returned_jwt, verify_with_jwks
from tests.support.lti_platform import DEEP_LINKING, INSTRUCTOR, LmsPlatform
from tests.support.lti_services import LmsServices, member

PICKER = "/lti/deep-link"


@pytest.fixture
def lms(app, course, lti_platform: LmsPlatform, instructor_client):
    """The school's LMS, registered by our instructor, with its services on loopback."""
    services = LmsServices(lti_platform.client_id).start()
    instructor = db.session.scalar(select(User).where(User.email == "teacher@example.com"))
    registration_id = lti_platform.register(
        created_by_id=instructor.id, token_url=services.token_url
    )
    services.trust(keys.public_jwks())  # the LMS admin pasted our JWKS URL
    try:
        yield SimpleNamespace(
            platform=lti_platform, services=services, registration_id=registration_id
        )
    finally:
        services.stop()


@dataclass(frozen=True)
class ResourceLink:
    """What the LMS keeps of a deep-linked item: the link to launch and its gradebook column."""

    title: str
    custom: dict[str, str]
    lineitem: str | None


def lms_adds_to_its_course(item: dict[str, Any], services: LmsServices) -> ResourceLink:
    """The LMS makes a resource link from a returned content item, and a column for its lineItem."""
    assert item["type"] == "ltiResourceLink"
    column = None
    if "lineItem" in item:
        column = services.lineitem_url(item["lineItem"]["resourceId"].replace(":", "-"))
    return ResourceLink(item["title"], item["custom"], column)


@contextmanager
def transactions() -> Iterator[list[list[str]]]:
    """Record each committed transaction's statements (per connection), in commit order."""
    committed: list[list[str]] = []
    open_work: dict[int, list[str]] = {}

    def on_execute(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        open_work.setdefault(id(conn), []).append(" ".join(statement.split()))

    def on_commit(conn: Any) -> None:
        committed.append(open_work.pop(id(conn), []))

    def on_rollback(conn: Any) -> None:
        open_work.pop(id(conn), None)

    listeners = (("before_cursor_execute", on_execute), ("commit", on_commit),
                 ("rollback", on_rollback))  # fmt: skip
    for name, listener in listeners:
        event.listen(db.engine, name, listener)
    try:
        yield committed
    finally:
        for name, listener in listeners:
            event.remove(db.engine, name, listener)


def learner_row(page: str, name: str) -> str:
    """The gradebook row of the learner with this name (up to the end of the row)."""
    start = page.index(f">{name}</a>")
    return page[start : page.find("</tr>", start)]


def test_a_deep_linked_quiz_from_the_teachers_pick_to_the_lms_gradebook(
    app, lms, instructor_client, runner
):
    platform, services = lms.platform, lms.services

    # 1. The LMS teacher adds content: a deep-linking launch opens our picker.
    teacher = app.test_client()
    return_url = f"{platform.issuer}/deep-link-return?placement=week-1"
    arrived = platform.launch(
        teacher, sub="lms-teacher-1", name="Tess Teacher", roles=(INSTRUCTOR,),
        message_type=DEEP_LINKING, deep_link_return_url=return_url,
    )  # fmt: skip
    assert arrived.status_code == 302 and arrived.headers["Location"].endswith(PICKER)
    picker = teacher.get(PICKER).get_data(as_text=True)
    assert 'value="quiz:first-lesson"' in picker

    answer = teacher.post(
        PICKER, data={"targets": "quiz:first-lesson", "csrf_token": csrf_token(teacher, PICKER)}
    )
    action, token = returned_jwt(answer.get_data(as_text=True))
    assert action == return_url

    # The LMS checks our signature with our JWKS and reads the one item.
    response = verify_with_jwks(teacher, token, platform.issuer)
    assert response[LTI + "message_type"] == "LtiDeepLinkingResponse"
    assert response[LTI + "deployment_id"] == platform.deployment_id
    (item,) = response[DL + "content_items"]
    assert item["custom"] == {"target": "quiz:first-lesson"}
    assert item["lineItem"]["scoreMaximum"] == 100.0

    # 2. The LMS makes the link and its gradebook column.
    link = lms_adds_to_its_course(item, services)
    assert link.lineitem == services.lineitem_url("quiz-first-lesson")

    # 3. A learner opens the link: a resource-link launch with the AGS and NRPS claims.
    learner = app.test_client()
    landed = platform.launch(
        learner, sub="lms-learner-1", name="Lin Learner", target=link.custom["target"],
        lineitem=link.lineitem, memberships_url=services.memberships_url(),
    )  # fmt: skip
    assert landed.status_code == 302
    assert landed.headers["Location"].endswith("/lessons/first-lesson#quiz-heading")
    lesson = learner.get("/lessons/first-lesson").get_data(as_text=True)
    assert 'id="quiz-heading"' in lesson and "Log out" in lesson
    assert "Lin Learner" in learner.get("/account").get_data(as_text=True)
    link_row = db.session.scalar(select(LtiGradeLink))
    assert (link_row.lineitem_url, link_row.subject) == (link.lineitem, "lms-learner-1")

    quiz = start_quiz(learner, "first-lesson")
    attempt = db.session.get(Attempt, int(quiz.rsplit("/", 1)[1]))
    answers = form_answers(attempt, right=True)
    db.session.rollback()
    with transactions() as committed:
        submitted = learner.post(quiz + "/submit", data={**quiz_fields(learner, quiz), **answers})
    assert submitted.status_code == 302

    # The score waits in the outbox, written in the very transaction that stored the grade.
    grade = db.session.scalar(select(LessonGrade).where(LessonGrade.user_id == link_row.user_id))
    assert grade.score == grade.max_score > 0
    (row,) = db.session.scalars(select(LtiScoreOutbox)).all()
    assert (row.status, row.score_given, row.score_maximum) == (
        "pending", grade.score, grade.max_score,
    )  # fmt: skip
    (grading,) = [work for work in committed if any("INSERT INTO lesson_grades" in s for s in work)]
    assert any(s.startswith("INSERT INTO lti_score_outbox") for s in grading)
    assert services.scores == []  # the submit itself sent nothing

    # 4. Cron runs the sender; the LMS receives the learner's score.
    sent = runner.invoke(args=["lti", "send-scores"])

    assert sent.exit_code == 0, sent.output
    assert "1 sent" in sent.output
    (received,) = services.scores
    assert received.lineitem == link.lineitem
    timestamp = received.body.pop("timestamp")
    assert received.body == {
        "userId": "lms-learner-1",
        "scoreGiven": grade.score,
        "scoreMaximum": grade.max_score,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
    }
    stamp = datetime.fromisoformat(timestamp)
    assert stamp.utcoffset() == timedelta(0) and abs(now_utc() - stamp) < timedelta(minutes=1)

    gradebook = instructor_client.get("/instructor/gradebook").get_data(as_text=True)
    assert re.search(r"LMS score:\s*sent <time", learner_row(gradebook, "Lin Learner"))

    # 5. The class list: one learner of the LMS course never opened our course.
    services.members = [
        member("lms-learner-1", "Lin Learner"),
        member("lms-learner-2", "Nia Never"),
        member("lms-teacher-1", "Tess Teacher", roles=(INSTRUCTOR,)),
    ]
    context = db.session.scalar(select(LtiContext))
    assert context.memberships_url == services.memberships_url()  # from the learner's launch
    token = csrf_token(instructor_client, "/instructor/gradebook")
    fetched = instructor_client.post(
        "/instructor/gradebook/roster", data={"context": str(context.id), "csrf_token": token}
    )
    page = instructor_client.get(fetched.headers["Location"]).get_data(as_text=True)
    assert "The LMS lists 2 learners; 1 new here." in page

    not_started = instructor_client.get("/instructor/gradebook?show=not-started")
    listed = not_started.get_data(as_text=True)
    assert ">Nia Never</a>" in listed
    assert ">Lin Learner</a>" not in listed and "Tess Teacher" not in listed


def test_a_grade_from_before_the_lms_column_existed_is_sent_on_the_first_launch_of_it(
    app, lms, runner
):
    platform, services = lms.platform, lms.services
    # The learner opened the lesson from the LMS and took its quiz: no column for it yet.
    learner = app.test_client()
    platform.launch(learner, sub="lms-early-1", name="Eli Early", target="lesson:first-lesson")
    quiz = start_quiz(learner, "first-lesson")
    answers = form_answers(db.session.get(Attempt, int(quiz.rsplit("/", 1)[1])), right=True)
    db.session.rollback()
    learner.post(quiz + "/submit", data={**quiz_fields(learner, quiz), **answers})
    assert db.session.scalar(select(LtiScoreOutbox.id)) is None  # nowhere to send it

    # Later the teacher deep-links the quiz; the learner opens the new link once, twice.
    column = services.lineitem_url("quiz-first-lesson")
    for _ in range(2):
        landed = platform.launch(
            learner, sub="lms-early-1", target="quiz:first-lesson", lineitem=column
        )
        assert landed.status_code == 302

    # The grade they already have goes to the new column, once.
    grade = db.session.scalar(select(LessonGrade))
    (row,) = db.session.scalars(select(LtiScoreOutbox)).all()
    assert (row.status, row.score_given, row.score_maximum) == (
        "pending", grade.score, grade.max_score,
    )  # fmt: skip
    assert runner.invoke(args=["lti", "send-scores"]).exit_code == 0
    (received,) = services.scores
    assert received.lineitem == column and received.body["scoreGiven"] == grade.score > 0
