"""Completion and the certificate: recorded once from every path that can complete the course,
issued under a confirmed name, verified publicly, revoked by an instructor (both databases).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.auth.models import User
from app.course.models import Lesson
from app.course.services import bump_content_revision
from app.quizzes.models import Attempt, Completion
from app.timeutil import now_utc
from tests.support import csrf_token, post_form, quiz_fields, quiz_settings_form, start_quiz
from tests.support.answers import form_answers

SLUGS = ("first-lesson", "second-lesson", "final-review")


def _attempt_of(db, url: str) -> Attempt:
    return db.session.get(Attempt, int(url.rsplit("/", 1)[1]))


def _take(client, db, slug: str, right: bool = True) -> str:
    url = start_quiz(client, slug)
    data = {**quiz_fields(client, url), **form_answers(_attempt_of(db, url), right=right)}
    assert client.post(url + "/submit", data=data).status_code == 302
    return url


def _completions(db) -> list[Completion]:
    db.session.expire_all()
    return list(db.session.scalars(select(Completion)))


def test_passing_the_last_quiz_records_the_completion_once_and_later_attempts_keep_it(
    client, course, learner, db
):
    _take(client, db, "first-lesson")
    _take(client, db, "second-lesson")
    assert _completions(db) == []  # the final exam is still to pass
    _take(client, db, "final-review", right=False)
    assert _completions(db) == []
    _take(client, db, "final-review")
    [done] = _completions(db)
    assert done.user_id == learner.id and done.name == learner.name and done.issued_at is None
    assert len(done.code) >= 22 and str(learner.id) != done.code  # ≥ 128 random bits
    code = done.code

    _take(client, db, "final-review")  # passing again records nothing new
    _take(client, db, "first-lesson", right=False)  # nor does a later failure undo it
    [kept] = _completions(db)
    assert kept.code == code


def _timed_final_exam_with_right_answers_saved(client, db) -> int:
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "final-review"))
    lesson.quiz_settings = {**lesson.quiz_settings, "time_limit_minutes": 5}
    bump_content_revision()
    db.session.commit()
    url = start_quiz(client, "final-review")
    attempt = _attempt_of(db, url)
    data = {**quiz_fields(client, url), **form_answers(attempt, right=True)}
    saved = client.post(url + "/save", data=data, headers={"Accept": "application/json"})
    assert saved.status_code == 200
    db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id)
        .values(deadline=now_utc() - timedelta(minutes=2))
    )
    db.session.commit()
    return attempt.id


def test_overdue_grading_by_a_page_completes_the_course(client, course, learner, db):
    _take(client, db, "first-lesson")
    _take(client, db, "second-lesson")
    _timed_final_exam_with_right_answers_saved(client, db)
    assert _completions(db) == []
    assert client.get("/progress").status_code == 200  # the page grades the overdue exam
    assert [c.user_id for c in _completions(db)] == [learner.id]


def test_overdue_grading_by_cron_completes_the_course(client, course, learner, db, runner):
    _take(client, db, "first-lesson")
    _take(client, db, "second-lesson")
    _timed_final_exam_with_right_answers_saved(client, db)
    result = runner.invoke(args=["attempts", "close-overdue"])
    assert result.exit_code == 0 and "graded 1 overdue attempt" in result.output
    assert [c.user_id for c in _completions(db)] == [learner.id]


def test_a_grade_recompute_after_a_settings_change_completes_the_course(
    client, course, learner, db, instructor_client
):
    _take(client, db, "first-lesson")
    _take(client, db, "second-lesson")
    _take(client, db, "final-review", right=False)  # 0%: passes only a 0% pass mark
    assert _completions(db) == []
    page = "/instructor/course/settings"
    response = post_form(instructor_client, page, quiz_settings_form(pass_mark="0"))
    assert response.status_code == 302
    assert [c.user_id for c in _completions(db)] == [learner.id]


def _complete(client, db) -> Completion:
    for slug in SLUGS:
        _take(client, db, slug)
    [done] = _completions(db)
    return done


def test_the_certificate_is_issued_under_a_confirmed_name_and_verified_publicly(
    app, client, course, learner, db
):
    assert "You will receive a certificate" in client.get("/certificate").get_data(as_text=True)
    done = _complete(client, db)
    assert client.get(f"/certificates/{done.code}").status_code == 404  # not issued yet

    db.session.execute(update(User).where(User.id == learner.id).values(name_confirmed=False))
    db.session.commit()
    page = client.get("/certificate").get_data(as_text=True)
    assert "confirm the name it should carry" in page and "Issue my certificate" not in page
    refused = client.post("/certificate", data={"csrf_token": csrf_token(client, "/certificate")})
    assert refused.headers["Location"] == "/account"
    assert _completions(db)[0].issued_at is None

    db.session.execute(
        update(User).where(User.id == learner.id).values(name="Ada Byron", name_confirmed=True)
    )
    db.session.commit()
    issued = client.post("/certificate", data={"csrf_token": csrf_token(client, "/certificate")})
    assert issued.status_code == 302
    [done] = _completions(db)
    assert done.name == "Ada Byron" and done.issued_at is not None

    page = client.get("/certificate").get_data(as_text=True)
    assert "Ada Byron" in page and "Test Course" in page and "Scores per lesson" in page
    assert f"http://localhost/certificates/{done.code}" in page

    visitor = app.test_client()
    public = visitor.get(f"/certificates/{done.code}").get_data(as_text=True)
    assert "Verified" in public and "Ada Byron" in public and "Test Course" in public
    assert learner.email not in public and "%" not in public  # no email, no scores
    assert visitor.get("/certificates/" + "x" * 32).status_code == 404


def test_the_verification_link_uses_public_base_url(make_test_app, db):
    app = make_test_app(PUBLIC_BASE_URL="https://course.example.org")
    with app.test_request_context("/"):
        from app.progress.certificates import verification_url

        assert verification_url("abc") == "https://course.example.org/certificates/abc"


def test_an_instructor_revokes_a_certificate_and_it_reads_as_revoked(
    app, client, course, learner, db, instructor_client
):
    _complete(client, db)
    client.post("/certificate", data={"csrf_token": csrf_token(client, "/certificate")})
    [done] = _completions(db)
    page = f"/instructor/learners/{learner.id}"
    revoke = f"/instructor/learners/{learner.id}/certificate/revoke"
    learner_try = client.post(revoke, data={"csrf_token": csrf_token(client, "/certificate")})
    assert learner_try.status_code == 403 and _completions(db)[0].revoked_at is None

    response = post_form(instructor_client, revoke, {}, token_from=page)
    assert response.status_code == 302
    [done] = _completions(db)
    assert done.revoked_at is not None
    public = app.test_client().get(f"/certificates/{done.code}").get_data(as_text=True)
    assert "Revoked on" in public and done.revoked_at.strftime("%d %B %Y") in public
    assert "Verified" not in public


def test_completion_is_one_row_per_learner_in_the_database(client, course, learner, db):
    done = _complete(client, db)
    from sqlalchemy.exc import IntegrityError

    db.session.add(Completion(user_id=learner.id, code="another-code", name="x"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Completion)) == 1
    assert done.code != "another-code"


def test_the_submit_that_completes_the_course_stays_within_its_budget(
    client, course, learner, db, count_queries
):
    _take(client, db, "first-lesson")
    _take(client, db, "second-lesson")
    url = start_quiz(client, "final-review")
    data = {**quiz_fields(client, url), **form_answers(_attempt_of(db, url), right=True)}
    with count_queries() as counter:
        assert client.post(url + "/submit", data=data).status_code == 302
    inserts = [s for s in counter.work if s.lstrip().upper().startswith("INSERT INTO COMPLETIONS")]
    assert len(inserts) == 1
    assert counter.count <= 12, counter.work  # issue 13: ≤ 14 on the submit that completes
    outline = client.get("/").get_data(as_text=True)
    assert "Your certificate of completion" in outline
