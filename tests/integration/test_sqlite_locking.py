"""On SQLite, writers take the lock at their start and wait for each other, while
readers carry on under WAL (the units of work that keep submissions exactly-once)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text

from app.auth.models import User
from app.auth.services import create_user
from app.database import begin_write
from app.extensions import db as _db
from tests.support import make_app


@pytest.fixture
def sqlite_app(database_urls):
    app = make_app(database_urls["get"]("sqlite"))
    yield app
    with app.app_context():
        _db.session.execute(text("DELETE FROM users"))
        _db.session.commit()
        _db.engine.dispose()


def _users(app) -> int:
    with app.app_context():
        return _db.session.scalar(select(func.count()).select_from(User))


def test_every_connection_runs_in_wal_mode(sqlite_app):
    with sqlite_app.app_context():
        assert _db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert _db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_readers_proceed_while_a_writer_holds_the_lock_and_writers_wait_their_turn(sqlite_app):
    holding = threading.Event()
    release = threading.Event()
    order: list[str] = []
    errors: list[BaseException] = []

    def first_writer() -> None:
        try:
            with sqlite_app.app_context():
                begin_write()  # BEGIN IMMEDIATE: the write lock is ours from here
                create_user("first@example.com", "a password long enough")
                holding.set()
                assert release.wait(10)
                order.append("first commits")
                _db.session.commit()
        except BaseException as error:
            errors.append(error)
            holding.set()

    def second_writer() -> None:
        try:
            with sqlite_app.app_context():
                begin_write()  # waits (busy_timeout) instead of failing "database is locked"
                order.append("second has the lock")
                create_user("second@example.com", "a password long enough")
                _db.session.commit()
        except BaseException as error:
            errors.append(error)

    writer = threading.Thread(target=first_writer)
    writer.start()
    assert holding.wait(10)

    # A reader is not blocked by the writer and sees the last committed state.
    assert _users(sqlite_app) == 0

    waiting = threading.Thread(target=second_writer)
    waiting.start()
    waiting.join(0.5)
    assert waiting.is_alive(), "the second writer should wait for the lock"
    assert order == []

    release.set()
    writer.join(10)
    waiting.join(10)
    assert not errors, errors
    assert order == ["first commits", "second has the lock"]
    assert _users(sqlite_app) == 2
