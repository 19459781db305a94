"""The one module that talks to the LTI library (pylti1p3next, import name `pylti1p3`).

Everything else in `app.lti` speaks our models; this module turns them into the
library's objects: a tool configuration read from `lti_registrations` and
`lti_deployments`, registrations carrying our signing key, and (below) the launch
storage, request and cookie adaptors and the launch and login classes.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from typing import Any

import requests
from pylti1p3.deployment import Deployment
from pylti1p3.exception import LtiServiceException
from pylti1p3.registration import Registration
from pylti1p3.service_connector import ServiceConnector
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


# --- services: OAuth2 tokens, AGS scores, NRPS pages ------------------------------------
# A `ServiceClient` lives for one run (a `send-scores` run, a roster fetch): it asks each
# platform for a client-credentials token once per scope set (signed JWT assertion with
# our key, by the library's ServiceConnector) and keeps it while it is valid. Every
# request has timeouts, so a slow LMS costs at most CONNECT + READ seconds a request.

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
TOKEN_MARGIN = 10.0  # seconds: a token this close to expiring is asked for again


class ServiceError(Exception):
    """A platform's service did not answer as it should (network, HTTP status, body).

    `status` is the HTTP status, None when no answer came (refused, timed out).
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status

    @property
    def platform_down(self) -> bool:
        """No answer, a server error or "too many requests": not this request's fault."""
        return self.status is None or self.status >= 500 or self.status == 429


class _TimedSession(requests.Session):
    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", (CONNECT_TIMEOUT, READ_TIMEOUT))
        return super().request(*args, **kwargs)


class _Connector(ServiceConnector):
    """The library's connector, its tokens kept in memory for their lifetime."""

    def __init__(self, registration: Registration) -> None:
        session = _TimedSession()
        session.headers["User-Agent"] = "milidip-lti"
        super().__init__(registration, session)
        self._tokens: dict[str, tuple[str, float]] = {}

    def _get_cached_access_token(self, scope_key: str) -> str | None:
        token, until = self._tokens.get(scope_key, ("", 0.0))
        return token if token and until > time.monotonic() else None

    def _cache_access_token(self, scope_key: str, access_token: str, expires_in: float) -> None:
        try:
            lifetime = float(expires_in)
        except (TypeError, ValueError):
            lifetime = 0.0
        self._tokens[scope_key] = (access_token, time.monotonic() + lifetime - TOKEN_MARGIN)


class ServiceClient:
    """Talk to platforms' services for one run: one connector (and token) per registration."""

    def __init__(self) -> None:
        self._connectors: dict[int, _Connector] = {}

    def _connector(self, registration_id: int) -> _Connector:
        if registration_id not in self._connectors:
            row = db.session.get(LtiRegistration, registration_id)
            if row is None:
                raise ServiceError(f"registration {registration_id} is gone", 404)
            self._connectors[registration_id] = _Connector(library_registration(row))
        return self._connectors[registration_id]

    def _request(self, registration_id: int, scopes: list[str], url: str, **kwargs: Any):
        try:
            connector = self._connector(registration_id)
        except keys.LtiKeyError as error:  # ours to mend, not the platform's: stop this run
            raise ServiceError(str(error)) from error
        try:
            return connector.make_service_request(scopes, url, **kwargs)
        except LtiServiceException as error:  # the message names the URL and HTTP status
            raise ServiceError(str(error), error.response.status_code) from error
        except requests.RequestException as error:
            raise ServiceError(f"{type(error).__name__}: {error}") from error
        except (ValueError, KeyError, TypeError) as error:  # a body that is not what it must be
            message = f"unreadable answer: {type(error).__name__}: {error}"
            raise ServiceError(message, 200) from error

    def post_score(self, registration_id: int, lineitem_url: str, score: dict[str, Any]) -> None:
        """POST one score to the line item's /scores endpoint (AGS); ServiceError if refused."""
        self._request(
            registration_id, [SCORE_SCOPE], scores_url(lineitem_url),
            is_post=True, data=json.dumps(score), content_type=SCORE_TYPE,
        )  # fmt: skip

    def get_page(self, registration_id: int, scopes: list[str], url: str, accept: str):
        """GET one page of a paged service: (its JSON body, the `rel="next"` URL or None)."""
        response = self._request(registration_id, scopes, url, accept=accept)
        return response["body"], response["next_page_url"]


def scores_url(lineitem_url: str) -> str:
    """The line item's scores endpoint: `/scores` after its path, before any query."""
    parts = urllib.parse.urlsplit(lineitem_url)
    return urllib.parse.urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))
