"""One of the two library modules: only here and in `app/lti/tool_launch.py` is the LTI
library (pylti1p3next, import name `pylti1p3`) imported.

Everything else in `app.lti` speaks our models; this module turns them into the
library's objects: a tool configuration read from `lti_registrations` and
`lti_deployments`, registrations carrying our signing key, the launch storage over
`lti_launch_values`, the download of a platform's key set (a timeout, a size cap) and
the reading of LMS roles. `tool_launch.py` holds the login and launch classes.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import requests
from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.deployment import Deployment
from pylti1p3.exception import LtiKeyException
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from pylti1p3.lineitem import LineItem
from pylti1p3.registration import Registration
from pylti1p3.roles import AbstractRole, DesignerRole, TeacherRole
from pylti1p3.tool_config import ToolConfAbstract
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db
from app.lti import keys
from app.lti.models import LtiDeployment, LtiLaunchValue, LtiRegistration
from app.timeutil import now_utc

DEFAULT_LIFETIME = 3600  # seconds, when the library names none
EXPIRED_ROWS_PER_WRITE = 100  # expired rows one write deletes on its way (bounded work)
JWKS_TIMEOUT = 5.0  # seconds, for connecting, each read, and the whole download
JWKS_MAX_BYTES = 256 * 1024
JWKS_MAX_KEYS = 50


def library_registration(row: LtiRegistration) -> Registration:
    """The library's view of a platform, with our current signing key."""
    signing = keys.signing_key()
    return (
        Registration()
        .set_issuer(row.issuer)
        .set_client_id(row.client_id)
        .set_auth_login_url(row.auth_login_url)
        .set_auth_token_url(row.auth_token_url)
        .set_key_set_url(row.key_set_url)
        .set_tool_private_key(signing.private_pem)
        .set_tool_public_key(signing.public_pem)
    )


def find_registration(issuer: str, client_id: str | None) -> LtiRegistration | None:
    """The platform registered for this issuer (and client id, when the request names one)."""
    query = select(LtiRegistration).where(LtiRegistration.issuer == issuer)
    if client_id:
        query = query.where(LtiRegistration.client_id == client_id)
    rows = list(db.session.scalars(query.limit(2)))
    # Without a client id, an issuer registered twice is ambiguous: refuse rather than guess.
    return rows[0] if len(rows) == 1 else None


class ToolConf(ToolConfAbstract):
    """Registrations and deployments from the database (every issuer may have many clients)."""

    def __init__(self) -> None:
        super().__init__()
        self.registration: LtiRegistration | None = None  # the one found last

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Registration:
        return self.find_registration_by_params(iss, None, *args, **kwargs)

    def find_registration_by_params(
        self, iss: str, client_id: str | None, *args: Any, **kwargs: Any
    ) -> Registration:
        row = find_registration(iss, client_id)
        self.registration = row
        return library_registration(row) if row is not None else None  # type: ignore[return-value]

    def find_deployment(self, iss: str, deployment_id: str) -> Deployment | None:
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str | None, *args: Any, **kwargs: Any
    ) -> Deployment | None:
        row = find_registration(iss, client_id)
        if row is None or not isinstance(deployment_id, str):
            return None
        known = db.session.scalar(
            select(LtiDeployment.id).where(
                LtiDeployment.registration_id == row.id,
                LtiDeployment.deployment_id == deployment_id,
            )
        )
        return Deployment().set_deployment_id(deployment_id) if known is not None else None


# --- the launch storage ------------------------------------------------------------------


class DatabaseLaunchStorage(LaunchDataStorage[Any]):
    """The library's state, nonces, launch data and platform key sets, in `lti_launch_values`.

    Shared by every server: a login started on one may launch on another. No browser
    session id prefixes the keys (their random parts are the secret), so a launch whose
    cookies the browser blocked still finds its state. A nonce key is used once: its
    check is a conditional DELETE, and only the request that deletes the row (rowcount 1)
    may go on, on whichever server. Writes happen in the caller's unit of work.
    """

    def get_session_cookie_name(self) -> None:
        return None

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key: str) -> Any:
        raw = db.session.scalar(
            select(LtiLaunchValue.value).where(
                LtiLaunchValue.key == self._prepare_key(key),
                LtiLaunchValue.expires_at > now_utc(),
            )
        )
        return json.loads(raw) if raw is not None else None

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        row = {
            "key": self._prepare_key(key),
            "value": json.dumps(value),
            "expires_at": now_utc() + timedelta(seconds=exp or DEFAULT_LIFETIME),
        }
        dialect = db.session.get_bind().dialect.name
        statement = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(
            LtiLaunchValue
        )
        db.session.execute(
            statement.values(row).on_conflict_do_update(
                index_elements=[LtiLaunchValue.key],
                set_={"value": row["value"], "expires_at": row["expires_at"]},
            )
        )
        _delete_some_expired()

    def check_value(self, key: str) -> bool:
        key = self._prepare_key(key)
        if key.startswith(self._prefix + "nonce-"):
            return self.take(key)
        return self.get_value(key) is not None

    def take(self, key: str) -> bool:
        """Delete the live row of this key; True only for the one caller that deleted it."""
        result = db.session.execute(
            delete(LtiLaunchValue).where(
                LtiLaunchValue.key == self._prepare_key(key),
                LtiLaunchValue.expires_at > now_utc(),
            )
        )
        return result.rowcount == 1

    def remove(self, key: str) -> None:
        db.session.execute(
            delete(LtiLaunchValue).where(LtiLaunchValue.key == self._prepare_key(key))
        )


def _delete_some_expired() -> None:
    """Delete up to EXPIRED_ROWS_PER_WRITE expired rows (each write does its bit)."""
    oldest = (
        select(LtiLaunchValue.key)
        .where(LtiLaunchValue.expires_at <= now_utc())
        .order_by(LtiLaunchValue.expires_at)
        .limit(EXPIRED_ROWS_PER_WRITE)
    )
    db.session.execute(delete(LtiLaunchValue).where(LtiLaunchValue.key.in_(oldest)))


# --- Deep linking: our signed answer to an LtiDeepLinkingRequest ----------------------------
# (app.lti.deep_linking picks the items; this turns them into the library's JWT.)


@dataclass(frozen=True)
class LinkItem:
    """One `ltiResourceLink` content item; `score_maximum` set makes a gradebook column."""

    title: str
    url: str
    custom: dict[str, str]
    score_maximum: float | None = None
    line_item_label: str = ""
    resource_id: str = ""
    tag: str = ""


def deep_linking_response_jwt(
    row: LtiRegistration, deployment_id: str, data: object, items: list[LinkItem]
) -> str:
    """The LtiDeepLinkingResponse JWT, signed with our key (its `kid` in the header)."""
    resources = []
    for item in items:
        resource = (
            DeepLinkResource()
            .set_title(item.title)
            .set_url(item.url)
            .set_custom_params(item.custom)
        )
        if item.score_maximum is not None:
            resource.set_lineitem(
                LineItem()
                .set_score_maximum(item.score_maximum)
                .set_label(item.line_item_label or item.title)
                .set_resource_id(item.resource_id)
                .set_tag(item.tag)
            )
        resources.append(resource)
    link = DeepLink(library_registration(row), deployment_id, {"data": data})  # type: ignore[typeddict-item]
    message = link.get_message_jwt(resources)
    if data is None:
        # The library writes `data: null` when the request had none; the spec says echo it
        # only when it was sent.
        message.pop(DEEP_LINKING_DATA_CLAIM, None)
    return link.encode_jwt(message)


DEEP_LINKING_DATA_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
# --- a platform's key set, and its roles ---------------------------------------------------


def download_key_set(url: str, session: requests.Session) -> dict[str, Any]:
    """GET a platform's JWKS: at most JWKS_TIMEOUT seconds and JWKS_MAX_BYTES, or refuse."""
    deadline = time.monotonic() + JWKS_TIMEOUT
    chunks, size = [], 0
    try:
        with session.get(url, timeout=JWKS_TIMEOUT, stream=True) as response:
            if response.status_code != 200:
                raise LtiKeyException(f"the key set URL answered {response.status_code}")
            for chunk in response.iter_content(16 * 1024):
                size += len(chunk)
                if size > JWKS_MAX_BYTES:
                    raise LtiKeyException("the key set is larger than 256 KB")
                if time.monotonic() > deadline:
                    raise LtiKeyException("the key set took too long to arrive")
                chunks.append(chunk)
    except requests.RequestException as error:
        name = type(error).__name__
        raise LtiKeyException(f"the key set could not be fetched: {name}") from error
    try:
        key_set = json.loads(b"".join(chunks))
    except (ValueError, RecursionError) as error:
        raise LtiKeyException("the key set is not JSON") from error
    keys = key_set.get("keys") if isinstance(key_set, dict) else None
    if not isinstance(keys, list) or not all(isinstance(key, dict) for key in keys):
        raise LtiKeyException("the key set has no list of keys")
    return {"keys": keys[:JWKS_MAX_KEYS]}


class _InstitutionInstructor(AbstractRole):
    _institution_roles = ("Instructor", "Administrator", "ContentDeveloper")


def is_lms_instructor(body: dict[str, Any]) -> bool:
    """Instructor, Administrator or ContentDeveloper in the context (or, with no context
    role at all, in the institution), as the library reads role URIs."""
    return any(role(body).check() for role in (TeacherRole, DesignerRole, _InstitutionInstructor))
