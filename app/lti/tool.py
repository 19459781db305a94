"""The one module that talks to the LTI library (pylti1p3next, import name `pylti1p3`).

Everything else in `app.lti` speaks our models; this module turns them into the
library's objects: a tool configuration read from `lti_registrations` and
`lti_deployments`, registrations carrying our signing key, and (below) the launch
storage, request and cookie adaptors and the launch and login classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.deployment import Deployment
from pylti1p3.lineitem import LineItem
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
