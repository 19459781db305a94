"""Grade passback (AGS) through the score outbox: queued with the grade, sent later, never lost.

A learner whose quiz is linked to an LMS line item submits; the score waits in the
outbox, written in the grading transaction; `flask lti send-scores` sends it to the
LMS's services on loopback (tests/support/lti_services.py), which check our token
request and record every score. The LMS may be down, hang, or see two senders at
once, or a sender killed mid-batch: every learner's latest score arrives.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.database import unit_of_work
from app.extensions import db
from app.lti import keys, sending, tool_services
from app.lti.models import LtiScoreOutbox
from app.lti.sending import MAX_TRIES, send_scores
from app.quizzes.grades import grades_stored
from app.quizzes.models import Attempt, LessonGrade
from app.timeutil import as_utc, now_utc
from tests.support import post_form, quiz_settings_form
from tests.support.live import released_together
from tests.support.lti_scores import link_learner, outbox_rows, take_quiz, time_passes
from tests.support.lti_services import LmsServices


@pytest.fixture
def lms(app, course, lti_platform):
    """A registered LMS whose token and AGS endpoints are on loopback."""
    services = LmsServices(lti_platform.client_id).start()
    registration_id = lti_platform.register(token_url=services.token_url)
    services.trust(keys.public_jwks())
    try:
        yield SimpleNamespace(services=services, registration_id=registration_id)
    finally:
        services.stop()


def _linked(app, lms, email: str, item: str = "quiz-1"):
    client = app.test_client()
    user_id = link_learner(client, email, lms.registration_id, lms.services.lineitem_url(item))
    return client, user_id


def _grade(user_id: int) -> LessonGrade:
    db.session.rollback()
    return db.session.scalar(select(LessonGrade).where(LessonGrade.user_id == user_id))


def test_a_submit_queues_the_score_in_its_transaction_and_send_scores_delivers_it(app, lms):
    client, user_id = _linked(app, lms, "ada@example.com")
    assert take_quiz(client, right=True).status_code == 302

    [row] = outbox_rows()
    grade = _grade(user_id)
    assert (row.status, row.tries, row.score_given, row.score_maximum) == (
        "pending", 0, grade.score, grade.max_score,
    )  # fmt: skip
    assert grade.score > 0 and lms.services.scores == []  # the submit sent nothing

    summary = send_scores()

    assert (summary.sent, summary.retried, summary.failed) == (1, 0, 0)
    [received] = lms.services.scores
    assert received.lineitem == lms.services.lineitem_url("quiz-1")
    body = received.body
    assert body["userId"] == f"lms-user-{user_id}"
    assert (body["scoreGiven"], body["scoreMaximum"]) == (grade.score, grade.max_score)
    assert (body["activityProgress"], body["gradingProgress"]) == ("Completed", "FullyGraded")
    stamp = datetime.fromisoformat(body["timestamp"])
    assert stamp.utcoffset() == timedelta(0) and abs(now_utc() - stamp) < timedelta(minutes=1)
    [row] = outbox_rows()
    assert row.status == "sent" and row.sent_at is not None and row.last_error is None
    assert lms.services.refused_tokens == [] and lms.services.tokens_issued == 1

    assert send_scores().sent == 0  # nothing sent twice
    assert len(lms.services.scores) == 1


def test_a_failed_submit_leaves_neither_grade_nor_score(app, lms):
    client, user_id = _linked(app, lms, "ada@example.com")

    def break_the_grading(_lesson_id, **_kwargs):
        raise RuntimeError("the database went away mid-submit")

    grades_stored.connect(break_the_grading)
    try:
        with pytest.raises(RuntimeError):
            take_quiz(client)
    finally:
        grades_stored.disconnect(break_the_grading)

    assert outbox_rows() == [] and _grade(user_id) is None
    assert db.session.scalar(select(Attempt.state).where(Attempt.user_id == user_id)) == "open"


def test_learners_without_a_grade_link_queue_nothing(app, lms, learner, client):
    assert take_quiz(client).status_code == 302
    assert outbox_rows() == []


def test_a_recompute_after_the_counted_score_rule_changes_queues_new_scores(
    app, lms, instructor_client
):
    client, user_id = _linked(app, lms, "ada@example.com")
    take_quiz(client, right=True)
    take_quiz(client, right=False)  # "highest" keeps the first attempt's full marks
    assert send_scores().sent == 1
    assert lms.services.latest_scores()[(lms.services.lineitem_url("quiz-1"),
                                         f"lms-user-{user_id}")]["scoreGiven"] > 0  # fmt: skip

    response = post_form(
        instructor_client, "/instructor/lessons/first-lesson/settings",
        quiz_settings_form(counted_score="last"),
    )  # fmt: skip
    assert response.status_code == 302

    # Two submits queued two rows (the first superseded, the second sent); the recompute a third.
    assert [row.status for row in outbox_rows()] == ["superseded", "sent", "pending"]
    assert send_scores().sent == 1
    latest = lms.services.latest_scores()[
        (lms.services.lineitem_url("quiz-1"), f"lms-user-{user_id}")
    ]
    assert latest["scoreGiven"] == 0 == _grade(user_id).score


def test_the_lms_down_for_a_while_then_every_latest_score_arrives_once(app, lms):
    learners = [_linked(app, lms, f"learner{n}@example.com") for n in range(3)]
    for client, _ in learners:
        take_quiz(client, right=False)
    lms.services.mode = "down"

    began = time.monotonic()
    summary = send_scores()
    assert (summary.sent, summary.retried, summary.failed) == (0, 3, 0)
    assert time.monotonic() - began < 5  # one refusal, and the run stops asking that LMS
    rows = outbox_rows()
    assert {(row.status, row.tries) for row in rows} == {("pending", 1)}
    assert "503" in rows[0].last_error
    for row in rows:  # the first backoff is a minute
        wait = as_utc(row.next_try_at) - now_utc()
        assert timedelta(seconds=50) < wait <= timedelta(minutes=1)

    assert send_scores().retried == 0  # not due yet: nothing is tried
    time_passes(1)
    assert send_scores().retried == 3
    assert {row.tries for row in outbox_rows()} == {2}  # then 2 minutes, and so on
    assert all(as_utc(r.next_try_at) - now_utc() > timedelta(minutes=1) for r in outbox_rows())

    # While it is down, the first learner tries again and does better.
    first_client, first_id = learners[0]
    take_quiz(first_client, right=True)
    lms.services.mode = "up"
    time_passes(2)
    summary = send_scores()
    assert (summary.sent, summary.superseded) == (3, 1)

    latest = lms.services.latest_scores()
    assert len(lms.services.scores) == 3  # the superseded score was never sent
    for _, user_id in learners:
        key = (lms.services.lineitem_url("quiz-1"), f"lms-user-{user_id}")
        assert latest[key]["scoreGiven"] == _grade(user_id).score
    assert latest[(lms.services.lineitem_url("quiz-1"), f"lms-user-{first_id}")]["scoreGiven"] > 0

    time_passes(600)
    assert send_scores().sent == 0 and len(lms.services.scores) == 3  # none sent twice


def test_a_score_the_lms_keeps_refusing_is_marked_failed_after_the_last_try(app, lms):
    client, _ = _linked(app, lms, "ada@example.com")
    take_quiz(client)
    lms.services.mode = "down"
    for _ in range(MAX_TRIES - 1):
        assert send_scores().retried == 1
        time_passes(7 * 60)  # longer than the longest wait (6 hours)
    assert send_scores().failed == 1
    [row] = outbox_rows()
    assert (row.status, row.tries) == ("failed", MAX_TRIES)
    time_passes(7 * 60)
    assert send_scores().retried == 0  # failed rows wait for an instructor's "Retry now"


def test_backoff_doubles_from_a_minute_up_to_six_hours():
    waits = [sending.backoff(tries) for tries in range(1, 12)]
    assert waits[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert waits[-1] == timedelta(hours=6) and waits == sorted(waits)


def test_a_hanging_lms_costs_the_read_timeout_once_and_never_a_submit(app, lms, monkeypatch):
    monkeypatch.setattr(tool_services, "READ_TIMEOUT", 0.5)
    learners = [_linked(app, lms, f"learner{n}@example.com") for n in range(3)]
    lms.services.mode, lms.services.delay = "slow", 5.0

    began = time.monotonic()
    for client, _ in learners:
        assert take_quiz(client).status_code == 302
    assert lms.services.score_posts == 0  # a submit only writes its row
    submits = time.monotonic() - began

    began = time.monotonic()
    summary = send_scores()
    assert summary.retried == 3 and time.monotonic() - began < 3
    assert "Timeout" in outbox_rows()[0].last_error or "timed out" in outbox_rows()[0].last_error
    assert submits < 10


def test_two_senders_at_once_send_each_score_once(app, lms):
    learners = [_linked(app, lms, f"learner{n}@example.com") for n in range(6)]
    for client, _ in learners:
        take_quiz(client)
    lms.services.mode, lms.services.delay = "slow", 0.2

    def sender(_index: int):
        with app.app_context():
            try:
                return send_scores(batch_size=2)
            finally:
                db.session.remove()

    summaries = released_together(2, sender)

    assert sum(summary.sent for summary in summaries) == 6
    received = sorted(score.user_id for score in lms.services.scores)
    assert received == sorted(f"lms-user-{user_id}" for _, user_id in learners)
    assert {row.status for row in outbox_rows()} == {"sent"}


@pytest.mark.slow
def test_a_sender_killed_mid_batch_loses_no_score(make_test_app, app, lms, database_url, tmp_path):
    # The command runs as on a server, with a real secret key: it makes its own signing key
    # (stored encrypted with that secret), which the LMS learns like the first one.
    secret = secrets.token_urlsafe(48)
    db.session.rollback()  # the test's read snapshot ends before another app writes
    server = make_test_app(SECRET_KEY=secret)
    with server.app_context():
        with unit_of_work():
            keys.add_key()
        lms.services.trust(keys.public_jwks())
    learners = [_linked(app, lms, f"learner{n}@example.com") for n in range(5)]
    for client, _ in learners:
        take_quiz(client)
    lms.services.mode, lms.services.delay = "slow", 1.0
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": secret,
    }
    flask = Path(sys.executable).with_name("flask")
    log = tmp_path / "sender.log"
    with log.open("wb") as output:
        sender = subprocess.Popen(
            [str(flask), "--app", "app", "lti", "send-scores", "--batch-size", "5"],
            env=env, stdout=output, stderr=output, start_new_session=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while len(lms.services.scores) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(lms.services.scores) >= 2, log.read_text()[-3000:]
        finally:
            os.killpg(sender.pid, signal.SIGKILL)
            sender.wait(10)

    rows = outbox_rows()
    assert {row.status for row in rows} >= {"sending"}  # claimed, and its sender is dead
    lms.services.mode = "up"
    with server.app_context():  # the server's next cron run
        assert send_scores().sent == 0  # the dead sender's lease still holds
    time_passes(20)  # the lease (15 minutes) passes
    with server.app_context():
        assert send_scores().failed == 0

    assert {row.status for row in outbox_rows()} == {"sent"}
    latest = lms.services.latest_scores()
    for _, user_id in learners:
        key = (lms.services.lineitem_url("quiz-1"), f"lms-user-{user_id}")
        assert latest[key]["scoreGiven"] == _grade(user_id).score
    assert len(lms.services.scores) <= len(learners) + 1  # at most the one in flight twice
    db.session.rollback()


def test_send_scores_prints_a_summary(app, lms, runner):
    client, _ = _linked(app, lms, "ada@example.com")
    take_quiz(client)
    result = runner.invoke(args=["lti", "send-scores"])
    assert result.exit_code == 0, result.output
    assert "1 sent, 0 to retry, 0 failed" in result.output
    assert db.session.scalar(select(LtiScoreOutbox.status)) == "sent"


def test_send_scores_exits_non_zero_only_when_the_database_is_unreachable(tmp_path):
    from tests.support import make_app

    app = make_app(f"sqlite:///{tmp_path / 'no-such-folder' / 'db.sqlite3'}")
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["lti", "send-scores"])
    assert result.exit_code == 1 and "The database is unreachable" in result.output


def test_an_lms_that_does_not_know_our_key_refuses_the_token_and_the_score_waits(app, lms):
    client, _ = _linked(app, lms, "ada@example.com")
    take_quiz(client)
    lms.services.trust({"keys": []})  # the LMS admin never entered our JWKS URL

    summary = send_scores()

    assert summary.retried == 1 and lms.services.scores == []
    assert lms.services.refused_tokens and "StopIteration" in lms.services.refused_tokens[0]
    [row] = outbox_rows()
    assert row.status == "pending" and "401" in row.last_error
