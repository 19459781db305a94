"""lti names: lti_identities.lms_name, the name the LMS last gave

A launch with a changed name renames the account while it still carries this name.
Existing identities start with none (their owners may have renamed themselves): their
next launch only records the LMS's name.

Revision ID: 0015_lti_names
Revises: 0014_lti
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_lti_names'
down_revision = '0014_lti'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lti_identities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lms_name', sa.String(length=80), nullable=True))


def downgrade():
    with op.batch_alter_table('lti_identities', schema=None) as batch_op:
        batch_op.drop_column('lms_name')
