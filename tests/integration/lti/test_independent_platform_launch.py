"""lti1p3platform drives the whole journey: its launches, its deep linking, its AGS.

tests/integration/lti/test_independent_platform.py has the package judge our deep-linking
response alone; here its OIDC login, its signed launches (resource link and deep
linking) go through our real /lti/login and /lti/launch, and a quiz score sent by
`flask lti send-scores` arrives at its own score handling (token and all).
"""

from __future__ import annotations

import urllib.parse
from datetime import datetime, timedelta

import pytest
import requests
from sqlalchemy import select

from app.extensions import db
from app.lti.models import LtiScoreOutbox
from app.quizzes.models import Attempt, LessonGrade
from app.timeutil import now_utc
from tests.support import csrf_token, quiz_fields, start_quiz
from tests.support.answers import form_answers
from tests.support.independent_platform import (
    INSTRUCTOR,
    LEARNER,
    IndependentPlatform,
    PlannedLaunch,
)
from tests.support.lti_deep_link import returned_jwt


@pytest.fixture
def independent(app, client, course):
    platform = IndependentPlatform(tool=client).start()
    platform.register()
    try:
        yield platform
    finally:
        platform.stop()


def path_of(response) -> str:
    return urllib.parse.urlsplit(response.request.url).path


def test_a_learner_launched_by_lti1p3platform_lands_on_the_lesson(app, client, independent):
    plan = PlannedLaunch(
        "learner-1",
        [LEARNER],
        name="Ada Learner",
        resource_link_id="rl-lesson",
        custom={"target": "lesson:second-lesson"},
    )

    response = independent.launch(client, plan)
    page = client.get(response.headers["Location"], follow_redirects=True)

    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    assert path_of(page) == "/lessons/second-lesson"
    assert "Second Lesson" in page.get_data(as_text=True)
    assert "Ada Learner" in client.get("/account").get_data(as_text=True)


def teacher_adds_the_quiz(client, independent) -> dict:
    """The LMS teacher deep-links the first lesson's quiz; the content item the LMS keeps."""
    plan = PlannedLaunch("teacher-1", [INSTRUCTOR], name="Tess Teacher", deep_link_data={"c": 1})
    response = independent.launch(client, plan)
    picker = client.get(response.headers["Location"], follow_redirects=True)
    assert path_of(picker) == "/lti/deep-link", picker.get_data(as_text=True)[:500]
    token = csrf_token(client, "/lti/deep-link")
    page = client.post("/lti/deep-link", data={"targets": "quiz:first-lesson", "csrf_token": token})
    action, jwt_value = returned_jwt(page.get_data(as_text=True))
    accepted = requests.post(action, data={"JWT": jwt_value}, timeout=10)
    assert accepted.status_code == 200, accepted.text
    (items,) = independent.deep_link_returns
    (item,) = items
    return item


def test_deep_linking_through_the_launch_then_a_learner_opens_the_quiz(app, client, independent):
    item = teacher_adds_the_quiz(client, independent)
    assert item["custom"] == {"target": "quiz:first-lesson"}
    (column,) = independent.line_items.values()

    learner = app.test_client()
    plan = PlannedLaunch(
        "learner-2",
        [LEARNER],
        name="Bo Learner",
        resource_link_id="rl-quiz",
        custom=item["custom"],
        lineitem_url=column["id"],
    )
    response = independent.launch(learner, plan)
    page = learner.get(response.headers["Location"], follow_redirects=True)

    assert path_of(page) == "/lessons/first-lesson"
    assert 'id="quiz-heading"' in page.get_data(as_text=True)


def test_a_quiz_score_reaches_lti1p3platform(app, client, runner, independent):
    item = teacher_adds_the_quiz(client, independent)
    (column,) = independent.line_items.values()
    learner = app.test_client()
    plan = PlannedLaunch(
        "learner-3",
        [LEARNER],
        name="Cy Learner",
        resource_link_id="rl-quiz",
        custom=item["custom"],
        lineitem_url=column["id"],
    )
    response = independent.launch(learner, plan)
    learner.get(response.headers["Location"], follow_redirects=True)
    quiz = start_quiz(learner, "first-lesson")
    answers = form_answers(db.session.get(Attempt, int(quiz.rsplit("/", 1)[1])), right=True)
    db.session.rollback()
    submitted = learner.post(quiz + "/submit", data={**quiz_fields(learner, quiz), **answers})
    assert submitted.status_code == 302
    (queued,) = db.session.scalars(select(LtiScoreOutbox)).all()
    grade = db.session.scalar(select(LessonGrade))

    result = runner.invoke(args=["lti", "send-scores"])

    assert result.exit_code == 0, result.output
    assert "1 sent" in result.output
    (scored,) = independent.scores
    line_item_id, score = scored
    assert column["id"] == f"{independent.issuer}/lineitems/{line_item_id}"
    # What app/lti/outbox.py queues: the counted grade in points (the LMS scales it to
    # its column's scoreMaximum of 100), complete and final, stamped when it was graded.
    timestamp = score.pop("timestamp")
    assert score == {
        "userId": "learner-3",
        "scoreGiven": grade.score,
        "scoreMaximum": grade.max_score,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
    }
    assert grade.score == grade.max_score > 0
    stamp = datetime.fromisoformat(timestamp)
    assert stamp.utcoffset() == timedelta(0) and abs(now_utc() - stamp) < timedelta(minutes=1)
    assert independent.token_requests, "the sender asked lti1p3platform for a token"
    db.session.refresh(queued)
    assert queued.status == "sent"
