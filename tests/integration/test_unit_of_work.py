"""The unit of work: it stores what its block did, or nothing, and never reloads the user."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.auth.services import create_user
from app.database import unit_of_work
from tests.support import PASSWORD, QueryCounter, csrf_token

USER_READS = re.compile(r"\bFROM users\b", re.IGNORECASE)


def _users(db) -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_the_block_is_stored_when_it_ends(db):
    with unit_of_work():
        create_user("kept@example.com", PASSWORD)
    db.session.rollback()  # nothing pending survives a rollback: it was committed
    assert _users(db) == 1


def test_an_error_in_the_block_stores_nothing_and_reaches_the_caller(db):
    with pytest.raises(LookupError), unit_of_work():
        create_user("lost@example.com", PASSWORD)
        raise LookupError("changed my mind")
    assert _users(db) == 0


def test_taking_the_write_lock_keeps_the_logged_in_user_loaded(client, course, learner, db):
    """A write path reads the user once (Flask-Login), not again after the lock is taken."""
    token = csrf_token(client, "/lessons/first-lesson")
    with QueryCounter(db.engine) as counter:
        response = client.post("/lessons/first-lesson/quiz", data={"csrf_token": token})
    assert response.status_code == 302
    reads = [s for s in counter.statements if USER_READS.search(s)]
    assert len(reads) == 1, reads


def test_log_out_reads_the_user_once_and_stores_the_new_token(client, learner, db):
    before = learner.session_token
    token = csrf_token(client, "/")
    with QueryCounter(db.engine) as counter:
        response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert len([s for s in counter.statements if USER_READS.search(s)]) == 1
    db.session.expire_all()
    assert db.session.get(User, learner.id).session_token != before


def test_what_was_read_before_the_lock_is_read_again_inside_it(course, db):
    """A stale-edit check under the lock must see a save made after the page read the row."""
    from app.course.models import Lesson

    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "first-lesson"))
    assert lesson.title == "First Lesson"
    with db.engine.begin() as other:  # another request saves meanwhile
        other.execute(Lesson.__table__.update().values(title="Saved meanwhile"))
    with unit_of_work():
        assert lesson.title == "Saved meanwhile"
