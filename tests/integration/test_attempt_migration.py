"""Migration 0003 mends what races left behind before it adds the attempt constraints.

A database at 0002 holds what the old start code let through on PostgreSQL:
several "attempt 1"s for one learner and lesson, and several of them open. The
upgrade renumbers each learner's attempts by start time (then id), leaves only
the newest open attempt open, marks the others abandoned, and then the
database refuses a duplicate number or a second open attempt.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from app.extensions import db as _db
from tests.support import make_app

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)

users = sa.table(
    "users",
    sa.column("id", sa.Integer),
    sa.column("email", sa.String),
    sa.column("password_hash", sa.String),
    sa.column("role", sa.String),
    sa.column("session_token", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
modules = sa.table(
    "modules",
    sa.column("id", sa.Integer),
    sa.column("slug", sa.String),
    sa.column("title", sa.String),
    sa.column("position", sa.Integer),
)
lessons = sa.table(
    "lessons",
    sa.column("id", sa.Integer),
    sa.column("module_id", sa.Integer),
    sa.column("slug", sa.String),
    sa.column("title", sa.String),
    sa.column("position", sa.Integer),
    sa.column("body_md", sa.Text),
    sa.column("objectives", sa.JSON),
    sa.column("key_terms", sa.JSON),
    sa.column("summary", sa.Text),
    sa.column("quiz_settings", sa.JSON),
    sa.column("edited_in_web", sa.Boolean),
)
attempts = sa.table(
    "attempts",
    sa.column("id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("lesson_id", sa.Integer),
    sa.column("number", sa.Integer),
    sa.column("state", sa.String),
    sa.column("started_at", sa.DateTime(timezone=True)),
    sa.column("max_score", sa.Float),
    sa.column("seed", sa.Integer),
    sa.column("save_seq", sa.Integer),
)

# An answered question: a real deployment's attempts are referred to by responses, so a
# migration that rebuilds `attempts` on SQLite must cope with rows pointing at it.
questions = sa.table(
    "questions", *(sa.column(c) for c in
                   ("id", "uid", "lesson_id", "status", "origin", "position", "current_number",
                    "edited_in_web")),
)  # fmt: skip
question_versions = sa.table(
    "question_versions", *(sa.column(c) for c in
                           ("id", "question_id", "number", "type", "title", "prompt",
                            "text_format", "points", "general_feedback", "created_at")),
    sa.column("payload", sa.JSON),
)  # fmt: skip
responses = sa.table(
    "responses", *(sa.column(c) for c in
                   ("id", "attempt_id", "position", "question_version_id", "fraction", "points")),
    sa.column("choice_order", sa.JSON), sa.column("answer", sa.JSON),
)  # fmt: skip


@pytest.fixture
def empty_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all, on the same server as this test's backend."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrating.sqlite3'}"
        return
    name = f"{url.database}_migrating"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _attempt(id_: int, user_id: int, number: int, state: str, minutes: int) -> dict:
    return {
        "id": id_, "user_id": user_id, "lesson_id": 1, "number": number, "state": state,
        "started_at": T0 + timedelta(minutes=minutes), "max_score": 2.0, "seed": 0, "save_seq": 0,
    }  # fmt: skip


def _seed_what_races_left(connection: sa.Connection) -> None:
    connection.execute(
        users.insert(),
        [
            {"id": n, "email": f"l{n}@example.com", "password_hash": "x", "role": "learner",
             "session_token": f"token{n}", "created_at": T0}
            for n in (1, 2, 3)
        ],
    )  # fmt: skip
    connection.execute(modules.insert(), {"id": 1, "slug": "m", "title": "M", "position": 1})
    connection.execute(
        lessons.insert(),
        {"id": 1, "module_id": 1, "slug": "l", "title": "L", "position": 1, "body_md": "",
         "objectives": [], "key_terms": [], "summary": "", "quiz_settings": {"max_attempts": 1},
         "edited_in_web": False},
    )  # fmt: skip
    connection.execute(
        attempts.insert(),
        [
            # Learner 1: a graded attempt 1, then two more "attempt 1"s left open by a race;
            # stored out of order, so the ids do not follow the start times.
            _attempt(10, 1, 1, "open", minutes=30),
            _attempt(11, 1, 1, "submitted", minutes=0),
            _attempt(12, 1, 1, "open", minutes=20),
            # Learner 2: two open "attempt 1"s started in the same instant: the id decides.
            _attempt(20, 2, 1, "open", minutes=5),
            _attempt(21, 2, 1, "open", minutes=5),
            # Learner 3: one ordinary attempt, oddly numbered; it only gets renumbered.
            _attempt(30, 3, 4, "submitted", minutes=1),
        ],
    )
    connection.execute(
        questions.insert(),
        {"id": 1, "uid": "q-1", "lesson_id": 1, "status": "active", "origin": "file",
         "position": 1, "current_number": 1, "edited_in_web": False},
    )  # fmt: skip
    connection.execute(
        question_versions.insert(),
        {"id": 1, "question_id": 1, "number": 1, "type": "truefalse", "title": "",
         "prompt": "Envoys carry messages.", "text_format": "markdown",
         "payload": {"correct": True}, "points": 1.0, "general_feedback": "", "created_at": T0},
    )  # fmt: skip
    connection.execute(
        responses.insert(),
        [
            {"id": n, "attempt_id": attempt, "position": 1, "question_version_id": 1,
             "choice_order": [], "answer": True, "fraction": 1.0, "points": 1.0}
            for n, attempt in enumerate((10, 11, 12, 20, 21, 30), start=1)
        ],
    )  # fmt: skip


def test_upgrade_renumbers_abandons_duplicates_then_constrains(empty_database_url):
    app = make_app(empty_database_url)
    with app.app_context():
        upgrade(revision="0002_text_format")
        with _db.engine.begin() as connection:
            _seed_what_races_left(connection)

        upgrade()

        with _db.engine.begin() as connection:
            rows = connection.execute(
                sa.select(attempts.c.id, attempts.c.number, attempts.c.state).order_by(
                    attempts.c.id
                )
            ).all()
            tables = sa.inspect(connection).get_table_names()
        assert [tuple(row) for row in rows] == [
            (10, 3, "open"),  # learner 1's newest open attempt stays open, numbered last
            (11, 1, "submitted"),
            (12, 2, "abandoned"),
            (20, 1, "abandoned"),
            (21, 2, "open"),
            (30, 1, "submitted"),
        ]
        assert "attempt_allowances" in tables

        # The database now refuses what the old code let through.
        with pytest.raises(IntegrityError), _db.engine.begin() as connection:
            connection.execute(attempts.insert(), _attempt(13, 1, 4, "open", minutes=40))
        with pytest.raises(IntegrityError), _db.engine.begin() as connection:
            connection.execute(attempts.insert(), _attempt(14, 1, 3, "submitted", minutes=40))
        # The open-attempt index is partial: more graded or abandoned attempts are fine.
        with _db.engine.begin() as connection:
            connection.execute(attempts.insert(), _attempt(15, 1, 4, "submitted", minutes=40))
            connection.execute(attempts.insert(), _attempt(16, 1, 5, "abandoned", minutes=41))

        downgrade(revision="0002_text_format")  # and back: the constraints come off and on again
        with _db.engine.begin() as connection:
            assert "attempt_allowances" not in sa.inspect(connection).get_table_names()
            connection.execute(attempts.insert(), _attempt(17, 1, 1, "submitted", minutes=50))
        upgrade()
        with _db.engine.begin() as connection:
            numbers = connection.execute(
                sa.select(attempts.c.number).where(attempts.c.user_id == 1).order_by(attempts.c.id)
            )
            assert list(numbers.scalars()) == [3, 1, 2, 4, 5, 6]
        _db.engine.dispose()
