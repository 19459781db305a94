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
