"""Attempt limits, extra attempts given with `flask attempts grant`, abandoned attempts.

The race itself (many requests at once against several workers) is tested in
test_attempt_races.py; these stories check the rules one request at a time.
"""

from __future__ import annotations

from sqlalchemy import func, select

from app.course.models import Lesson
from app.course.services import bump_content_revision
from app.extensions import db as _db
from app.quizzes.allowances import extra_attempts, grant_extra_attempts
from app.quizzes.models import STATE_ABANDONED, Attempt, AttemptAllowance
from tests.support import csrf_token, make_user, quiz_fields, start_quiz

LESSON = "second-lesson"


def _limit(db, max_attempts: int) -> Lesson:
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == LESSON))
    lesson.quiz_settings = {**lesson.quiz_settings, "max_attempts": max_attempts}
    bump_content_revision()
    db.session.commit()
    return lesson


def _take_and_submit(client) -> str:
    url = start_quiz(client, LESSON)
    assert client.post(url + "/submit", data=quiz_fields(client, url)).status_code == 302
    return url


def _try_to_start(client):
    return client.post(
        f"/lessons/{LESSON}/quiz", data={"csrf_token": csrf_token(client, f"/lessons/{LESSON}")}
    )


def _numbers(db) -> list[tuple[int, str]]:
    return [(a.number, a.state) for a in db.session.scalars(select(Attempt).order_by(Attempt.id))]


def test_with_one_attempt_allowed_a_second_start_is_refused_and_stores_nothing(
    client, course, learner, db
):
    _limit(db, 1)
    assert "You have 1 attempt left." in client.get(f"/lessons/{LESSON}").get_data(as_text=True)
    _take_and_submit(client)
    page = client.get(f"/lessons/{LESSON}").get_data(as_text=True)
    assert "You have no attempts left." in page

    refused = _try_to_start(client)
    assert refused.status_code == 302 and refused.headers["Location"].endswith(f"/lessons/{LESSON}")
    assert "You have used all 1 attempts allowed" in client.get(f"/lessons/{LESSON}").get_data(
        as_text=True
    )
    assert _numbers(db) == [(1, "submitted")]


def test_starting_again_while_an_attempt_is_open_resumes_it(client, course, learner, db):
    _limit(db, 1)
    first = start_quiz(client, LESSON)
    assert start_quiz(client, LESSON) == first
    assert _numbers(db) == [(1, "open")]


def test_an_extra_attempt_lets_the_learner_try_once_more_and_no_more(
    client, course, learner, db, runner
):
    _limit(db, 1)
    _take_and_submit(client)
    granted = runner.invoke(args=["attempts", "grant", "Learner@Example.com", LESSON])
    assert granted.exit_code == 0, granted.output
    assert "learner@example.com now has 1 extra attempt at" in granted.output

    page = client.get(f"/lessons/{LESSON}").get_data(as_text=True)
    assert "You have 1 attempt left." in page
    _take_and_submit(client)
    assert _numbers(db) == [(1, "submitted"), (2, "submitted")]
    assert _try_to_start(client).headers["Location"].endswith(f"/lessons/{LESSON}")
    assert "You have used all 2 attempts allowed" in client.get(f"/lessons/{LESSON}").get_data(
        as_text=True
    )
    assert len(_numbers(db)) == 2


def test_grants_add_up_in_one_row_per_learner_and_lesson(client, course, learner, db, runner):
    lesson = _limit(db, 2)
    assert runner.invoke(args=["attempts", "grant", learner.email, LESSON]).exit_code == 0
    again = runner.invoke(args=["attempts", "grant", learner.email, LESSON, "--extra", "3"])
    assert again.exit_code == 0 and "now has 4 extra attempts" in again.output
    assert extra_attempts(learner.id, lesson.id) == 4
    assert db.session.scalar(select(func.count()).select_from(AttemptAllowance)) == 1
    page = client.get(f"/lessons/{LESSON}").get_data(as_text=True)
    assert "Up to 2 attempts." in page and "You have 6 attempts left." in page


def test_the_grant_service_adds_to_an_existing_allowance(course, learner, db):
    lesson = _limit(db, 1)
    other = make_user("other@example.com")
    assert grant_extra_attempts(learner.id, lesson.id) == 1
    assert grant_extra_attempts(learner.id, lesson.id, 2) == 3
    _db.session.commit()
    assert extra_attempts(learner.id, lesson.id) == 3
    assert extra_attempts(other.id, lesson.id) == 0


def test_grant_names_an_unknown_account_or_lesson_and_changes_nothing(course, learner, db, runner):
    nobody = runner.invoke(args=["attempts", "grant", "nobody@example.com", LESSON])
    assert nobody.exit_code == 1
    assert "No account with the email 'nobody@example.com'; nothing changed." in nobody.output
    no_lesson = runner.invoke(args=["attempts", "grant", learner.email, "no-such-lesson"])
    assert no_lesson.exit_code == 1
    assert "No lesson 'no-such-lesson'; nothing changed." in no_lesson.output
    zero = runner.invoke(args=["attempts", "grant", learner.email, LESSON, "--extra", "0"])
    assert zero.exit_code == 2 and "--extra" in zero.output
    assert db.session.scalar(select(func.count()).select_from(AttemptAllowance)) == 0


def test_an_abandoned_attempt_is_listed_as_such_never_graded_and_not_counted(
    client, course, learner, db
):
    url = start_quiz(client, LESSON)
    attempt = db.session.scalar(select(Attempt))
    attempt.state = STATE_ABANDONED  # as migration 0003 leaves an older duplicate
    db.session.commit()

    scores = client.get("/progress").get_data(as_text=True)
    assert "Attempt 1: not graded" in scores
    result = client.get(url + "/result")
    assert result.status_code == 302 and result.headers["Location"].endswith("/progress")
    assert "Attempt 1 was abandoned: it was not graded." in client.get("/progress").get_data(
        as_text=True
    )
    assert client.get(url).headers["Location"].endswith(url + "/result")  # no taking it either
    submitted = client.post(
        url + "/submit", data={"csrf_token": csrf_token(client, f"/lessons/{LESSON}"), "seq": "0"}
    )
    assert submitted.headers["X-Attempt-Outcome"] == "already-graded"
    db.session.expire_all()
    assert _numbers(db) == [(1, "abandoned")]
    assert db.session.scalar(select(Attempt.score)) is None

    second = start_quiz(client, LESSON)  # the abandoned number stays spent
    assert second != url
    assert _numbers(db) == [(1, "abandoned"), (2, "open")]


def _stale_first(monkeypatch, name: str, stale_value) -> None:
    """Make the first call of `attempts.<name>` answer what a racing request read earlier."""
    from app.quizzes import attempts

    real = getattr(attempts, name)
    calls = iter([lambda *_: stale_value])
    monkeypatch.setattr(attempts, name, lambda *args: next(calls, real)(*args))


def test_a_start_that_loses_the_race_is_sent_to_the_winners_attempt(
    course, learner, db, monkeypatch
):
    from app.course.services import settings_for
    from app.database import unit_of_work
    from app.quizzes.attempts import start_attempt, start_or_resume

    lesson = _limit(db, 1)
    with unit_of_work():
        winner = start_attempt(learner.id, lesson, settings_for(lesson))
    # The loser looked before the winner's commit: no open attempt, next number 1.
    _stale_first(monkeypatch, "open_attempt", None)
    _stale_first(monkeypatch, "next_attempt_number", 1)
    with unit_of_work():
        grant_extra_attempts(learner.id, lesson.id)  # written before the lost INSERT
        got = start_or_resume(learner.id, lesson, settings_for(lesson))
        assert got.id == winner.id
    # The savepoint undid only the losing INSERT: the unit of work around it committed.
    assert extra_attempts(learner.id, lesson.id) == 1
    assert _numbers(db) == [(1, "open")]


def test_a_loser_whose_number_was_taken_and_graded_starts_the_next_number(
    course, learner, db, monkeypatch
):
    from app.course.services import settings_for
    from app.database import unit_of_work
    from app.quizzes.attempts import start_attempt, start_or_resume

    lesson = _limit(db, 0)
    with unit_of_work():
        start_attempt(learner.id, lesson, settings_for(lesson)).state = "submitted"
    _stale_first(monkeypatch, "next_attempt_number", 1)
    with unit_of_work():
        start_or_resume(learner.id, lesson, settings_for(lesson))
    assert _numbers(db) == [(1, "submitted"), (2, "open")]
