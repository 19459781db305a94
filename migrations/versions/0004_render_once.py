"""render authored text once; the course's content revision

Adds the stored HTML beside every authored text (lessons: body, objectives, key
terms, summary; question versions: every text a learner page shows) with the
renderer version that made it, and `courses.content_revision`, which every write
to course content bumps (the per-process course cache checks it). Existing rows
are rendered here, with the app's one renderer and sanitiser.

Revision ID: 0004_render_once
Revises: 0003_lint_silences
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_render_once"
down_revision = "0003_lint_silences"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (with a default for the rows already there): on SQLite a batch
    # table rebuild would drop `lessons`, which other tables reference.
    op.add_column(
        "courses", sa.Column("content_revision", sa.Integer(), server_default="1", nullable=False)
    )
    op.add_column("lessons", sa.Column("body_html", sa.Text(), server_default="", nullable=False))
    op.add_column(
        "lessons",
        sa.Column("objectives_html", sa.JSON(), server_default=sa.text("'[]'"), nullable=False),
    )
    op.add_column(
        "lessons",
        sa.Column("key_terms_html", sa.JSON(), server_default=sa.text("'[]'"), nullable=False),
    )
    op.add_column(
        "lessons", sa.Column("summary_html", sa.Text(), server_default="", nullable=False)
    )
    op.add_column(
        "lessons", sa.Column("render_version", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column(
        "question_versions",
        sa.Column("rendered", sa.JSON(), server_default=sa.text("'{}'"), nullable=False),
    )
    op.add_column(
        "question_versions",
        sa.Column("render_version", sa.Integer(), server_default="0", nullable=False),
    )
    _render_existing_rows()


def _render_existing_rows():
    """Fill the new columns of the rows already stored (a fresh database has none)."""
    from app.bank.rendered import question_html
    from app.bank.types import from_stored
    from app.course.services import lesson_html
    from app.rendering import RENDER_VERSION

    bind = op.get_bind()
    lessons = sa.table(
        "lessons",
        sa.column("id", sa.Integer),
        sa.column("body_md", sa.Text),
        sa.column("objectives", sa.JSON),
        sa.column("key_terms", sa.JSON),
        sa.column("summary", sa.Text),
        sa.column("body_html", sa.Text),
        sa.column("objectives_html", sa.JSON),
        sa.column("key_terms_html", sa.JSON),
        sa.column("summary_html", sa.Text),
        sa.column("render_version", sa.Integer),
    )
    for row in bind.execute(
        sa.select(lessons.c.id, lessons.c.body_md, lessons.c.objectives,
                  lessons.c.key_terms, lessons.c.summary)
    ).all():  # fmt: skip
        html = lesson_html(row.body_md, row.objectives, row.key_terms, row.summary)
        bind.execute(lessons.update().where(lessons.c.id == row.id).values(**html))
    versions = sa.table(
        "question_versions",
        sa.column("id", sa.Integer),
        sa.column("type", sa.String),
        sa.column("title", sa.String),
        sa.column("prompt", sa.Text),
        sa.column("text_format", sa.String),
        sa.column("payload", sa.JSON),
        sa.column("points", sa.Float),
        sa.column("general_feedback", sa.Text),
        sa.column("rendered", sa.JSON),
        sa.column("render_version", sa.Integer),
    )
    for row in bind.execute(sa.select(versions)).all():
        data = from_stored(
            row.type,
            row.prompt,
            row.payload or {},
            title=row.title,
            text_format=row.text_format,
            points=row.points,
            general_feedback=row.general_feedback,
        )
        bind.execute(
            versions.update()
            .where(versions.c.id == row.id)
            .values(rendered=question_html(data), render_version=RENDER_VERSION)
        )


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+ and PostgreSQL): a batch rebuild of `lessons` would
    # drop a table other rows refer to, which SQLite's foreign keys refuse.
    for column in ("render_version", "rendered"):
        op.drop_column("question_versions", column)
    for column in ("render_version", "summary_html", "key_terms_html", "objectives_html", "body_html"):
        op.drop_column("lessons", column)
    op.drop_column("courses", "content_revision")
