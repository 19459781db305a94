"""import previews wait in a table, claimed once on confirmation

Revision ID: 0008_import_previews
Revises: 0007_login_limits
Create Date: 2026-11-28 12:40:00

Uploads used to wait as files in each server's instance folder, where a second
server could not see them and two confirmations at once could both import.
Waiting files are not carried over: an instructor uploads the file again.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_import_previews'
down_revision = '0007_login_limits'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'import_previews',
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('lesson_id', sa.Integer(), nullable=False),
        sa.Column('format', sa.String(length=10), nullable=False),
        sa.Column('fresh_ids', sa.Boolean(), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['lesson_id'], ['lessons.id'],
            name=op.f('fk_import_previews_lesson_id_lessons'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'],
            name=op.f('fk_import_previews_user_id_users'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('token', name=op.f('pk_import_previews')),
    )
    with op.batch_alter_table('import_previews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_previews_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_previews_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('import_previews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_previews_user_id'))
        batch_op.drop_index(batch_op.f('ix_import_previews_created_at'))
    op.drop_table('import_previews')
