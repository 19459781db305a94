"""`flask lti …`: register LMS platforms (LTI 1.3), print the tool's URLs, rotate its keys,
send the score outbox (`send-scores`, from cron every minute).

Beside `app/cli.py` (which would pass 400 lines with these). A command that writes does it
in one unit of work; bad arguments are a ClickException (exit 1) and nothing is stored.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app.auth import services as auth_services
from app.auth.models import ROLE_INSTRUCTOR
from app.database import unit_of_work
from app.extensions import db

lti_cli = AppGroup(
    "lti", help="Connect LMS platforms (LTI 1.3), manage the tool's keys, send scores."
)
lti_keys_cli = AppGroup("keys", help="The tool's signing keys (published at /lti/jwks).")
lti_cli.add_command(lti_keys_cli)


@lti_cli.command("register")
@click.option("--name", required=True, help="A name for the platform, e.g. 'School Moodle'.")
@click.option("--issuer", required=True, help="The platform ID (issuer), an https URL.")
@click.option("--client-id", required=True, help="The client ID the LMS gave our tool.")
@click.option("--login-url", required=True, help="The authentication request (OIDC) URL.")
@click.option("--token-url", required=True, help="The access token URL.")
@click.option("--jwks-url", required=True, help="The platform's public keyset URL.")
@click.option(
    "--deployment", "deployments", multiple=True, required=True,
    help="A deployment ID (repeat for each, at most 20).",
)  # fmt: skip
@click.option("--frame-origin", default="", help="The origin that frames us, if not the issuer's.")
@click.option(
    "--by", "by_email", default=None,
    help="The instructor registering it: LMS instructors become instructors here only then.",
)  # fmt: skip
def lti_register_command(
    name: str, issuer: str, client_id: str, login_url: str, token_url: str, jwks_url: str,
    deployments: tuple[str, ...], frame_origin: str, by_email: str | None,
) -> None:  # fmt: skip
    """Register an LMS that may launch the course, and print what to enter in it."""
    from app.lti import registrations
    from app.lti.keys import LtiKeyError

    data = registrations.RegistrationData(
        name=name, issuer=issuer, client_id=client_id, auth_login_url=login_url,
        auth_token_url=token_url, key_set_url=jwks_url, deployment_ids=deployments,
        frame_origin=frame_origin,
    )  # fmt: skip
    options = {"name": "--name", "issuer": "--issuer", "client_id": "--client-id",
               "auth_login_url": "--login-url", "auth_token_url": "--token-url",
               "key_set_url": "--jwks-url", "deployment_ids": "--deployment",
               "frame_origin": "--frame-origin"}  # fmt: skip
    try:
        with unit_of_work():
            by_id = _instructor_id(by_email) if by_email is not None else None
            row = registrations.create_registration(data, created_by_id=by_id)
            registration_id = row.id
    except registrations.RegistrationError as error:
        lines = [f"{options[field]}: {problem}" for field, problem in error.problems.items()]
        raise click.ClickException("\n".join([*lines, "Nothing was registered."])) from error
    except LtiKeyError as error:
        raise click.ClickException(f"{error} Nothing was registered.") from error
    click.echo(f"Registered platform {registration_id}: {name.strip()} ({issuer.strip()}).")
    _echo_tool_urls()


def _instructor_id(email: str) -> int:
    user = auth_services.find_user(email)
    if user is None or user.role != ROLE_INSTRUCTOR:
        raise click.ClickException(
            f"--by: no instructor with the email {email!r}; nothing changed."
        )
    return user.id


def _echo_tool_urls(base_url: str | None = None) -> None:
    from app.lti.registrations import tool_urls

    base = base_url or current_app.config.get("PUBLIC_BASE_URL") or ""
    if not base:
        click.echo("Set PUBLIC_BASE_URL (e.g. https://quiz.example.edu) to print the URLs.")
        return
    urls = tool_urls(base)
    click.echo("Enter these in the LMS:")
    for label, url in urls.rows():
        click.echo(f"  {label}: {url}")
    if not urls.secure:
        click.echo("Warning: LMS platforms need HTTPS; PUBLIC_BASE_URL is not https://.")


@lti_cli.command("urls")
@click.option(
    "--base-url", default=None, help="The site's public address (default: PUBLIC_BASE_URL)."
)
def lti_urls_command(base_url: str | None) -> None:
    """Print the tool's URLs to enter in an LMS (login, redirect, JWKS, deep linking)."""
    if not (base_url or current_app.config.get("PUBLIC_BASE_URL")):
        raise click.ClickException(
            "Set PUBLIC_BASE_URL (or --base-url) to the site's public https:// address."
        )
    _echo_tool_urls(base_url)


@lti_cli.command("list")
def lti_list_command() -> None:
    """List the registered platforms."""
    from app.lti.registrations import registrations

    rows = registrations()
    for row in rows:
        by = (row.created_by.email or row.created_by.name) if row.created_by else "the command line"
        click.echo(f"{row.id}: {row.name} issuer={row.issuer} client_id={row.client_id}")
        click.echo(f"    deployments: {', '.join(d.deployment_id for d in row.deployments)}")
        click.echo(f"    frame origin: {row.frame_origin or '(the issuer)'}; registered by {by}")
    if not rows:
        click.echo("No platform registered yet (`flask lti register --help`).")


@lti_cli.command("delete")
@click.argument("registration_id", type=click.IntRange(1, 2**31 - 1))
def lti_delete_command(registration_id: int) -> None:
    """Delete a platform nobody has launched through yet."""
    from app.lti.models import LtiRegistration
    from app.lti.registrations import RegistrationInUse, delete_registration

    try:
        with unit_of_work():
            row = db.session.get(LtiRegistration, registration_id)
            if row is None:
                raise click.ClickException(f"No registration {registration_id}; nothing changed.")
            name = row.name
            delete_registration(row)
    except RegistrationInUse as error:
        raise click.ClickException(f"{error} Nothing changed.") from error
    click.echo(f"Deleted registration {registration_id} ({name}).")


@lti_keys_cli.command("add")
def lti_keys_add_command() -> None:
    """Make a new signing key; it signs from now on, the old ones stay published."""
    from app.lti.keys import add_key

    with unit_of_work():
        kid = add_key().kid
    click.echo(f"Added key {kid}; it signs from now on. Retire the old one once platforms")
    click.echo("have fetched the new JWKS (`flask lti keys retire KID`).")
    if current_app.config.get("LTI_PRIVATE_KEY_FILE"):
        click.echo("Note: LTI_PRIVATE_KEY_FILE is set, so its key signs; this one is published.")


@lti_keys_cli.command("list")
def lti_keys_list_command() -> None:
    """List the tool's keys: kid, when made, when retired."""
    from sqlalchemy import select

    from app.lti.keys import public_jwks
    from app.lti.models import LtiToolKey

    if path := current_app.config.get("LTI_PRIVATE_KEY_FILE"):
        click.echo(f"{public_jwks()['keys'][0]['kid']}  from {path} (signs)")
    rows = db.session.scalars(select(LtiToolKey).order_by(LtiToolKey.created_at, LtiToolKey.id))
    for row in rows:
        retired = f"retired {row.retired_at:%Y-%m-%d %H:%M} UTC" if row.retired_at else "live"
        click.echo(f"{row.kid}  created {row.created_at:%Y-%m-%d %H:%M} UTC  {retired}")


# A kid is a base64url thumbprint: one in 32 starts with "-", which click would read as
# an option; unknown options are taken as the argument instead (`--help` still works).
@lti_keys_cli.command("retire", context_settings={"ignore_unknown_options": True})
@click.argument("kid")
def lti_keys_retire_command(kid: str) -> None:
    """Stop publishing and signing with a key (never the last live one)."""
    from app.lti.keys import LtiKeyError, retire_key

    try:
        with unit_of_work():
            if not retire_key(kid):
                raise click.ClickException(f"No live key {kid!r}; nothing changed.")
    except LtiKeyError as error:
        raise click.ClickException(f"{error} Nothing changed.") from error
    click.echo(f"Retired key {kid}; it is no longer published or used.")


@lti_cli.command("send-scores")
@click.option(
    "--batch-size", type=click.IntRange(1, 500), default=20, show_default=True,
    help="How many scores one claim takes (each is committed as it is sent).",
)  # fmt: skip
def send_scores_command(batch_size: int) -> None:
    """Send queued scores to the LMS platforms; exit 1 only if the database is unreachable.

    The logic is app.lti.sending; run it from cron every minute, as `attempts close-overdue`.
    """
    from sqlalchemy.exc import OperationalError

    from app.lti.sending import send_scores

    try:
        summary = send_scores(batch_size=batch_size)
    except OperationalError as error:  # the only failure that is not one score's
        raise click.ClickException(f"The database is unreachable: {error.orig}") from error
    click.echo(summary.line())
