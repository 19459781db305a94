"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.extensions import db as _db


def test_models_and_migrations_agree(app, db):
    with _db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        differences = compare_metadata(context, _db.metadata)
    assert differences == []


def test_every_model_table_exists_after_upgrade(app, db):
    tables = set(inspect(_db.engine).get_table_names())
    assert set(_db.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_accounts_from_before_names_get_their_email_local_part_to_confirm(app, db):
    """Migration 0008 names existing accounts by their email and asks them to confirm."""
    from alembic.script import ScriptDirectory
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    before_names = script.get_revision("0009_display_names").down_revision
    _db.session.remove()
    downgrade(revision=before_names)
    with _db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (email, password_hash, role, session_token, created_at) "
                "VALUES ('Zoe.Kallberg@example.com', 'x', 'learner', 't1', CURRENT_TIMESTAMP), "
                "('ADA@example.com', 'x', 'instructor', 't2', CURRENT_TIMESTAMP)"
            )
        )
    upgrade()
    with _db.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT email, name, name_key, name_confirmed FROM users ORDER BY email")
        ).all()
    assert [tuple(row) for row in rows] == [
        ("ADA@example.com", "ada", "ada", False),
        ("Zoe.Kallberg@example.com", "zoe.kallberg", "zoe.kallberg", False),
    ]
