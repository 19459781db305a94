"""password resets: one-time links an instructor issues, stored as SHA-256

Revision ID: 0010_password_resets
Revises: 0009_display_names
"""
import sqlalchemy as sa
from alembic import op

revision = '0010_password_resets'
down_revision = '0009_display_names'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'password_resets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('issued_by', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['issued_by'], ['users.id'], name=op.f('fk_password_resets_issued_by_users')
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_password_resets_user_id_users')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_password_resets')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_password_resets_token_hash')),
    )
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_password_resets_user_id'), ['user_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_resets_user_id'))
    op.drop_table('password_resets')
