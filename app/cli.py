"""`flask course …`, `users …`, `attempts …` and `bank …` commands.

A command that writes does it in one unit of work (`app.database.unit_of_work`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from app.auth import services as auth_services
from app.auth.models import ROLE_INSTRUCTOR, ROLE_LEARNER
from app.content.loading import load_course
from app.course.files import CourseFileError, read_course
from app.database import hold_startup_lock, unit_of_work
from app.extensions import db

course_cli = AppGroup("course", help="Load the course files into the database.")
users_cli = AppGroup("users", help="Manage accounts and roles.")
attempts_cli = AppGroup("attempts", help="Look after quiz attempts.")
bank_cli = AppGroup("bank", help="Check question files (GIFT, Aiken) without the database.")


# with_appcontext=False: checking files needs no app, no secret key and no database, so a
# content pipeline can run it on a fresh clone. pyproject.toml also installs this group as
# a `flask.commands` plugin, which the `flask` command finds before it builds the app.
@bank_cli.command("check", with_appcontext=False)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--format", "file_format", type=click.Choice(["auto", "gift", "aiken"]), default="auto",
    help="The files' format (auto: .txt and .aiken files are Aiken, others GIFT).",
)  # fmt: skip
@click.option(
    "--strict", is_flag=True,
    help="Fail (exit 1) on lint and reader warnings too, not only on errors.",
)  # fmt: skip
@click.option(
    "--guess", is_flag=True,
    help="Add the blind-guess benchmark: what a test-wise guesser scores against chance.",
)  # fmt: skip
def bank_check(
    files: tuple[Path, ...], as_json: bool, file_format: str, strict: bool, guess: bool
) -> None:
    """Validate and lint question files: each file is one quiz, all of them the course."""
    from app.bank.checking import check_files, format_report
    from app.bank.guessing import benchmark, format_benchmark

    check = check_files(files, file_format)
    guessed = benchmark(check.banks) if guess else None
    if as_json:
        report = check.as_json()
        if guessed is not None:
            report["guess"] = guessed.as_json()
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        for line in format_report(check) + (format_benchmark(guessed) if guessed else []):
            click.echo(line)
    if check.has_errors or (strict and check.has_warnings):
        raise SystemExit(1)


@attempts_cli.command("close-overdue")
def close_overdue_command() -> None:
    """Grade every attempt whose time limit has passed (run it from cron)."""
    from app.quizzes.attempts import close_overdue_attempts

    with unit_of_work():
        graded = close_overdue_attempts()
    click.echo(f"graded {graded} overdue attempt{'s' if graded != 1 else ''}")


@attempts_cli.command("grant")
@click.argument("email")
@click.argument("lesson_slug")
@click.option(
    "--extra", type=click.IntRange(1, 1000), default=1, show_default=True,
    help="How many more attempts to give.",
)  # fmt: skip
def grant_command(email: str, lesson_slug: str, extra: int) -> None:
    """Give a learner more attempts at a lesson's quiz, over its attempt limit."""
    from app.course.services import lesson_by_slug
    from app.quizzes.allowances import grant_extra_attempts

    with unit_of_work():
        user = auth_services.find_user(email)
        if user is None:
            raise click.ClickException(f"No account with the email {email!r}; nothing changed.")
        lesson = lesson_by_slug(lesson_slug)
        if lesson is None:
            raise click.ClickException(f"No lesson {lesson_slug!r}; nothing changed.")
        total = grant_extra_attempts(user.id, lesson.id, extra)
        user_email, title = user.email, lesson.title
    click.echo(
        f"{user_email} now has {total} extra attempt{'s' if total != 1 else ''} at {title!r}."
    )


@course_cli.command("load")
@click.option(
    "--dir", "course_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="The course folder (default: the app's COURSE_DIR, the repo's questions/).",
)  # fmt: skip
def load_command(course_dir: Path | None) -> None:
    """Write questions/ into the database in one transaction."""
    course_dir = course_dir or Path(current_app.config["COURSE_DIR"])
    try:
        source = read_course(course_dir)
    except CourseFileError as error:
        raise click.ClickException(f"{error} (nothing was loaded)") from error
    with unit_of_work():
        hold_startup_lock(db.session.connection())  # two servers starting together load once
        report = load_course(source)
    for line in report.lines():
        click.echo(line)


@users_cli.command("create-instructor")
@click.argument("email")
@click.option(
    "--name", default=None,
    help="The display name (default: the email's local part, to be confirmed at first log-in).",
)  # fmt: skip
def create_instructor(email: str, name: str | None) -> None:
    """Create an instructor account (password from INSTRUCTOR_PASSWORD or a prompt)."""
    if name is not None and (problem := auth_services.name_problem(name)):
        raise click.ClickException(f"--name: {problem}")
    password = os.environ.get("INSTRUCTOR_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    problem = auth_services.password_problem(email, password)
    if problem:
        raise click.ClickException(problem)
    try:
        with unit_of_work():
            user = auth_services.create_user(email, password, role=ROLE_INSTRUCTOR, name=name)
    except auth_services.AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Instructor {user.name} <{user.email}> created.")


@users_cli.command("set-password")
@click.argument("email")
def set_password_command(email: str) -> None:
    """Set an account's password (from NEW_PASSWORD or a prompt); its sessions end."""
    password = os.environ.get("NEW_PASSWORD") or click.prompt(
        "New password", hide_input=True, confirmation_prompt=True
    )
    try:
        with unit_of_work():
            user = auth_services.set_password(email, password)
    except auth_services.AccountError as error:
        raise click.ClickException(f"{error} (nothing changed)") from error
    click.echo(f"The password of {user.email} is set; every session of the account has ended.")


@users_cli.command("promote")
@click.argument("email")
def promote(email: str) -> None:
    """Make an existing account an instructor."""
    _set_role(email, ROLE_INSTRUCTOR)


@users_cli.command("demote")
@click.argument("email")
def demote(email: str) -> None:
    """Make an instructor a learner again."""
    _set_role(email, ROLE_LEARNER)


def _set_role(email: str, role: str) -> None:
    try:
        with unit_of_work():
            user = auth_services.set_role(email, role)
    except auth_services.AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{user.email} is now {'an' if role == ROLE_INSTRUCTOR else 'a'} {role}.")


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Copy the SQLite database to PATH while the app keeps serving."""
    from app.ops.backup import BackupRefused, backup_sqlite

    try:
        size = backup_sqlite(db.engine, path)
    except (BackupRefused, OSError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backed up the database to {path} ({size:,} bytes).")


demo_cli = AppGroup("demo", help="Seed or clear a simulated class to see the statistics.")


@demo_cli.command("seed")
@click.option("--learners", default=300, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--seed", "seed", default=2026, show_default=True, help="Random seed.")
@click.option("--force", is_flag=True, help="Seed even though real learners exist.")
@click.option("--broken-lesson", default=None, help="Lesson slug for the broken questions.")
def demo_seed_command(learners: int, seed: int, force: bool, broken_lesson: str | None) -> None:
    """Create a demo instructor and simulated learners with graded attempts (idempotent)."""
    import secrets
    import time

    from app.demo.seeding import INSTRUCTOR_EMAIL, DemoRefused, seed_demo

    password = os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(12)
    began = time.perf_counter()
    try:
        with unit_of_work():
            report = seed_demo(
                learners, password, seed=seed, force=force, broken_lesson=broken_lesson
            )
    except DemoRefused as refused:
        raise click.ClickException(str(refused)) from refused
    if not report.created:
        click.echo(
            f"The demo class is already here ({report.learners} learners); nothing changed. "
            "Run `flask demo clear` first to seed it again."
        )
        return
    click.echo(
        f"Seeded {report.learners} demo learners, {report.attempts} attempts and "
        f"{report.responses} answers in {time.perf_counter() - began:.1f} s."
    )
    for uid, behaviour in report.broken.items():
        click.echo(f"Simulated {behaviour}: question {uid}")
    shown = "from DEMO_PASSWORD" if os.environ.get("DEMO_PASSWORD") else password
    click.echo(f"Log in as {INSTRUCTOR_EMAIL} with the password {shown} (shown once).")


@demo_cli.command("clear")
def demo_clear_command() -> None:
    """Remove every demo account and all its attempts and grades."""
    from app.demo.seeding import clear_demo

    with unit_of_work():
        removed = clear_demo()
    click.echo(f"Removed {removed} demo accounts and their data.")
