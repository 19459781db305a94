"""The second library module (with `app/lti/tool.py`): the OIDC login and the launch.

Only these two modules import the LTI library (pylti1p3next, import name `pylti1p3`).
What we add to its `MessageLaunch`:

- the id_token's size is capped and its shape checked (`app.lti.claims`) before use;
- the signature is checked before the nonce is spent, with the audience, `azp`, `exp`
  and `iat` (not in the future) verified by PyJWT;
- the platform's key set is cached in our shared storage; a `kid` it lacks drops the
  cache and fetches the set once more (a key rotation), then refuses. The fetch has a
  timeout and a size cap, and any network error is a refusal;
- the launch is checked in two steps: `verify()` needs no write lock (it may wait on the
  platform's JWKS), `use_once()` runs in the caller's unit of work and spends the nonce
  with a conditional DELETE, so a replayed id_token or nonce is refused on every server.

Every refusal is a `LaunchRefused` (a 400 page); nothing the platform or a browser sends
should end in a 500.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import jwt
from flask import request as flask_request
from pylti1p3.contrib.flask import (
    FlaskCookieService,
    FlaskMessageLaunch,
    FlaskOIDCLogin,
    FlaskRequest,
    FlaskSessionService,
)
from pylti1p3.exception import (
    LtiException,
    LtiInvalidNonceException,
    LtiKeyException,
    LtiMessageValidationException,
    OIDCException,
)
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from app.database import in_unit_of_work, unit_of_work
from app.lti.claims import (
    MAX_ID,
    MAX_ID_TOKEN,
    MAX_URL,
    ClaimsError,
    LaunchClaims,
    check_token_shape,
    parse_claims,
)
from app.lti.keys import LtiKeyError
from app.lti.models import LtiRegistration
from app.lti.tool import DatabaseLaunchStorage, ToolConf, download_key_set, is_lms_instructor

logger = logging.getLogger(__name__)

LOGIN_LIFETIME = 600  # seconds a nonce and a login's parameters wait for their launch
LAUNCH_DATA_LIFETIME = 2 * 3600  # a deep-linking launch is restored from storage this long
KEY_SET_LIFETIME = 3600  # a platform's JWKS is fetched again after this
CLOCK_SKEW = 30  # seconds of leeway for exp and iat
LOGIN_PARAMS = (
    "iss",
    "login_hint",
    "target_link_uri",
    "lti_message_hint",
    "lti_deployment_id",
    "client_id",
)


class LaunchRefused(Exception):
    """The login or launch is refused; `reason` is for the log, never for the page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NeedsNewWindow(LaunchRefused):
    """The state cookie did not come back (a browser blocking third-party cookies in the
    LMS's iframe) but the login is known: it can be run again in a window of its own."""

    def __init__(self, login_params: dict[str, str]) -> None:
        super().__init__("the state cookie is missing; the login is known (cookies blocked?)")
        self.login_params = login_params


@dataclass
class VerifiedLaunch:
    """A launch whose signature and claims are checked; its nonce is not spent yet."""

    library_launch: ToolLaunch
    registration: LtiRegistration
    claims: LaunchClaims
    lms_instructor: bool

    @property
    def launch_id(self) -> str:
        return self.library_launch.get_launch_id()


LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def _secure_for_cookies() -> bool:
    """Whether the browser treats this page as secure (HTTPS, or a loopback host, which
    browsers count as secure): the state cookie is then `SameSite=None; Secure;
    Partitioned`, the only kind a browser sends back inside the LMS's frame."""
    try:
        host = urlsplit(flask_request.host_url).hostname
    except ValueError:  # a Host header that is no host at all
        return flask_request.is_secure
    return flask_request.is_secure or host in LOOPBACK_HOSTS


def _services() -> tuple[FlaskRequest, FlaskCookieService, FlaskSessionService, Any]:
    request = FlaskRequest(request_is_secure=_secure_for_cookies())
    return (
        request,
        FlaskCookieService(request),
        FlaskSessionService(request),
        DatabaseLaunchStorage(),
    )


# --- the OIDC login ------------------------------------------------------------------------


def login_params() -> dict[str, str]:
    """The login initiation's parameters (query or form), refused when odd or too long."""
    params = {}
    for name in LOGIN_PARAMS:
        value = flask_request.values.get(name)
        if value:
            if len(value) > MAX_URL:
                raise LaunchRefused(f"the login parameter {name} is too long")
            params[name] = value
    return params


class ToolLogin(FlaskOIDCLogin):
    """The library's login, keeping the nonce with the login's parameters under the state,
    so a launch must bring the id_token issued for this very login (not another one's)."""

    def _generate_nonce(self) -> str:
        nonce = super()._generate_nonce()
        self._state_params = {**self._state_params, "nonce": nonce}  # saved after this call
        return nonce


def login_redirect(launch_url: str) -> Response:
    """Answer the platform's login initiation with the redirect to its authorization URL.

    Saves the nonce and the login's parameters (keyed by the state, for the new-window
    path) in the caller's unit of work; sets the short-lived state cookie.
    """
    params = login_params()
    request, cookies, sessions, storage = _services()
    login = ToolLogin(request, ToolConf(), session_service=sessions, cookie_service=cookies)
    login.set_launch_data_storage(storage)
    login.set_launch_data_lifetime(LOGIN_LIFETIME)
    login.pass_params_to_launch({"login": params})
    try:
        return login.redirect(launch_url)
    except (OIDCException, LtiException, LtiKeyError) as error:
        raise LaunchRefused(f"login initiation: {error}") from error


# --- the launch ----------------------------------------------------------------------------


class ToolLaunch(FlaskMessageLaunch):
    """The library's launch, with our storage, key-set refresh and stricter checks."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._storage: DatabaseLaunchStorage = self._session_service.data_storage
        self._keys_from_cache = False
        self._refetching = False
        self._replayed = False
        self.set_auto_validation(enable=False)

    def _get_id_token(self) -> str:
        token = self._get_request_param("id_token")
        if not isinstance(token, str) or not token:
            raise LtiMessageValidationException("the id_token is missing")
        if len(token) > MAX_ID_TOKEN:
            raise LtiMessageValidationException("the id_token is larger than 64 KB")
        return token

    def validate_state(self) -> ToolLaunch:
        state = self._get_request_param("state")
        if not isinstance(state, str) or not state or len(state) > MAX_ID:
            raise LtiMessageValidationException("the state is missing")
        if self._session_service.check_state_is_valid(state, self._get_id_token_hash()):
            self._replayed = True
            return self  # this very id_token launched before: its spent nonce refuses it
        cookie = self._cookie_service.get_cookie(state)
        if cookie is None:
            stored = self._session_service.get_state_params(state)
            if isinstance(stored, dict) and isinstance(stored.get("login"), dict):
                raise NeedsNewWindow(stored["login"])
            raise LtiMessageValidationException("the state is unknown and has no cookie")
        if cookie != state:
            raise LtiMessageValidationException("the state does not match its cookie")
        return self

    def validate_jwt_format(self) -> ToolLaunch:
        super().validate_jwt_format()
        try:
            check_token_shape(self._jwt.get("header"), self._jwt.get("body"))
        except ClaimsError as error:
            raise LtiMessageValidationException(str(error)) from error
        if not self._replayed:
            stored = self._session_service.get_state_params(self._get_request_param("state"))
            if not isinstance(stored, dict) or stored.get("nonce") != self._jwt["body"]["nonce"]:
                raise LtiMessageValidationException("the id_token was not issued for this login")
        return self

    def fetch_public_key(self, key_set_url: str) -> Any:
        cache_key = "key-set-" + hashlib.sha256(key_set_url.encode("utf-8")).hexdigest()
        if not self._refetching:
            cached = self._storage.get_value(cache_key)
            if cached:
                self._keys_from_cache = True
                return cached
        key_set = download_key_set(key_set_url, self._requests_session)
        if in_unit_of_work():
            self._storage.set_value(cache_key, key_set, KEY_SET_LIFETIME)
        else:
            with unit_of_work():
                self._storage.set_value(cache_key, key_set, KEY_SET_LIFETIME)
        return key_set

    def get_public_key(self) -> tuple[str, str]:
        try:
            return super().get_public_key()
        except LtiKeyException:
            if not self._keys_from_cache:
                raise
        # The cached set lacks this kid: the platform may have rotated its keys. Once.
        logger.info("LTI: kid not in the cached key set of %s; fetching it again", self.get_iss())
        self._keys_from_cache, self._refetching = False, True
        assert self._registration is not None
        self._registration.set_key_set(None)
        return super().get_public_key()

    def validate_jwt_signature(self) -> ToolLaunch:
        assert self._registration is not None
        public_key, algorithm = self.get_public_key()
        client_id = self._registration.get_client_id()
        try:
            body = jwt.decode(
                self._get_id_token(),
                public_key,
                algorithms=[algorithm],
                audience=client_id,
                issuer=self._registration.get_issuer(),
                leeway=CLOCK_SKEW,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "nonce"]},
            )
        except jwt.InvalidTokenError as error:
            raise LtiMessageValidationException(f"id_token refused: {error}") from error
        audiences = body["aud"] if isinstance(body["aud"], list) else [body["aud"]]
        azp = body.get("azp")
        if (azp is not None or len(audiences) > 1) and azp != client_id:
            raise LtiMessageValidationException("the azp claim is not our client id")
        try:
            check_token_shape(self._jwt["header"], body)
        except ClaimsError as error:
            raise LtiMessageValidationException(str(error)) from error
        self._jwt["body"] = body  # the verified claims, not the first unverified reading
        return self

    def verify(self) -> ToolLaunch:
        """Check all but the nonce (no write lock held: the key set may be fetched)."""
        self._validated = True
        try:
            return (
                self.validate_state()
                .validate_jwt_format()
                .validate_registration()
                .validate_jwt_signature()
                .validate_deployment()
                .validate_message()
            )
        except Exception:
            self._validated = False
            raise

    def validate(self) -> ToolLaunch:
        self.verify()
        return self.use_once()

    def use_once(self) -> ToolLaunch:
        """Spend the nonce (refused if spent: a replay) and store the launch."""
        self.validate_nonce()
        self.set_launch_data_lifetime(LAUNCH_DATA_LIFETIME)
        self.save_launch_data()
        self._storage.remove(self._session_service._get_key(self._get_request_param("state")))
        return self


def verify_launch() -> VerifiedLaunch:
    """Check the POSTed launch (all but the nonce); raise LaunchRefused or NeedsNewWindow."""
    request, cookies, sessions, storage = _services()
    tool_conf = ToolConf()
    try:
        launch = ToolLaunch(
            request,
            tool_conf,
            session_service=sessions,
            cookie_service=cookies,
            launch_data_storage=storage,
        )
        launch.verify()
        body = dict(launch.get_launch_data())
        claims = parse_claims(body, launch.get_client_id())
    except LaunchRefused:
        raise
    except (LtiException, ClaimsError, LtiKeyError) as error:
        raise LaunchRefused(str(error)) from error
    except SQLAlchemyError:
        raise
    except Exception as error:  # the library tripped on input: refuse, and show it in the log
        logger.exception("LTI: the launch check failed unexpectedly")
        raise LaunchRefused(f"unexpected {type(error).__name__}") from error
    assert tool_conf.registration is not None
    return VerifiedLaunch(launch, tool_conf.registration, claims, is_lms_instructor(body))


def use_launch(verified: VerifiedLaunch) -> None:
    """Spend the launch's nonce and store it; in the caller's unit of work."""
    try:
        verified.library_launch.use_once()
    except LtiInvalidNonceException as error:
        raise LaunchRefused("the nonce is unknown or was used before (a replay?)") from error
    except LtiException as error:
        raise LaunchRefused(str(error)) from error


def restore_launch(launch_id: str) -> ToolLaunch:
    """The validated launch stored under this id (a deep-linking launch, for the picker)."""
    if not isinstance(launch_id, str) or not launch_id or len(launch_id) > MAX_ID:
        raise LaunchRefused("no such launch")
    request, cookies, sessions, storage = _services()
    try:
        launch = ToolLaunch.from_cache(
            launch_id,
            request,
            ToolConf(),
            session_service=sessions,
            cookie_service=cookies,
            launch_data_storage=storage,
        )
    except (LtiException, LtiKeyError) as error:
        raise LaunchRefused(f"the launch {launch_id} cannot be restored: {error}") from error
    return launch  # type: ignore[return-value]
