"""An LMS in the test: the LTI 1.3 platform side, written from the spec with PyJWT.

It signs id_tokens with its own RSA keys (made per platform, so per test), serves its
JWKS over HTTP on loopback (the tool fetches it as it would a real LMS's), answers the
OIDC authorization request by handing back what the tool sent, and records requests.
Services (token, AGS, NRPS) are added by `tests/support/lti_services.py`.

    platform = LmsPlatform()            # the `lti_platform` fixture starts and stops it
    platform.register()                  # our tables learn about it (and we get a key)
    response = platform.launch(client, sub="learner-1", target="quiz:some-lesson")
"""

from __future__ import annotations

import json
import time
import urllib.parse
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, jsonify, render_template_string, request
from flask.testing import FlaskClient
from jwt.algorithms import RSAAlgorithm

from tests.support.keys import PLATFORM_KEYS
from tests.support.live import LoopbackServer

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/"
ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
LEARNER = ROLE + "Learner"
INSTRUCTOR = ROLE + "Instructor"
RESOURCE_LINK = "LtiResourceLinkRequest"
DEEP_LINKING = "LtiDeepLinkingRequest"

AUTO_POST = """<!doctype html><html lang="en"><head><title>Launching</title></head><body>
<form method="post" action="{{ action }}">
<input type="hidden" name="id_token" value="{{ id_token }}">
<input type="hidden" name="state" value="{{ state }}">
<button type="submit">Continue to the tool</button></form>
<script>document.forms[0].submit();</script></body></html>"""
COURSE_PAGE = """<!doctype html><html lang="en"><head><title>LMS course</title></head><body>
<h1>LMS course</h1>
<iframe title="Tool" src="{{ src }}" width="1000" height="700"></iframe></body></html>"""

ADDED_PAGE = """<!doctype html><html lang="en"><head><title>Added</title></head><body>
<h1>Added to the LMS course</h1></body></html>"""


@dataclass
class PlatformKey:
    kid: str
    private: rsa.RSAPrivateKey

    @classmethod
    def new(cls) -> PlatformKey:
        return cls(uuid.uuid4().hex, PLATFORM_KEYS.take())

    def pem(self) -> bytes:
        return self.private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def jwk(self) -> dict[str, Any]:
        public = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {**public, "kid": self.kid, "alg": "RS256", "use": "sig"}


@dataclass
class Login:
    """What the tool asked the platform's authorization endpoint for (the OIDC redirect)."""

    state: str
    nonce: str
    redirect_uri: str
    params: dict[str, str]


@dataclass
class LmsPlatform:
    """A platform on loopback: issuer, client id, deployment, keys and a JWKS endpoint."""

    client_id: str = field(default_factory=lambda: f"tool-{uuid.uuid4().hex[:10]}")
    deployment_id: str = "deployment-1"
    context_id: str = "course-101"
    keys: list[PlatformKey] = field(default_factory=lambda: [PlatformKey.new()])
    jwks_requests: int = 0
    app: Flask = field(init=False)
    port: int = 0

    def __post_init__(self) -> None:
        self.app = Flask(f"platform-{self.client_id}")
        self.app.add_url_rule("/jwks", "jwks", self._jwks)
        self.app.add_url_rule("/auth", "auth", self._auth)
        self.app.add_url_rule("/course", "course", self._course)
        self.app.add_url_rule(
            "/deep-link-return", "deep_link_return", self._deep_link_return, methods=["POST"]
        )
        self.deep_link_answers: list[str] = []  # the JWTs the tool's answer pages posted
        self.browser_claims: dict[str, Any] = {}  # what the next /auth answer launches with
        self._http = LoopbackServer(self.app)
        self.port = self._http.port

    # --- the HTTP side -------------------------------------------------------------------

    def start(self) -> LmsPlatform:
        self._http.start()
        return self

    def stop(self) -> None:
        self._http.stop()

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def published_keys(self) -> list[PlatformKey]:
        """The keys the JWKS shows (tests may hide one to play an unknown `kid`)."""
        return getattr(self, "_published", None) or self.keys

    def publish(self, keys: Iterable[PlatformKey]) -> None:
        self._published = list(keys)

    def _jwks(self):
        self.jwks_requests += 1
        return jsonify({"keys": [key.jwk() for key in self.published_keys]})

    def _auth(self):
        """The OIDC authorization endpoint a browser is sent to by the tool's login.

        Answers as an LMS does: a page whose form posts the signed id_token and the
        state back to the tool's redirect URI, submitted by its script (this page is
        the platform's, not our app's: script is fine here) or by its button.
        """
        args = request.args
        for name in ("nonce", "state", "redirect_uri"):
            if not args.get(name):
                return f"missing {name}", 400
        if args.get("client_id") != self.client_id:
            return "unknown client_id", 400
        id_token = self.sign(self.claims(args["nonce"], **self.browser_claims))
        return render_template_string(
            AUTO_POST, action=args["redirect_uri"], id_token=id_token, state=args["state"]
        )

    def _course(self):
        """An LMS course page that frames the tool (`?src=` the framed URL)."""
        return render_template_string(COURSE_PAGE, src=request.args.get("src", ""))

    def _deep_link_return(self):
        """Where a deep-linking answer comes back: record the tool's signed JWT."""
        self.deep_link_answers.append(request.form.get("JWT", ""))
        return render_template_string(ADDED_PAGE)

    def rotate_key(self) -> PlatformKey:
        """Add a new key that signs from now on, published beside the old one."""
        key = PlatformKey.new()
        self.keys.append(key)
        return key

    # --- our tables ----------------------------------------------------------------------

    def register(
        self, created_by_id: int | None = None, name: str = "Test LMS", token_url: str | None = None
    ) -> int:
        """Register this platform with the tool (as the instructor page would); its id.

        `token_url`: where its OAuth2 token endpoint is (tests/support/lti_services.py).
        """
        from app.database import unit_of_work
        from app.lti import keys
        from app.lti.models import LtiDeployment, LtiRegistration

        with unit_of_work():
            keys.ensure_key()
            row = LtiRegistration(
                name=name,
                issuer=self.issuer,
                client_id=self.client_id,
                auth_login_url=f"{self.issuer}/auth",
                auth_token_url=token_url or f"{self.issuer}/token",
                key_set_url=f"{self.issuer}/jwks",
                created_by_id=created_by_id,
                deployments=[LtiDeployment(deployment_id=self.deployment_id)],
            )
            from app.extensions import db

            db.session.add(row)
            db.session.flush()
            return row.id

    # --- messages ------------------------------------------------------------------------

    def claims(
        self,
        nonce: str,
        *,
        sub: str = "learner-1",
        roles: Iterable[str] = (LEARNER,),
        message_type: str = RESOURCE_LINK,
        target: str | None = None,
        name: str | None = "Ada Learner",
        email: str | None = None,
        lineitem: str | None = None,
        memberships_url: str | None = None,
        target_link_uri: str = "",
        deep_link_return_url: str | None = None,
        **overrides: Any,
    ) -> dict[str, Any]:
        """The claims of an id_token as an LMS sends them; `overrides` replace or add any."""
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "azp": self.client_id,
            "sub": sub,
            "exp": now + 300,
            "iat": now,
            "nonce": nonce,
            LTI + "deployment_id": self.deployment_id,
            LTI + "message_type": message_type,
            LTI + "version": "1.3.0",
            LTI + "roles": list(roles),
            LTI + "target_link_uri": target_link_uri,
            LTI + "context": {"id": self.context_id, "title": "Military Diplomacy 101"},
        }
        if name is not None:
            body["name"] = name
        if email is not None:
            body["email"] = email
        if message_type == RESOURCE_LINK:
            body[LTI + "resource_link"] = {"id": f"link-{target or 'course'}"}
        if target is not None:
            body[LTI + "custom"] = {"target": target}
        if lineitem is not None:
            body[AGS + "endpoint"] = {
                "scope": [
                    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
                ],
                "lineitem": lineitem,
                "lineitems": lineitem.rsplit("/", 1)[0],
            }
        if memberships_url is not None:
            body[NRPS + "namesroleservice"] = {
                "context_memberships_url": memberships_url,
                "service_versions": ["2.0"],
            }
        if message_type == DEEP_LINKING:
            body[DL + "deep_linking_settings"] = {
                "deep_link_return_url": deep_link_return_url or f"{self.issuer}/deep-link-return",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
                "accept_multiple": True,
            }
        body.update(overrides)
        return body

    def sign(self, body: dict[str, Any], key: PlatformKey | None = None, **header: Any) -> str:
        """Sign any claims, hostile ones included (PyJWT's JWS layer checks none of them)."""
        key = key or self.keys[-1]
        payload = json.dumps(body, separators=(",", ":")).encode("utf-8")
        return jwt.PyJWS().encode(
            payload, key.private, algorithm="RS256", headers={"kid": key.kid, **header}
        )

    # --- the browser's round trip ----------------------------------------------------------

    def login_params(self, **extra: str) -> dict[str, str]:
        """What the LMS sends to the tool's login initiation URL."""
        return {
            "iss": self.issuer,
            "login_hint": "hint-1",
            "target_link_uri": "http://localhost/lti/launch",
            "lti_message_hint": "message-hint-1",
            "client_id": self.client_id,
            "lti_deployment_id": self.deployment_id,
            **extra,
        }

    def start_login(self, client: FlaskClient, **extra: str) -> Login:
        """The browser opens our login initiation URL; we redirect it to the platform."""
        response = client.get("/lti/login", query_string=self.login_params(**extra))
        assert response.status_code in (302, 303), (response.status_code, response.text[:500])
        location = urllib.parse.urlsplit(response.headers["Location"])
        params = dict(urllib.parse.parse_qsl(location.query))
        return Login(params["state"], params["nonce"], params["redirect_uri"], params)

    def post_launch(self, client: FlaskClient, login: Login, id_token: str):
        """The platform's auto-submitting form posts the id_token back to the tool."""
        path = urllib.parse.urlsplit(login.redirect_uri).path
        return client.post(path, data={"id_token": id_token, "state": login.state})

    def launch(self, client: FlaskClient, key: PlatformKey | None = None, **claims: Any):
        """Login initiation, then a launch with these claims; the tool's last response.

        A browser follows the launch's redirect to the one-time hand-off
        (`/lti/continue/<token>`, app.lti.sessions) with the new session cookie; so
        does this, and returns the hand-off's answer (the redirect to the target).
        `post_launch` gives the launch's own response.
        """
        login = self.start_login(client)
        response = self.post_launch(
            client, login, self.sign(self.claims(login.nonce, **claims), key)
        )
        return follow_handoff(client, response)


def follow_handoff(client: FlaskClient, response: Any) -> Any:
    """Follow a launch's redirect to its hand-off, as the browser does; others as they are."""
    location = response.headers.get("Location", "")
    if response.status_code in (302, 303) and urllib.parse.urlsplit(location).path.startswith(
        "/lti/continue/"
    ):
        return client.get(location)
    return response


def session_user(client: FlaskClient) -> Any:
    """The account the client's session is logged in as (None: nobody)."""
    from sqlalchemy import select

    from app.auth.models import User
    from app.extensions import db

    with client.session_transaction() as session:
        token = session.get("_user_id")
    if token is None:
        return None
    return db.session.scalar(select(User).where(User.session_token == token))
