"""`flask lti send-scores`: send the LMS score outbox (run it from cron, every minute or so).

The logic is `app.lti.sending`; this is only the command. It joins the `lti` group when
another module made one (`flask lti register …`), else makes it.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext


@click.command("send-scores")
@with_appcontext
@click.option(
    "--batch-size", type=click.IntRange(1, 500), default=20, show_default=True,
    help="How many scores one claim takes (each is committed as it is sent).",
)  # fmt: skip
def send_scores_command(batch_size: int) -> None:
    """Send queued scores to the LMS platforms; exit 1 only if the database is unreachable."""
    from sqlalchemy.exc import OperationalError

    from app.lti.sending import send_scores

    try:
        summary = send_scores(batch_size=batch_size)
    except OperationalError as error:  # the only failure that is not one score's
        raise click.ClickException(f"The database is unreachable: {error.orig}") from error
    click.echo(summary.line())


def add_score_commands(app: Flask) -> None:
    """Put `send-scores` in the app's `lti` command group (made here if none exists yet)."""
    group = app.cli.commands.get("lti")
    if not isinstance(group, click.Group):
        group = AppGroup("lti", help="LTI 1.3: LMS platforms, the tool's keys, score passback.")
        app.cli.add_command(group)
    group.add_command(send_scores_command)
