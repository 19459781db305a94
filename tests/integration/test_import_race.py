"""One upload, many confirmations at once: exactly one imports it (live gunicorn, 2 workers).

The preview waits in the database, and a confirmation claims it with one
conditional UPDATE; threads released by a barrier confirm the same preview,
as a double click or a retried request would.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.bank.models import Question
from app.course.models import Lesson
from app.instructor import importing
from app.instructor.models import ImportPreview
from tests.support import PASSWORD, csrf_token, log_in, make_user
from tests.support.live import Session, live_gunicorn, released_together

THREE_QUESTIONS = """\
::One::Envoys carry messages.{TRUE}

::Two::Envoys collect taxes.{FALSE}

::Three::Who carries messages?{=An envoy ~A tax collector}
"""
RACERS = 10


def _waiting_preview(db, email: str) -> str:
    """Store a 3-question upload for the instructor, as the upload page does."""
    teacher = make_user(email, role="instructor")
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "first-lesson"))
    token = importing.keep_upload(teacher.id, lesson, "gift", False, "three.gift", THREE_QUESTIONS)
    db.session.commit()
    return token


def _question_count(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Question))


@pytest.mark.slow
def test_ten_confirmations_at_once_import_the_file_once(database_url, course, db):
    token = _waiting_preview(db, "teacher@example.com")
    before = _question_count(db)
    path = f"/instructor/lessons/first-lesson/import/{token}"
    with live_gunicorn(database_url) as host:
        teacher = Session(host)
        teacher.log_in("teacher@example.com", PASSWORD)
        form = {"csrf_token": teacher.token(path)}  # the preview page's confirm button

        def confirm(_: int) -> int:
            response, _ = Session(host, teacher.cookie).request("POST", path, form)
            return response.status

        statuses = sorted(released_together(RACERS, confirm))

    assert statuses == [302] + [404] * (RACERS - 1)
    assert _question_count(db) == before + 3
    assert db.session.scalar(select(ImportPreview.claimed_at)) is not None


def test_a_preview_older_than_a_day_cannot_be_confirmed(app, course, db):
    token = _waiting_preview(db, "teacher@example.com")
    a_day_ago = ImportPreview.created_at - timedelta(days=1, minutes=1)
    db.session.execute(update(ImportPreview).values(created_at=a_day_ago))
    db.session.commit()
    client = app.test_client()
    log_in(client, "teacher@example.com")
    path = f"/instructor/lessons/first-lesson/import/{token}"
    before = _question_count(db)
    assert client.get(path).status_code == 404
    response = client.post(path, data={"csrf_token": csrf_token(client, "/instructor/")})
    assert response.status_code == 404
    assert _question_count(db) == before


def test_another_instructor_cannot_confirm_someone_elses_preview(instructor_client, course, db):
    token = _waiting_preview(db, "other-teacher@example.com")
    path = f"/instructor/lessons/first-lesson/import/{token}"
    before = _question_count(db)
    assert instructor_client.get(path).status_code == 404
    form = {"csrf_token": csrf_token(instructor_client, "/instructor/")}
    assert instructor_client.post(path, data=form).status_code == 404
    assert _question_count(db) == before
    assert db.session.scalar(select(ImportPreview.claimed_at)) is None
