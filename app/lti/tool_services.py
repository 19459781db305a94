"""The LTI library's service side: OAuth2 tokens, AGS scores, NRPS pages.

A sibling of `app/lti/tool.py` (which turns our tables into the library's
registrations): with it, the only modules that import the LTI library (pylti1p3next,
import name `pylti1p3`). A `ServiceClient` lives for one run (a `send-scores` run, a
roster fetch): it asks each platform for a client-credentials token once per scope set
(a JWT assertion signed with our key, by the library's ServiceConnector) and keeps it
while it is valid. Every request has timeouts, so a slow LMS costs at most CONNECT +
READ seconds a request.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from typing import Any

import requests
from pylti1p3.exception import LtiServiceException
from pylti1p3.registration import Registration
from pylti1p3.service_connector import ServiceConnector

from app.extensions import db
from app.lti import keys
from app.lti.claims import SCORE_SCOPE
from app.lti.models import LtiRegistration
from app.lti.tool import library_registration

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
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
