"""The one module that talks to the LTI library (pylti1p3next, import name `pylti1p3`).

Everything else in `app.lti` speaks our models; this module turns them into the
library's objects: a tool configuration read from `lti_registrations` and
`lti_deployments`, registrations carrying our signing key, and (below) the launch
storage, request and cookie adaptors and the launch and login classes.
"""

from __future__ import annotations

from typing import Any

from pylti1p3.deployment import Deployment
from pylti1p3.registration import Registration
from pylti1p3.tool_config import ToolConfAbstract
from sqlalchemy import select

from app.extensions import db
from app.lti import keys
from app.lti.models import LtiDeployment, LtiRegistration


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
