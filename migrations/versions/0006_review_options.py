"""review options: the course row remembers a web edit of its settings

Review options themselves are quiz settings, stored in the JSON columns that
already hold the course defaults and each lesson's overrides.

Revision ID: 0006_review_options
Revises: 0005_attempt_integrity
Create Date: 2026-11-28 12:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_review_options'
down_revision = '0005_attempt_integrity'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('edited_in_web', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_column('edited_in_web')
