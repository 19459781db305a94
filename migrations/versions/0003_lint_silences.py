"""lint silences stored per question version

Revision ID: 0003_lint_silences
Revises: 0002_text_format
Create Date: 2026-11-28 12:30:00

A question may silence an item-writing rule with a reason (`// lint-ok: rule — why`
in GIFT, a field in the editor). The silences are kept with the version so an
export writes them back and the editor shows them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_lint_silences"
down_revision = "0002_text_format"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("question_versions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("lint_ok", sa.JSON(), server_default="{}", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("question_versions", schema=None) as batch_op:
        batch_op.drop_column("lint_ok")
