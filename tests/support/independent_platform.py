"""An LMS built on someone else's reading of LTI 1.3: the `lti1p3platform` package (0.1.8).

tests/support/lti_platform.py is our own platform, written from the spec by us; this one
lets lti1p3platform's classes make the messages and judge ours, so a shared
misreading cannot pass unnoticed. Its framework adapters are for Django and FastAPI;
the small Flask adapter here mirrors the Django one (request metadata, a redirect, the
package's own auto-submitting launch form). It serves on loopback in a thread:

    /auth              the OIDC authorization endpoint (lti1p3platform's MessageLaunch)
    /jwks              the platform's keys (its Registration.get_jwks)
    /token             OAuth2 client credentials (its get_access_token, checking our JWT)
    /deep-link-return  where our deep-linking form posts (its validate_deeplinking_resp)
    /lineitems/<id>/scores   AGS scores (its AssignmentsGradesService.handle_update_score)

The browser is the test's Flask client of our app; the platform's pages are fetched
over HTTP, as a browser would, with `requests`.

Where lti1p3platform differs from our reading of the spec (see the tests):
- it verifies a deep-linking response's signature and message type only (`verify_aud`
  off; no check of `iss`, nonce, deployment, version or `data`); its `data` is a dict;
- its deep-linking settings add `auto_create`, `title`, `text` and "embed" targets;
- it matches the tool's JWKS key by `kid` AND `alg` (an `alg`-less key counts as RS256);
- its access-token endpoint checks the client assertion's signature only (not `aud`,
  `iss` or `sub`) and puts the granted scopes in a `scopes` claim of its own token.
"""

from __future__ import annotations

import re
import threading
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import jwt
import lti1p3platform
import requests
from cryptography.hazmat.primitives import serialization
from flask import Flask, jsonify
from flask import request as flask_request
from flask.testing import FlaskClient
from lti1p3platform.exceptions import LtiDeepLinkingResponseException, LtiException
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request, TRequest
from lti1p3platform.score import UpdateScoreStatus
from lti1p3platform.service_connector import AssignmentsGradesService

from tests.support.keys import PLATFORM_KEYS
from tests.support.live import LoopbackServer

ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
LEARNER = ROLE + "Learner"
INSTRUCTOR = ROLE + "Instructor"
TOOL = "http://localhost"  # our app as the test client reaches it (SERVER_NAME)
# The package's own launch form (its framework/templates/__init__.py imports the
# deprecated pkg_resources, which our warnings-as-errors would refuse, so it is read here).
LAUNCH_FORM = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(lti1p3platform.__file__).parent / "framework/templates"),
    autoescape=True,
).get_template("launch.html")


def _new_key() -> tuple[str, str]:
    private = PLATFORM_KEYS.take()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


# --- lti1p3platform's abstract classes, for Flask ------------------------------------------


class PlatformConf(LTI1P3PlatformConfAbstract):
    """One registration (the tool), made per request: the library keeps per-message state."""

    def init_platform_config(self, **kwargs: Any) -> None:
        self._registration = kwargs["registration"]
        self._tool_jwks = kwargs.get("tool_jwks")

    def get_registration_by_params(self, **kwargs: Any) -> Registration:
        return self._registration

    def fetch_public_key(self, key_set_url: str) -> Any:
        # Our JWKS lives in the test's app (a test client, not a socket): ask it there.
        if self._tool_jwks is not None:
            return self._tool_jwks(key_set_url)
        return super().fetch_public_key(key_set_url)


class FlaskRequest(Request):
    def build_metadata(self, request: Any) -> TRequest:
        return {
            "method": request.method,
            "form_data": request.form.to_dict(),
            "json": request.get_json(silent=True),
            "get_data": request.args.to_dict(),
            "headers": request.headers,
            "content_type": request.content_type,
            "path": request.path,
        }


class FlaskOIDCLogin(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs: Any) -> None:
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url: str) -> str:
        return url  # the test's browser follows it


@dataclass
class PlannedLaunch:
    """What the LMS will launch when the tool comes back with this message hint."""

    user_id: str
    roles: list[str]
    name: str = ""
    resource_link_id: str = ""
    custom: dict[str, str] = field(default_factory=dict)
    lineitem_url: str | None = None
    deep_link_data: dict[str, Any] | None = None  # set: a deep-linking request


class FlaskMessageLaunch(LTIAdvantageMessageLaunchAbstract):
    planned: PlannedLaunch

    def prepare_launch(self, preflight_response: dict[str, Any]) -> None:
        plan = self.planned
        self.set_user_data(plan.user_id, plan.roles, full_name=plan.name or None)
        self.set_launch_context_claim("course-101", context_title="Military Diplomacy 101")
        if plan.deep_link_data is not None:
            issuer = self._registration.get_iss()
            self.set_dl(
                f"{issuer}/deep-link-return",
                title="Add content",
                accept_types={"ltiResourceLink"},
                extra_data=plan.deep_link_data,
            )
            return
        self.set_resource_link_claim(plan.resource_link_id, title="A link")
        if plan.custom:
            self.set_custom_parameters_claim(plan.custom)
        if plan.lineitem_url:
            issuer = self._registration.get_iss()
            self.set_ags(f"{issuer}/lineitems", plan.lineitem_url)

    def render_launch_form(self, launch_data: dict[str, Any], **kwargs: Any) -> str:
        return LAUNCH_FORM.render(launch_data)


class ScoreService(AssignmentsGradesService):
    """AGS with line items in memory; scores are kept as received, in order."""

    platform: IndependentPlatform

    def find_lineitems(self, page=1, limit=None, **filters):  # type: ignore[no-untyped-def]
        items = list(self.platform.line_items.values())
        return {"content": items, "has_next": False, "next": None}

    def find_lineitem(self, line_item_id: str):  # type: ignore[no-untyped-def]
        return self.platform.line_items[line_item_id]

    def create_lineitem(self, creation_data):  # type: ignore[no-untyped-def]
        return self.platform.add_line_item(dict(creation_data))

    def update_lineitem(self, update_data):  # type: ignore[no-untyped-def]
        self.platform.line_items[update_data["id"]].update(update_data)
        return self.platform.line_items[update_data["id"]]

    def delete_lineitem(self, line_item_id: str) -> None:
        self.platform.line_items.pop(line_item_id, None)

    def update_score(self, line_item_id: str, score: Any) -> UpdateScoreStatus:
        self.platform.scores.append((line_item_id, score))
        return UpdateScoreStatus.SUCCESS

    def get_results(self, line_item_id, page=1, limit=None, user_id=None):  # type: ignore[no-untyped-def]
        return {"content": [], "has_next": False, "next": None}


# --- the platform --------------------------------------------------------------------------


@dataclass
class IndependentPlatform:
    """lti1p3platform on loopback, registered with our tool by `register()`."""

    client_id: str = field(default_factory=lambda: f"ind-{uuid.uuid4().hex[:10]}")
    deployment_id: str = "ind-deployment-1"
    tool: FlaskClient | None = None  # our app, for our JWKS (set by the fixture)
    planned: dict[str, PlannedLaunch] = field(default_factory=dict)
    deep_link_returns: list[Any] = field(default_factory=list)  # content items, or the error
    line_items: dict[str, dict[str, Any]] = field(default_factory=dict)
    scores: list[tuple[str, Any]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.private_pem, self.public_pem = _new_key()
        self.app = Flask(f"independent-{self.client_id}")
        for rule, view, methods in (
            ("/auth", self._auth, ["GET", "POST"]),
            ("/jwks", self._jwks, ["GET"]),
            ("/token", self._token, ["POST"]),
            ("/deep-link-return", self._deep_link_return, ["POST"]),
            ("/lineitems/<item_id>/scores", self._scores, ["POST"]),
        ):
            self.app.add_url_rule(rule, view.__name__, view, methods=methods)
        self._http = LoopbackServer(self.app)
        self.port = self._http.port
        self._lock = threading.Lock()

    def start(self) -> IndependentPlatform:
        self._http.start()
        return self

    def stop(self) -> None:
        self._http.stop()

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def registration(self) -> Registration:
        """lti1p3platform's registration of our tool."""
        return (
            Registration()
            .set_iss(self.issuer)
            .set_client_id(self.client_id)
            .set_deployment_id(self.deployment_id)
            .set_oidc_login_url(f"{TOOL}/lti/login")
            .set_launch_url(f"{TOOL}/lti/launch")
            .set_deeplink_launch_url(f"{TOOL}/lti/launch")
            .set_tool_key_set_url(f"{TOOL}/lti/jwks")
            .set_platform_private_key(self.private_pem)
            .set_platform_public_key(self.public_pem)
        )

    def conf(self) -> PlatformConf:
        return PlatformConf(registration=self.registration(), tool_jwks=self._tool_jwks)

    def _tool_jwks(self, url: str) -> Any:
        assert self.tool is not None, "the platform has no tool client to fetch our JWKS from"
        parts = urllib.parse.urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}" == TOOL, url
        # Called from the platform's server thread: give the request an app context there.
        with self.tool.application.app_context():
            return self.tool.get(parts.path).get_json()

    def register(self, created_by_id: int | None = None) -> int:
        """Our tables learn about this platform (as the instructor page would); its id."""
        from app.database import unit_of_work
        from app.extensions import db
        from app.lti import keys
        from app.lti.models import LtiDeployment, LtiRegistration

        with unit_of_work():
            keys.ensure_key()
            row = LtiRegistration(
                name="lti1p3platform",
                issuer=self.issuer,
                client_id=self.client_id,
                auth_login_url=f"{self.issuer}/auth",
                auth_token_url=f"{self.issuer}/token",
                key_set_url=f"{self.issuer}/jwks",
                created_by_id=created_by_id,
                deployments=[LtiDeployment(deployment_id=self.deployment_id)],
            )
            db.session.add(row)
            db.session.flush()
            return row.id

    def add_line_item(self, item: dict[str, Any]) -> dict[str, Any]:
        """A gradebook column, as the LMS makes one from a deep-linked item's lineItem."""
        with self._lock:
            item_id = str(len(self.line_items) + 1)
            item = {**item, "id": f"{self.issuer}/lineitems/{item_id}"}
            self.line_items[item_id] = item
        return item

    # --- the browser's side -------------------------------------------------------------

    def login_url(self, plan: PlannedLaunch) -> str:
        """Where the LMS sends the browser to start a launch (our login initiation URL)."""
        hint = uuid.uuid4().hex
        self.planned[hint] = plan
        login = FlaskOIDCLogin(None, self.conf())
        login.set_lti_message_hint(hint=hint)
        if plan.deep_link_data is not None:
            login.set_deeplinking_launch_url()
        return login.initiate_login(plan.user_id)

    def launch(self, client: FlaskClient, plan: PlannedLaunch):
        """The whole round trip: our login, this platform's /auth, its form posted to us."""
        login = client.get(_local(self.login_url(plan)))
        assert login.status_code in (302, 303), (login.status_code, login.text[:500])
        page = requests.get(login.headers["Location"], timeout=10)
        assert page.status_code == 200, page.text[:500]
        action, fields = launch_form(page.text)
        return client.post(_local(action), data=fields)

    def id_token_claims(self, plan: PlannedLaunch, nonce: str = "n-1") -> dict[str, Any]:
        """The claims lti1p3platform would sign for this plan (verified with its own key)."""
        preflight = {
            "nonce": nonce,
            "state": "s-1",
            "redirect_uri": f"{TOOL}/lti/launch",
            "client_id": self.client_id,
        }
        launch = _launch(_Fake(preflight), self.conf(), plan)
        launch._registration = launch._platform_config.get_registration()
        launch.validate_preflight_response(preflight)
        launch.prepare_launch(preflight)
        token = launch.generate_launch_request()["id_token"]
        return jwt.decode(token, self.public_pem, algorithms=["RS256"], audience=self.client_id)

    # --- the platform's endpoints -------------------------------------------------------

    def _auth(self):
        params = flask_request.values
        plan = self.planned.get(params.get("lti_message_hint", ""))
        if plan is None:
            return "unknown lti_message_hint", 400
        return _launch(FlaskRequest(flask_request), self.conf(), plan).lti_launch()

    def _jwks(self):
        return jsonify({"keys": self.registration().get_jwks()})

    def _token(self):
        self.token_requests.append(flask_request.form.to_dict())
        conf = self.conf()
        conf.get_registration()
        try:
            return jsonify(conf.get_access_token(flask_request.form.to_dict()))
        except Exception as error:  # its refusals share no base class
            return jsonify({"error": "invalid_client", "detail": repr(error)}), 400

    def _deep_link_return(self):
        conf = self.conf()
        conf.get_registration()
        try:
            items = conf.validate_deeplinking_resp(flask_request.form.to_dict())
        except (LtiException, LtiDeepLinkingResponseException, jwt.PyJWTError, KeyError) as error:
            self.deep_link_returns.append(error)
            return f"refused: {error!r}", 400
        self.deep_link_returns.append(items)
        for item in items:
            if "lineItem" in item:
                self.add_line_item({**item["lineItem"], "resourceLinkId": item.get("title", "")})
        return "Content added", 200

    def _scores(self, item_id: str):
        conf = self.conf()
        conf.get_registration()
        service = ScoreService(
            FlaskRequest(flask_request),
            conf,
            f"{self.issuer}/lineitems",
            f"{self.issuer}/lineitems/{item_id}",
        )
        service.platform = self
        response = service.handle_resp(service.handle_update_score, line_item_id=item_id)
        return jsonify({"message": response.message}), response.code


# --- helpers -----------------------------------------------------------------------------


@dataclass
class _Fake:
    """A request that only carries a preflight response (for `id_token_claims`)."""

    get_data: dict[str, Any]
    form_data: dict[str, Any] = field(default_factory=dict)


def _launch(request: Any, conf: PlatformConf, plan: PlannedLaunch) -> FlaskMessageLaunch:
    launch = FlaskMessageLaunch(request, conf)
    launch.planned = plan
    return launch


def _local(url: str) -> str:
    """Our URL as the test client takes it (path and query)."""
    parts = urllib.parse.urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == TOOL, url
    return parts.path + ("?" + parts.query if parts.query else "")


def launch_form(page: str) -> tuple[str, dict[str, str]]:
    """The auto-submitting form of the package's launch page: its action and fields."""
    action = re.search(r'<form method="POST" action="([^"]+)"', page)
    assert action, page
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    return action.group(1).replace("&amp;", "&"), fields
