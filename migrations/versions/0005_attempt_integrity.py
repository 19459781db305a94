"""attempt integrity: unique attempt numbers, one open attempt, extra attempts

Revision ID: 0005_attempt_integrity
Revises: 0004_render_once
Create Date: 2026-11-28 12:40:00.000000

Before the constraints can exist, the data that races left behind is mended:
each learner's attempts at a lesson are renumbered 1, 2, … by (started_at, id),
and of several open attempts at one lesson only the newest stays open; the
others become "abandoned" (never graded, never counted in a lesson grade).
Both statements are plain SQL that SQLite and PostgreSQL run alike; neither
depends on the values it changes, so the order in which rows are updated does
not matter.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_attempt_integrity'
down_revision = '0004_render_once'
branch_labels = None
depends_on = None

OPEN_ONLY = sa.text("state = 'open'")

RENUMBER = """
UPDATE attempts SET number = (
    SELECT COUNT(*) FROM attempts AS earlier
    WHERE earlier.user_id = attempts.user_id
      AND earlier.lesson_id = attempts.lesson_id
      AND (earlier.started_at < attempts.started_at
           OR (earlier.started_at = attempts.started_at AND earlier.id <= attempts.id))
)
"""

ABANDON_OLDER_OPEN = """
UPDATE attempts SET state = 'abandoned'
WHERE state = 'open' AND EXISTS (
    SELECT 1 FROM attempts AS newer
    WHERE newer.user_id = attempts.user_id
      AND newer.lesson_id = attempts.lesson_id
      AND newer.state = 'open'
      AND (newer.started_at > attempts.started_at
           OR (newer.started_at = attempts.started_at AND newer.id > attempts.id))
)
"""


def upgrade():
    op.execute(RENUMBER)
    op.execute(ABANDON_OLDER_OPEN)
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.create_unique_constraint(
            'uq_attempts_user_lesson_number', ['user_id', 'lesson_id', 'number']
        )
        batch_op.create_index(
            'uq_attempts_one_open_per_learner', ['user_id', 'lesson_id'], unique=True,
            sqlite_where=OPEN_ONLY, postgresql_where=OPEN_ONLY,
        )

    op.create_table('attempt_allowances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('extra', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_attempt_allowances_lesson_id_lessons')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_attempt_allowances_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempt_allowances')),
    sa.UniqueConstraint('user_id', 'lesson_id', name=op.f('uq_attempt_allowances_user_id'))
    )
    with op.batch_alter_table('attempt_allowances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attempt_allowances_lesson_id'), ['lesson_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attempt_allowances_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('attempt_allowances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attempt_allowances_user_id'))
        batch_op.drop_index(batch_op.f('ix_attempt_allowances_lesson_id'))
    op.drop_table('attempt_allowances')
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_index('uq_attempts_one_open_per_learner')
        batch_op.drop_constraint('uq_attempts_user_lesson_number', type_='unique')
    # Abandoned attempts stay abandoned: which of them was the "real" one is not recorded.
