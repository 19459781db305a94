"""Platform registrations: the LMSs that may launch us, and what we tell them about us.

Every way in (the instructor page, `flask lti register`) goes through `create_registration`
and `update_registration`, so the rules below are the only ones: `registration_problems`
judges a `RegistrationData` without the database, the unique (issuer, client id) pair is
held by the table's constraint. Services flush; the caller's unit of work commits.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import current_app, request, url_for
from sqlalchemy import func, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app.database import savepoint
from app.extensions import db
from app.lti import keys
from app.lti.models import (
    LtiContext,
    LtiDeployment,
    LtiGradeLink,
    LtiIdentity,
    LtiRegistration,
)

# Where a platform reaches us. The views of app/lti/views.py serve these paths under these
# endpoints; a page builds them with url_for (tests/integration/test_lti_registrations.py
# checks the two agree), the command line, which has no request, from the paths.
LOGIN_PATH, LOGIN_ENDPOINT = "/lti/login", "lti.login"
LAUNCH_PATH, LAUNCH_ENDPOINT = "/lti/launch", "lti.launch"
JWKS_PATH, JWKS_ENDPOINT = "/lti/jwks", "lti.jwks"
TOOL_PATHS = {LOGIN_ENDPOINT: LOGIN_PATH, LAUNCH_ENDPOINT: LAUNCH_PATH, JWKS_ENDPOINT: JWKS_PATH}

MAX_DEPLOYMENTS = 20
# The columns' own lengths, so a check here can never let through what a row cannot hold.
_COLUMNS = LtiRegistration.__table__.c
MAX_NAME = _COLUMNS.name.type.length
MAX_ISSUER = _COLUMNS.issuer.type.length
MAX_CLIENT_ID = _COLUMNS.client_id.type.length
MAX_URL = _COLUMNS.auth_login_url.type.length
MAX_FRAME_ORIGIN = _COLUMNS.frame_origin.type.length
MAX_DEPLOYMENT_ID = LtiDeployment.__table__.c.deployment_id.type.length
URL_FIELDS = {
    "auth_login_url": "The authentication request URL",
    "auth_token_url": "The access token URL",
    "key_set_url": "The public keyset URL",
}


class RegistrationError(ValueError):
    """A registration cannot be stored as given; `problems` says why, field by field."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


class RegistrationInUse(Exception):
    """A registration people have launched through cannot be deleted."""


@dataclass(frozen=True)
class RegistrationData:
    """What a platform's administrator copies from the LMS into our page or command."""

    name: str
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    deployment_ids: tuple[str, ...] = ()
    frame_origin: str = ""

    def cleaned(self) -> RegistrationData:
        """The same data with surrounding blanks taken off and blank deployment ids dropped."""
        return RegistrationData(
            name=self.name.strip(),
            issuer=self.issuer.strip(),
            client_id=self.client_id.strip(),
            auth_login_url=self.auth_login_url.strip(),
            auth_token_url=self.auth_token_url.strip(),
            key_set_url=self.key_set_url.strip(),
            deployment_ids=tuple(d.strip() for d in self.deployment_ids if d.strip()),
            frame_origin=normal_origin(self.frame_origin.strip()),
        )


def is_loopback_host(host: str | None) -> bool:
    """Tell whether a URL's host is this machine (localhost, 127.0.0.0/8, ::1)."""
    if not host:
        return False
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_problem(value: str, what: str, max_length: int, *, issuer: bool = False) -> str | None:
    """Say what is wrong with a platform URL, or None when it is usable.

    It must be absolute http(s) with a host, without credentials or blanks. HTTPS is
    required: over plain HTTP anyone on the way could swap the platform's keys (its
    JWKS) or read an access token, and so forge launches or scores. Only a loopback
    host (localhost, 127.0.0.0/8, ::1) may use http, because nothing it sends leaves
    the machine: a development LMS beside the app, and the tests' platform. An issuer
    also has no query or fragment (LTI 1.3 core, the `iss` claim).
    """
    if not value:
        return f"{what} is required."
    if len(value) > max_length:
        return f"{what} is too long (at most {max_length} characters)."
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in value):
        return f"{what} must not contain spaces or control characters."
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return f"{what} is not a valid URL."
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return f"{what} must be a full address starting with https://."
    if parts.username is not None or parts.password is not None:
        return f"{what} must not contain a user name or password."
    if parts.scheme.lower() == "http" and not is_loopback_host(parts.hostname):
        return f"{what} must use https:// (plain http is accepted only for localhost)."
    if issuer and (parts.query or parts.fragment):
        return f"{what} must not have a query (?…) or a fragment (#…)."
    return None


def normal_origin(value: str) -> str:
    """Write an origin as browsers compare it: lowercase, without a trailing slash."""
    value = value[:-1] if value.endswith("/") and not value.endswith("//") else value
    if "://" in value:
        scheme, _, rest = value.partition("://")
        return f"{scheme.lower()}://{rest.lower()}"
    return value


def origin_problem(value: str) -> str | None:
    """Say what is wrong with a frame origin (scheme://host[:port], nothing after)."""
    what = "The frame origin"
    problem = url_problem(value, what, MAX_FRAME_ORIGIN)
    if problem:
        return problem
    parts = urlsplit(value)
    if parts.path or parts.query or parts.fragment or value.endswith(("?", "#")):
        return f"{what} is an origin only: scheme and host (and port), with no path."
    return None


def registration_problems(data: RegistrationData) -> dict[str, str]:
    """Judge cleaned registration data without the database: field name → what is wrong."""
    problems: dict[str, str] = {}
    if not data.name:
        problems["name"] = "Give the platform a name (for example the school's LMS)."
    elif len(data.name) > MAX_NAME:
        problems["name"] = f"The name is too long (at most {MAX_NAME} characters)."
    if problem := url_problem(data.issuer, "The issuer (platform ID)", MAX_ISSUER, issuer=True):
        problems["issuer"] = problem
    if not data.client_id:
        problems["client_id"] = "The client ID is required (the LMS shows it for our tool)."
    elif len(data.client_id) > MAX_CLIENT_ID:
        problems["client_id"] = f"The client ID is too long (at most {MAX_CLIENT_ID} characters)."
    elif _has_control(data.client_id):
        problems["client_id"] = "The client ID must not contain control characters."
    for name, what in URL_FIELDS.items():
        if problem := url_problem(getattr(data, name), what, MAX_URL):
            problems[name] = problem
    if problem := deployments_problem(data.deployment_ids):
        problems["deployment_ids"] = problem
    if data.frame_origin and (problem := origin_problem(data.frame_origin)):
        problems["frame_origin"] = problem
    return problems


def deployments_problem(deployment_ids: tuple[str, ...]) -> str | None:
    """Say what is wrong with a list of deployment ids (1 to 20, each short, no repeats)."""
    if not deployment_ids:
        return "Give at least one deployment ID (the LMS shows it once the tool is deployed)."
    if len(deployment_ids) > MAX_DEPLOYMENTS:
        return f"At most {MAX_DEPLOYMENTS} deployment IDs ({len(deployment_ids)} given)."
    for deployment_id in deployment_ids:
        if len(deployment_id) > MAX_DEPLOYMENT_ID:
            return f"A deployment ID is at most {MAX_DEPLOYMENT_ID} characters."
        if _has_control(deployment_id):
            return "A deployment ID must not contain control characters."
    seen: set[str] = set()
    for deployment_id in deployment_ids:
        if deployment_id in seen:
            return f"The deployment ID {deployment_id!r} is given twice."
        seen.add(deployment_id)
    return None


def _has_control(text: str) -> bool:
    return any(ord(c) < 32 or ord(c) == 127 for c in text)


def _checked(data: RegistrationData) -> RegistrationData:
    data = data.cleaned()
    problems = registration_problems(data)
    if problems:
        raise RegistrationError(problems)
    return data


_TAKEN = {"client_id": "This issuer already has a registration with this client ID: edit that one."}


def create_registration(data: RegistrationData, created_by_id: int | None) -> LtiRegistration:
    """Store a new platform with its deployments; make the tool's first key if there is none.

    Raises RegistrationError (nothing stored) for bad data or a taken (issuer, client id).
    """
    data = _checked(data)
    row = LtiRegistration(created_by_id=created_by_id)
    _apply(row, data)
    row.deployments = [LtiDeployment(deployment_id=d) for d in data.deployment_ids]
    try:
        # The unique constraint decides a race between two registrations of the same pair.
        with savepoint():
            db.session.add(row)
    except IntegrityError as error:
        raise RegistrationError(dict(_TAKEN)) from error
    keys.ensure_key()
    return row


def update_registration(row: LtiRegistration, data: RegistrationData) -> LtiRegistration:
    """Change a platform's details and deployment ids (kept ones keep their rows)."""
    data = _checked(data)
    try:
        with savepoint():
            _apply(row, data)
            wanted = list(data.deployment_ids)
            for deployment in list(row.deployments):
                if deployment.deployment_id not in wanted:
                    row.deployments.remove(deployment)
            have = {d.deployment_id for d in row.deployments}
            row.deployments.extend(LtiDeployment(deployment_id=d) for d in wanted if d not in have)
    except IntegrityError as error:
        raise RegistrationError(dict(_TAKEN)) from error
    return row


def _apply(row: LtiRegistration, data: RegistrationData) -> None:
    row.name = data.name
    row.issuer = data.issuer
    row.client_id = data.client_id
    row.auth_login_url = data.auth_login_url
    row.auth_token_url = data.auth_token_url
    row.key_set_url = data.key_set_url
    row.frame_origin = data.frame_origin


def registration_users(registration_id: int) -> int:
    """Count what refers to a registration: people, LMS courses and grade links made by launches."""
    parts = [
        select(func.count()).where(model.registration_id == registration_id)
        for model in (LtiIdentity, LtiContext, LtiGradeLink)
    ]
    counts = db.session.execute(union_all(*parts)).scalars().all()
    return sum(counts)


def delete_registration(row: LtiRegistration) -> None:
    """Delete a platform nobody has launched through (with its deployments).

    Raises RegistrationInUse otherwise: the accounts, LMS courses and scores made by its
    launches belong to it. A launch that lands while we delete is held off by the foreign
    keys (the DELETE then fails, and the refusal is the same).
    """
    refusal = RegistrationInUse(
        f"The platform “{row.name}” cannot be deleted: people have launched the course "
        "through it, and their accounts and scores belong to it. Edit it instead."
    )
    if registration_users(row.id):
        raise refusal
    try:
        with savepoint():
            db.session.delete(row)
    except IntegrityError as error:
        raise refusal from error


def registrations() -> list[LtiRegistration]:
    """Every registration, newest last, with its deployments and creator (three statements)."""
    return list(
        db.session.scalars(
            select(LtiRegistration)
            .options(
                selectinload(LtiRegistration.deployments),
                joinedload(LtiRegistration.created_by),
            )
            .order_by(LtiRegistration.created_at, LtiRegistration.id)
        )
    )


# --- what the LMS administrator enters for our tool --------------------------------------


@dataclass(frozen=True)
class ToolUrls:
    """Our URLs as a platform asks for them (deep linking returns to the launch URL too:
    the message type tells a deep-linking request from a resource-link launch)."""

    login: str
    launch: str
    jwks: str
    deep_linking: str
    base_url: str = field(default="", compare=False)

    def rows(self) -> list[tuple[str, str]]:
        """Label and URL, in the order the page and `flask lti urls` show them."""
        return [
            ("Login initiation URL (OpenID Connect initiation)", self.login),
            ("Redirect URI / tool URL / target link URI", self.launch),
            ("Public keyset (JWKS) URL", self.jwks),
            ("Deep linking (content selection) URL", self.deep_linking),
        ]

    @property
    def secure(self) -> bool:
        """Whether platforms will accept these: HTTPS, or a loopback host for development."""
        parts = urlsplit(self.login)
        return parts.scheme == "https" or is_loopback_host(parts.hostname)


def tool_urls(base_url: str, paths: dict[str, str] | None = None) -> ToolUrls:
    """Build the tool's URLs on a base address (`PUBLIC_BASE_URL`) from the paths."""
    base = base_url.rstrip("/")
    paths = paths or TOOL_PATHS
    launch = base + paths[LAUNCH_ENDPOINT]
    return ToolUrls(
        login=base + paths[LOGIN_ENDPOINT],
        launch=launch,
        jwks=base + paths[JWKS_ENDPOINT],
        deep_linking=launch,
        base_url=base,
    )


def request_tool_urls() -> ToolUrls:
    """The tool's URLs for this request: on `PUBLIC_BASE_URL` when set, else this host."""
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url.rstrip("/")
    return tool_urls(base, {endpoint: _path(endpoint) for endpoint in TOOL_PATHS})


def _path(endpoint: str) -> str:
    return url_for(endpoint)
