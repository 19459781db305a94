"""Malformed and hostile id_tokens at the LTI launch: a 400 (or 403) page, never a 500.

Three kinds of token, after a real OIDC login on the same browser: anything at all
(text, dot-joined garbage, huge), well-formed but unsigned JSON, and tokens the
platform really signed whose claims hold hostile values. Whatever arrives, the launch
answers without an exception, and only a launch that succeeds logs anyone in.

The number of examples comes from the hypothesis profile (tests/conftest.py).
"""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.security.test_fuzz import _CHARS, EXTRA_FIELDS, HOSTILE
from tests.support.lti_platform import AGS, DL, LTI, NRPS, LmsPlatform, session_user

OK = {302, 400, 403}

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(_CHARS, max_size=40)
    | HOSTILE,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(_CHARS, max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
CLAIMS = [
    "iss", "aud", "azp", "sub", "nonce", "exp", "iat", "name", "given_name", "email",
    LTI + "deployment_id", LTI + "message_type", LTI + "version", LTI + "roles",
    LTI + "resource_link", LTI + "custom", LTI + "context", AGS + "endpoint",
    NRPS + "namesroleservice", DL + "deep_linking_settings",
]  # fmt: skip
HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "alg": st.one_of(st.sampled_from(["RS256", "none", "HS256", "ES256"]), JSON),
        "kid": JSON,
        "typ": JSON,
    },
)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _segment() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(_CHARS, max_size=30),
        st.binary(max_size=60).map(b64),
        JSON.map(lambda value: b64(json.dumps(value).encode())),
    )


GARBAGE = st.one_of(
    HOSTILE,
    st.lists(_segment(), min_size=1, max_size=5).map(".".join),
    st.integers(min_value=60_000, max_value=80_000).map(lambda n: "e" * n + ".e.e"),
)


@pytest.fixture
def platform(lti_platform: LmsPlatform) -> LmsPlatform:
    lti_platform.register()
    return lti_platform


def _post(app, platform: LmsPlatform, build, state=None):
    browser = app.test_client()
    login = platform.start_login(browser)
    data = {"id_token": build(login), "state": login.state if state is None else state}
    response = browser.post("/lti/launch", data=data)
    assert response.status_code in OK, (response.status_code, data["id_token"][:200])
    if response.status_code != 302:
        assert session_user(browser) is None
    return response


@given(token=GARBAGE, state=st.one_of(st.none(), HOSTILE))
def test_any_id_token_at_all_is_refused_without_a_500(app, platform, token, state):
    assert _post(app, platform, lambda login: token, state).status_code in (400, 403)


@given(header=HEADERS, body=st.dictionaries(st.sampled_from(CLAIMS), JSON, max_size=6))
def test_unsigned_json_is_refused_without_a_500(app, platform, header, body):
    def build(login):
        claims = {**platform.claims(login.nonce), **body}
        parts = (json.dumps(header), json.dumps(claims), "signature")
        return ".".join(b64(part.encode()) for part in parts)

    assert _post(app, platform, build).status_code in (400, 403)


@given(overrides=st.dictionaries(st.sampled_from(CLAIMS), JSON, min_size=1, max_size=4))
def test_signed_tokens_with_hostile_claims_answer_without_a_500(app, platform, overrides):
    _post(app, platform, lambda login: platform.sign({**platform.claims(login.nonce), **overrides}))


# --- the deep-linking picker ----------------------------------------------------------------

PICKER = "/lti/deep-link"
TARGETS = st.one_of(
    st.sampled_from(["course", "lesson:first-lesson", "quiz:first-lesson", "quiz:nope", "lesson:"]),
    HOSTILE,
)


@pytest.fixture
def lms_teacher(app, course, platform):
    """An LMS teacher of ours (a learner account), logged in, arriving as from deep linking."""
    from tests.support import log_in, make_user

    user = make_user("lms-teacher@example.com")
    client = app.test_client()
    log_in(client, "lms-teacher@example.com")
    return client, user


@given(
    targets=st.one_of(TARGETS, st.lists(TARGETS, max_size=30)),
    multiple=st.one_of(st.booleans(), JSON),
    data=st.one_of(st.none(), JSON),
    extra=EXTRA_FIELDS,
    with_token=st.booleans(),
)
def test_the_deep_linking_picker_survives_anything(
    lms_teacher, platform, targets, multiple, data, extra, with_token
):
    """Whatever the teacher's browser posts (and whatever the LMS put in the request's
    `data` and `accept_multiple`): the picker with a field error, the signed answer, or a
    400/403 page; never a 500."""
    from tests.support import csrf_token
    from tests.support.lti_deep_link import begin_deep_linking, deep_linking_claims

    client, user = lms_teacher
    claims = deep_linking_claims(
        platform.issuer,
        platform.client_id,
        platform.deployment_id,
        f"{platform.issuer}/deep-link-return",
        sub="lms-teacher",
        accept_multiple=multiple,
        data=data,
    )
    begin_deep_linking(client, user, claims)
    values = {**{k: v for k, v in extra.items() if k != "csrf_token"}, "targets": targets}
    if with_token:
        values["csrf_token"] = csrf_token(client, PICKER)
    response = client.post(PICKER, data=values)
    assert response.status_code in (200, 400, 403), response.status_code
    page = response.get_data(as_text=True)
    if response.status_code == 200:
        assert ('id="deep-link-return"' in page) != ('class="field__error"' in page), page[:500]


# --- the gradebook's LMS buttons: retry a learner's scores, fetch a class list ---------------


@pytest.fixture
def lms_gradebook(app, course, lti_platform, instructor_client):
    """A registered LMS with its services, an LMS course offering its class list, and a
    learner of ours linked to one of its line items."""
    from types import SimpleNamespace

    from app.database import unit_of_work
    from app.extensions import db
    from app.lti import keys
    from app.lti.models import LtiContext
    from tests.support.lti_scores import link_learner, take_quiz
    from tests.support.lti_services import LmsServices, member

    services = LmsServices(lti_platform.client_id).start()
    registration_id = lti_platform.register(token_url=services.token_url)
    services.trust(keys.public_jwks())
    services.members = [member(f"lms-{n}", f"Member {n}") for n in range(3)]
    learner = app.test_client()
    learner_id = link_learner(
        learner, "linked@example.com", registration_id, services.lineitem_url("q")
    )
    take_quiz(learner)  # a score waiting in the outbox
    with unit_of_work():
        context = LtiContext(
            registration_id=registration_id,
            context_id="course-101",
            title="Military Diplomacy 101",
            memberships_url=services.memberships_url("course-101"),
        )
        db.session.add(context)
        db.session.flush()
        context_id = context.id
    try:
        yield SimpleNamespace(
            client=instructor_client,
            services=services,
            learner_id=learner_id,
            context_id=context_id,
        )
    finally:
        services.stop()


@given(
    context=st.one_of(st.just("real"), st.just("999999"), HOSTILE),
    mode=st.sampled_from(["up", "down"]),
    extra=EXTRA_FIELDS,
    with_token=st.booleans(),
)
def test_fetching_a_class_list_survives_anything(lms_gradebook, context, mode, extra, with_token):
    """The LMS course named by anything, the LMS up or down: a redirect with a message, or
    404/400; a refused request writes nothing."""
    from tests.security.test_fuzz import assert_unchanged, snapshot
    from tests.support import csrf_token

    book = lms_gradebook
    book.services.mode = mode
    values = {k: v for k, v in extra.items() if k != "csrf_token"}
    values["context"] = str(book.context_id) if context == "real" else context
    if with_token:
        values["csrf_token"] = csrf_token(book.client, "/instructor/gradebook")
    before = snapshot()
    response = book.client.post("/instructor/gradebook/roster", data=values)
    assert response.status_code in (302, 400, 404), response.status_code
    if response.status_code != 302 or mode == "down":
        assert_unchanged(before, "a refused class-list fetch")
    assert book.client.get("/instructor/gradebook").status_code == 200


@given(
    learner=st.one_of(st.just("linked"), st.sampled_from(["0", "2147483647"])),
    extra=EXTRA_FIELDS,
    with_token=st.booleans(),
)
def test_retrying_a_learners_lms_scores_survives_anything(
    lms_gradebook, learner, extra, with_token
):
    """Retry now, posted with stray hostile fields, for a real learner or none: a redirect,
    400 or 404; a refused request writes nothing."""
    from tests.security.test_fuzz import assert_unchanged, snapshot
    from tests.support import csrf_token

    book = lms_gradebook
    learner_id = book.learner_id if learner == "linked" else learner
    values = {k: v for k, v in extra.items() if k != "csrf_token"}
    if with_token:
        values["csrf_token"] = csrf_token(book.client, "/instructor/gradebook")
    before = snapshot()
    response = book.client.post(f"/instructor/learners/{learner_id}/lti-scores/retry", data=values)
    assert response.status_code in (302, 400, 404), response.status_code
    if response.status_code != 302:
        assert_unchanged(before, "a refused retry")
    assert book.client.get("/instructor/gradebook").status_code == 200
