"""item statistics: stored per lesson and attempt set; lessons.graded_revision; users.is_demo

Grading a submission bumps its lesson's graded_revision; a stored statistics row
records the revision it was computed from, so a page recomputes only when its row
is behind. Demo learners (`flask demo seed`) are marked is_demo.

Revision ID: 0012_item_statistics
Revises: 0011_practice
"""
import sqlalchemy as sa
from alembic import op

revision = '0012_item_statistics'
down_revision = '0011_practice'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('is_demo', sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('graded_revision', sa.Integer(), nullable=False, server_default='0')
        )
    op.create_table(
        'item_statistics',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('lesson_id', sa.Integer(), nullable=False),
        sa.Column('attempt_set', sa.String(length=10), nullable=False),
        sa.Column('graded_revision', sa.Integer(), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('flags', sa.JSON(), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('lesson_id', 'attempt_set', name='uq_item_statistics_lesson_set'),
    )


def downgrade():
    op.drop_table('item_statistics')
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.drop_column('graded_revision')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('is_demo')
