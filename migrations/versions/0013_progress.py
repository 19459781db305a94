"""progress: lesson_reads (a lesson opened once) and completions (one per learner, a random code)

Revision ID: 0013_progress
Revises: 0012_item_statistics
"""

import sqlalchemy as sa
from alembic import op

revision = '0013_progress'
down_revision = '0012_item_statistics'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'lesson_reads',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('lesson_id', sa.Integer(), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_lesson_reads_lesson_id_lessons')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_lesson_reads_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson_reads')),
        sa.UniqueConstraint('user_id', 'lesson_id', name='uq_lesson_reads_user_lesson'),
    )
    with op.batch_alter_table('lesson_reads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lesson_reads_lesson_id'), ['lesson_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lesson_reads_user_id'), ['user_id'], unique=False)
    op.create_table(
        'completions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('completed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_completions_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_completions')),
        sa.UniqueConstraint('code', name=op.f('uq_completions_code')),
        sa.UniqueConstraint('user_id', name=op.f('uq_completions_user_id')),
    )


def downgrade():
    op.drop_table('completions')
    with op.batch_alter_table('lesson_reads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lesson_reads_user_id'))
        batch_op.drop_index(batch_op.f('ix_lesson_reads_lesson_id'))
    op.drop_table('lesson_reads')
