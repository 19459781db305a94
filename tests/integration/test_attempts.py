"""Attempts behave like a serious assessment: saved as you go, stale pages refused,
time limits enforced on the server, attempt limits, the counted-score rule, the draw."""

from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.course.models import Lesson
from app.course.services import bump_content_revision, settings_for
from app.quizzes.attempts import start_attempt
from app.quizzes.grades import recompute_lesson_grades
from app.quizzes.models import Attempt, LessonGrade
from app.timeutil import now_utc
from tests.support import csrf_token, log_in, make_user, quiz_fields, start_quiz


def _set_quiz(db, slug: str, **settings) -> Lesson:
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == slug))
    lesson.quiz_settings = {**lesson.quiz_settings, **settings}
    bump_content_revision()
    db.session.commit()
    return lesson


def _tf_position(page: str) -> int:
    """Return the position of the true/false question on a second-lesson quiz page."""
    return 1 if 'name="q1" value="true"' in page else 2


def _save(client, url: str, data: dict, json: bool = True):
    headers = {"Accept": "application/json"} if json else {}
    return client.post(url + "/save", data=data, headers=headers)


def _attempt(db) -> Attempt:
    return db.session.scalar(select(Attempt).order_by(Attempt.id.desc()))


def test_answers_are_saved_as_the_learner_goes_and_come_back_on_resume(client, course, learner, db):
    url = start_quiz(client, "second-lesson")
    page = client.get(url).get_data(as_text=True)
    tf = _tf_position(page)
    fields = quiz_fields(client, url)
    saved = _save(client, url, {**fields, f"q{tf}": "true"})
    assert saved.status_code == 200
    assert saved.get_json() == {"status": "saved", "seq": int(fields["seq"]) + 1}
    assert [r.answer for r in _attempt(db).responses if r.answer is not None] == [True]

    again = start_quiz(client, "second-lesson")  # reopening resumes
    assert again == url
    page = client.get(url).get_data(as_text=True)
    assert re.search(rf'id="q{tf}-true" name="q{tf}" value="true"\s*checked', page)
    assert f'name="seq" value="{int(fields["seq"]) + 1}"' in page
    assert '<span class="quiz-progress__count">1</span> of 2 answered' in page


def test_saving_without_javascript_redirects_back_with_a_message(client, course, learner, db):
    url = start_quiz(client, "second-lesson")
    saved = _save(client, url, quiz_fields(client, url), json=False)
    assert saved.status_code == 302 and saved.headers["Location"].endswith(url)
    assert "Your answers are saved" in client.get(url).get_data(as_text=True)


def test_an_older_copy_of_the_page_never_overwrites_newer_answers(client, course, learner, db):
    url = start_quiz(client, "second-lesson")
    tf = _tf_position(client.get(url).get_data(as_text=True))
    old_page = quiz_fields(client, url)  # tab A
    newer = _save(client, url, {**old_page, f"q{tf}": "true"})  # tab B saves first
    assert newer.status_code == 200

    stale = _save(client, url, {**old_page, f"q{tf}": "false"})  # tab A, still at the old seq
    assert stale.status_code == 409
    assert "older copy of this quiz" in stale.get_json()["message"]
    assert [r.answer for r in _attempt(db).responses if r.answer is not None] == [True]

    stale_submit = client.post(url + "/submit", data={**old_page, f"q{tf}": "false"})
    assert stale_submit.status_code == 302 and stale_submit.headers["Location"].endswith(url)
    assert "Nothing from it was saved" in client.get(url).get_data(as_text=True)
    assert _attempt(db).state == "open"


def test_a_save_or_submit_with_a_missing_page_version_is_a_400(client, course, learner, db):
    url = start_quiz(client, "second-lesson")
    token = csrf_token(client, url)
    assert _save(client, url, {"csrf_token": token}).status_code == 400
    assert client.post(url + "/submit", data={"csrf_token": token, "seq": "x"}).status_code == 400
    assert _attempt(db).state == "open"


def test_the_quiz_page_shows_the_remaining_time(client, course, learner, db):
    _set_quiz(db, "second-lesson", time_limit_minutes=10)
    url = start_quiz(client, "second-lesson")
    page = client.get(url).get_data(as_text=True)
    assert "Time left:" in page
    assert re.search(r'data-seconds-left="(59\d|600)"', page)
    attempt = _attempt(db)
    assert attempt.deadline is not None


def _expire(db, attempt_id: int, seconds_ago: int = 120) -> None:
    attempt = db.session.get(Attempt, attempt_id)
    attempt.deadline = now_utc() - timedelta(seconds=seconds_ago)
    db.session.commit()


def _timed_attempt_with_a_saved_right_answer(client, db) -> tuple[str, dict, int]:
    _set_quiz(db, "second-lesson", time_limit_minutes=5)
    url = start_quiz(client, "second-lesson")
    tf = _tf_position(client.get(url).get_data(as_text=True))
    fields = quiz_fields(client, url)
    assert _save(client, url, {**fields, f"q{tf}": "true"}).status_code == 200
    fields["seq"] = str(int(fields["seq"]) + 1)
    return url, fields, tf


def test_answers_after_the_deadline_are_refused_and_the_saved_ones_graded(
    client, course, learner, db
):
    url, fields, tf = _timed_attempt_with_a_saved_right_answer(client, db)
    _expire(db, _attempt(db).id)
    late = _save(client, url, {**fields, f"q{tf}": "false"})
    assert late.status_code == 409
    assert "Time is up" in late.get_json()["message"]
    attempt = _attempt(db)
    assert attempt.state == "submitted" and attempt.score == 1


def test_a_submission_after_the_deadline_grades_the_saved_answers_only(client, course, learner, db):
    url, fields, tf = _timed_attempt_with_a_saved_right_answer(client, db)
    _expire(db, _attempt(db).id)
    late = client.post(url + "/submit", data={**fields, f"q{tf}": "false"})
    assert late.status_code == 302
    result = client.get(late.headers["Location"]).get_data(as_text=True)
    assert "Time was up before this page was sent" in result
    assert _attempt(db).score == 1


def test_a_submission_within_the_grace_period_counts(client, course, learner, db):
    url, fields, tf = _timed_attempt_with_a_saved_right_answer(client, db)
    _expire(db, _attempt(db).id, seconds_ago=5)
    response = client.post(url + "/submit", data={**fields, f"q{tf}": "false"})
    assert response.headers["X-Attempt-Outcome"] == "graded"
    assert _attempt(db).score == 0  # the answer sent with the page was taken


@pytest.mark.parametrize("page", ["/", "/lessons/second-lesson", "/progress"])
def test_an_overdue_attempt_is_graded_when_a_page_touches_it(client, course, learner, db, page):
    _timed_attempt_with_a_saved_right_answer(client, db)
    _expire(db, _attempt(db).id)
    assert client.get(page).status_code == 200
    attempt = _attempt(db)
    assert attempt.state == "submitted" and attempt.score == 1
    grade = db.session.scalar(select(LessonGrade))
    assert grade.attempts_graded == 1


def test_close_overdue_grades_every_learners_overdue_attempts(
    client, course, learner, db, runner, app
):
    _timed_attempt_with_a_saved_right_answer(client, db)
    make_user("second@example.com")
    other = app.test_client()
    log_in(other, "second@example.com")
    start_quiz(other, "second-lesson")
    for attempt in db.session.scalars(select(Attempt)):
        _expire(db, attempt.id)
    first = runner.invoke(args=["attempts", "close-overdue"])
    assert first.exit_code == 0 and "graded 2 overdue attempts" in first.output
    again = runner.invoke(args=["attempts", "close-overdue"])
    assert "graded 0 overdue attempts" in again.output
    assert {a.state for a in db.session.scalars(select(Attempt))} == {"submitted"}


def test_an_attempt_without_a_time_limit_is_never_closed_by_time(
    client, course, learner, db, runner
):
    start_quiz(client, "second-lesson")
    assert "graded 0" in runner.invoke(args=["attempts", "close-overdue"]).output
    assert _attempt(db).state == "open"


def test_the_attempt_limit_is_enforced(client, course, learner, db):
    _set_quiz(db, "second-lesson", max_attempts=2)
    for _ in range(2):
        url = start_quiz(client, "second-lesson")
        client.post(url + "/submit", data=quiz_fields(client, url))
    refused = client.post(
        "/lessons/second-lesson/quiz",
        data={"csrf_token": csrf_token(client, "/lessons/second-lesson")},
    )
    assert refused.status_code == 302 and refused.headers["Location"].endswith(
        "/lessons/second-lesson"
    )
    assert "used all 2 attempts" in client.get("/lessons/second-lesson").get_data(as_text=True)
    assert len(list(db.session.scalars(select(Attempt)))) == 2


def _take(client, right: bool) -> None:
    url = start_quiz(client, "second-lesson")
    tf = _tf_position(client.get(url).get_data(as_text=True))
    client.post(
        url + "/submit", data={**quiz_fields(client, url), f"q{tf}": "true" if right else "false"}
    )


@pytest.mark.parametrize(
    ("rule", "expected_percent", "passed"),
    [
        ("highest", 50.0, True),
        ("last", 0.0, False),
        ("first", 50.0, True),
        ("average", 25.0, False),
    ],
)
def test_the_counted_score_follows_the_lessons_rule(
    client, course, learner, db, rule, expected_percent, passed
):
    _set_quiz(db, "second-lesson", counted_score=rule)  # pass mark 50 in the fixture
    _take(client, right=True)
    _take(client, right=False)
    grade = db.session.scalar(select(LessonGrade))
    assert grade.percent == pytest.approx(expected_percent)
    assert grade.passed is passed
    assert grade.attempts_graded == 2


def test_changing_the_rule_recomputes_stored_grades(client, course, learner, db):
    _take(client, right=True)
    _take(client, right=False)
    lesson = _set_quiz(db, "second-lesson", counted_score="last")
    assert recompute_lesson_grades(lesson) == 1
    db.session.commit()
    assert db.session.scalar(select(LessonGrade)).percent == 0


def test_settings_default_to_the_course_file(course, db):
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "first-lesson"))
    settings = settings_for(lesson)
    assert (settings.pass_mark, settings.max_attempts, settings.time_limit_minutes) == (70, 0, 0)
    assert settings.counted_score == "highest" and settings.shuffle_questions
    other = db.session.scalar(select(Lesson).where(Lesson.slug == "second-lesson"))
    assert settings_for(other).pass_mark == 50


def test_an_attempt_draws_its_questions_and_keeps_them(course, db, learner):
    lesson = _set_quiz(db, "first-lesson", draw=2)
    settings = settings_for(lesson)
    drawn = []
    for seed in range(8):
        attempt = start_attempt(learner.id, lesson, settings, random.Random(seed))
        uids = [r.version.question.uid for r in attempt.responses]
        assert len(uids) == 2 and len(set(uids)) == 2
        drawn.append(frozenset(uids))
        attempt.state = "submitted"
    db.session.commit()
    assert len(set(drawn)) > 1  # different attempts draw different questions


def test_the_choice_order_is_fixed_when_the_attempt_starts(client, course, learner, db):
    url = start_quiz(client, "first-lesson")
    first = client.get(url).get_data(as_text=True)
    second = client.get(url).get_data(as_text=True)
    strip = re.compile(r'value="[^"]{40,}"')  # CSRF tokens
    assert strip.sub("", first) == strip.sub("", second)
    orders = [r.choice_order for r in _attempt(db).responses]
    assert all(sorted(order) == list(range(len(order))) for order in orders)
