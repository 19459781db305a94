"""display names: users.name, users.name_key, users.name_confirmed

Existing accounts are named by their email's local part and asked to confirm the
name at their next log-in (name_confirmed false).

The stand-in name and the sort key are computed here, not imported from the app:
a migration replays the rule as it was when it was written. They match
app.auth.services (name_from_email, name_key) at revision 0008.

Revision ID: 0009_display_names
Revises: 0008_import_previews
"""
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '0009_display_names'
down_revision = '0008_import_previews'
branch_labels = None
depends_on = None

_REFUSED = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def _stand_in_name(email: str) -> str:
    local = unicodedata.normalize("NFC", email.strip().lower().split("@", 1)[0]).strip()
    cleaned = "".join(c for c in local if unicodedata.category(c) not in _REFUSED)
    return cleaned[:80].strip() or "Learner"


def _name_key(name: str) -> str:
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).strip().casefold())


def _key_type() -> sa.types.TypeEngine:
    return sa.String(length=240).with_variant(sa.String(length=240, collation="C"), "postgresql")


def upgrade():
    # Columns are added NOT NULL with a default, then filled: SQLite can add such a
    # column in place, where making a column NOT NULL later would rebuild `users`, a
    # table other rows refer to (its foreign keys refuse the DROP TABLE of a rebuild).
    op.add_column('users', sa.Column('name', sa.String(length=80), nullable=False, server_default=''))
    op.add_column('users', sa.Column('name_key', _key_type(), nullable=False, server_default=''))
    op.add_column(
        'users',
        sa.Column('name_confirmed', sa.Boolean(), nullable=False, server_default=sa.false()),
    )

    users = sa.table(
        'users',
        sa.column('id', sa.Integer),
        sa.column('email', sa.String),
        sa.column('name', sa.String),
        sa.column('name_key', sa.String),
        sa.column('name_confirmed', sa.Boolean),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(users.c.id, users.c.email)).all()
    if rows:
        updates = []
        for row in rows:
            name = _stand_in_name(row.email)
            updates.append(
                {"user_id": row.id, "new_name": name, "new_key": _name_key(name), "confirmed": False}
            )
        connection.execute(
            users.update()
            .where(users.c.id == sa.bindparam("user_id"))
            .values(
                name=sa.bindparam("new_name"),
                name_key=sa.bindparam("new_key"),
                name_confirmed=sa.bindparam("confirmed"),
            ),
            updates,
        )
    if connection.dialect.name == 'postgresql':  # the app always sets them; no default kept
        for column in ('name', 'name_key', 'name_confirmed'):
            op.alter_column('users', column, server_default=None)
    op.create_index(op.f('ix_users_name_key'), 'users', ['name_key'], unique=False)


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+, PostgreSQL): a batch rebuild of `users` would drop a
    # table other rows refer to, which SQLite's foreign keys refuse.
    op.drop_index(op.f('ix_users_name_key'), table_name='users')
    for column in ('name_confirmed', 'name_key', 'name'):
        op.drop_column('users', column)
