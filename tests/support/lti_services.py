"""An LMS's services on loopback: the OAuth2 token endpoint, AGS scores and NRPS roster.

A second small Flask app in a thread, written from the specs with PyJWT:

- `POST /token`: client credentials with a signed JWT assertion, verified against the
  tool's JWKS (`trust(jwks)`): signature and `kid`, `iss` = `sub` = the client id,
  `aud` = this token URL, `exp`. Each token carries the scopes it was asked for.
- `POST /lineitems/<item>/scores`: records every score (AGS, score+json, bearer token
  with the score scope). `mode` "up", "down" (503), or "slow" (sleeps `delay` seconds,
  then records): slower than the tool's read timeout is a hanging LMS.
- `GET /contexts/<context>/memberships`: the roster (NRPS membership container), in
  pages of `page_size` with `Link: <…>; rel="next"`.

    services = LmsServices(client_id).start()      # the `lti_services` fixture
    registration_id = lti_platform.register(token_url=services.token_url)
    services.trust(keys.public_jwks())
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from flask import Flask, Response, jsonify, request
from jwt.algorithms import RSAAlgorithm

from tests.support.live import LoopbackServer

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
NRPS_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


@dataclass
class ReceivedScore:
    lineitem: str
    body: dict[str, Any]

    @property
    def user_id(self) -> str:
        return self.body["userId"]


@dataclass
class LmsServices:
    client_id: str
    mode: str = "up"  # "up", "down" (503), "slow" (sleep `delay`, then record)
    delay: float = 0.0
    page_size: int = 2
    members: list[dict[str, Any]] = field(default_factory=list)
    scores: list[ReceivedScore] = field(default_factory=list)
    tokens_issued: int = 0
    refused_tokens: list[str] = field(default_factory=list)
    score_posts: int = 0  # every POST that reached the scores endpoint, recorded or not

    def __post_init__(self) -> None:
        self._jwks: dict[str, Any] = {"keys": []}
        self._tokens: dict[str, set[str]] = {}
        self._lock = threading.Lock()
        self.app = Flask(f"lms-services-{self.client_id}")
        self.app.add_url_rule("/token", "token", self._token, methods=["POST"])
        self.app.add_url_rule("/lineitems/<item>/scores", "scores", self._score, methods=["POST"])
        self.app.add_url_rule("/contexts/<context>/memberships", "members", self._members)
        self._http = LoopbackServer(self.app)
        self.port = self._http.port

    # --- running ----------------------------------------------------------------------

    def start(self) -> LmsServices:
        self._http.start()
        return self

    def stop(self) -> None:
        self.mode = "up"  # a sleeping request ends sooner
        self._http.stop()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def token_url(self) -> str:
        return f"{self.base}/token"

    def lineitem_url(self, item: str) -> str:
        return f"{self.base}/lineitems/{item}"

    def memberships_url(self, context: str = "course-101") -> str:
        return f"{self.base}/contexts/{context}/memberships"

    def trust(self, jwks: dict[str, Any]) -> None:
        """The tool's public keys, as the platform's admin registered them."""
        self._jwks = jwks

    # --- what arrived -------------------------------------------------------------------

    def latest_scores(self) -> dict[tuple[str, str], dict[str, Any]]:
        """What an LMS keeps: per line item and learner, the score with the latest timestamp."""
        kept: dict[tuple[str, str], dict[str, Any]] = {}
        with self._lock:
            for score in self.scores:
                key = (score.lineitem, score.user_id)
                if key not in kept or score.body["timestamp"] >= kept[key]["timestamp"]:
                    kept[key] = score.body
        return kept

    # --- endpoints ----------------------------------------------------------------------

    def _refuse(self, why: str, status: int = 400) -> Response:
        with self._lock:
            self.refused_tokens.append(why)
        return Response(json.dumps({"error": "invalid_client", "why": why}), status)

    def _token(self) -> Response:
        form = request.form
        if form.get("grant_type") != "client_credentials":
            return self._refuse("grant_type")
        if form.get("client_assertion_type") != (
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        ):
            return self._refuse("client_assertion_type")
        assertion = form.get("client_assertion", "")
        try:
            kid = jwt.get_unverified_header(assertion).get("kid")
            jwk = next(key for key in self._jwks["keys"] if key["kid"] == kid)
            claims = jwt.decode(
                assertion,
                RSAAlgorithm.from_jwk(json.dumps(jwk)),
                algorithms=["RS256"],
                audience=self.token_url,
                issuer=self.client_id,
                options={"require": ["exp", "iat", "iss", "sub", "aud"]},
            )
        except (StopIteration, jwt.PyJWTError, KeyError) as error:
            return self._refuse(f"assertion: {type(error).__name__}: {error}", 401)
        if claims["sub"] != self.client_id:
            return self._refuse("sub", 401)
        token = uuid.uuid4().hex
        with self._lock:
            self._tokens[token] = set(form.get("scope", "").split())
            self.tokens_issued += 1
        return jsonify(access_token=token, token_type="Bearer", expires_in=3600,
                       scope=form.get("scope", ""))  # fmt: skip

    def _authorised(self, scope: str) -> bool:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ")
        with self._lock:
            return header.startswith("Bearer ") and scope in self._tokens.get(token, set())

    def _score(self, item: str) -> Response:
        with self._lock:
            self.score_posts += 1
        if not self._authorised(SCORE_SCOPE):
            return Response("no token with the score scope", 401)
        if request.content_type != SCORE_TYPE:
            return Response(f"wrong content type {request.content_type}", 415)
        if self.mode == "down":
            return Response("down for maintenance", 503)
        if self.mode == "slow":
            time.sleep(self.delay)
        body = json.loads(request.get_data(as_text=True))
        with self._lock:
            self.scores.append(ReceivedScore(self.lineitem_url(item), body))
        return Response("", 204)

    def _members(self, context: str) -> Response:
        if not self._authorised(NRPS_SCOPE):
            return Response("no token with the roster scope", 401)
        if request.headers.get("Accept") != NRPS_TYPE:
            return Response("wrong Accept", 406)
        if self.mode == "down":
            return Response("down for maintenance", 503)
        page = int(request.args.get("page", "1"))
        chunk = self.members[(page - 1) * self.page_size : page * self.page_size]
        body = {
            "id": request.url,
            "context": {"id": context, "title": "Military Diplomacy 101"},
            "members": chunk,
        }
        response = Response(json.dumps(body), 200, content_type=NRPS_TYPE)
        if page * self.page_size < len(self.members):
            response.headers["Link"] = (
                f'<{self.memberships_url(context)}?page={page + 1}>; rel="next"'
            )
        return response


def member(
    user_id: str,
    name: str | None,
    email: str | None = None,
    roles: tuple[str, ...] = (LEARNER,),
    status: str = "Active",
) -> dict[str, Any]:
    """One NRPS member as a platform lists it."""
    body: dict[str, Any] = {"user_id": user_id, "roles": list(roles), "status": status}
    if name is not None:
        body["name"] = name
    if email is not None:
        body["email"] = email
    return body
