"""An LMS teacher adds our course, lessons and quizzes to an LMS course (LTI deep linking).

The teacher arrives from a deep-linking launch, picks items, and we answer with an
LtiDeepLinkingResponse the platform verifies against our JWKS: one `ltiResourceLink` per
item, launching /lti/launch with the item's target, and a gradebook line item per quiz.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from app.extensions import db
from app.lti import deep_linking
from app.lti.models import LtiLaunchValue
from app.timeutil import now_utc
from tests.support import csrf_token, log_in, make_user
from tests.support.lti_deep_link import (
    DL,
    LTI,
    ROLE,
    begin_deep_linking,
    deep_linking_claims,
    returned_jwt,
    verify_with_jwks,
)

PICKER = "/lti/deep-link"


@pytest.fixture
def teacher(app, client, course, lti_platform):
    """An LMS teacher (a learner of ours: the platform was registered by nobody of ours)."""
    user = make_user("lms-teacher@example.com")
    log_in(client, "lms-teacher@example.com")
    return user


@pytest.fixture
def registration_id(lti_platform):
    """The LMS, registered with the tool."""
    return lti_platform.register()


def arrive(app, client, user, platform, registration_id, **settings):
    """The teacher comes back from a deep-linking launch of `platform`; the launch id."""
    claims = deep_linking_claims(
        platform.issuer,
        platform.client_id,
        platform.deployment_id,
        f"{platform.issuer}/deep-link-return?course=101",
        **settings,
    )
    return begin_deep_linking(client, user, claims)


def pick(client, *targets):
    return client.post(
        PICKER, data={"targets": list(targets), "csrf_token": csrf_token(client, PICKER)}
    )


def test_the_picker_lists_the_course_every_lesson_and_every_quiz_by_module(
    app, client, teacher, lti_platform, registration_id
):
    arrive(app, client, teacher, lti_platform, registration_id)

    page = client.get(PICKER)

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for target in ("course", "lesson:first-lesson", "quiz:first-lesson", "lesson:second-lesson"):
        assert f'type="checkbox" value="{target}"' in html
    assert 'value="lesson:final-review"' in html
    assert 'value="quiz:final-review"' not in html  # that lesson has no questions
    assert html.index("<legend>Basics</legend>") < html.index("<legend>Wrap-up</legend>")
    assert "Quiz: First Lesson" in html and "Test Course" in html


def test_a_platform_that_takes_one_item_gets_radio_buttons(
    app, client, teacher, lti_platform, registration_id
):
    arrive(app, client, teacher, lti_platform, registration_id, accept_multiple=False)

    html = client.get(PICKER).get_data(as_text=True)

    assert 'type="radio"' in html and 'type="checkbox"' not in html
    response = pick(client, "lesson:first-lesson")
    _, token = returned_jwt(response.get_data(as_text=True))
    claims = verify_with_jwks(client, token, lti_platform.issuer)
    assert [item["custom"] for item in claims[DL + "content_items"]] == [
        {"target": "lesson:first-lesson"}
    ]


def test_the_chosen_items_go_back_signed_with_a_gradebook_column_for_the_quiz(
    app, client, teacher, lti_platform, registration_id
):
    app.config["PUBLIC_BASE_URL"] = "https://learn.example.org"
    arrive(app, client, teacher, lti_platform, registration_id)

    response = pick(client, "quiz:first-lesson", "course", "lesson:second-lesson")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Add to the course" in html and "<script" not in html
    action, token = returned_jwt(html)
    assert action == f"{lti_platform.issuer}/deep-link-return?course=101"
    # The page may post its form to the platform, and only there besides ourselves.
    policy = response.headers["Content-Security-Policy"]
    assert f"form-action 'self' {lti_platform.issuer};" in policy
    assert "frame-ancestors 'none'" in policy  # no LTI framing session here: nobody frames it
    # Every other page posts only to us.
    assert "form-action 'self';" in client.get("/").headers["Content-Security-Policy"]

    claims = verify_with_jwks(client, token, lti_platform.issuer)
    assert claims["iss"] == lti_platform.client_id
    assert claims["aud"] == [lti_platform.issuer]
    assert claims["nonce"] and claims["exp"] > time.time() > claims["iat"] - 5
    assert claims[LTI + "deployment_id"] == lti_platform.deployment_id
    assert claims[LTI + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[LTI + "version"] == "1.3.0"
    assert claims[DL + "data"] == "platform-state-42"
    course_item, quiz_item, lesson_item = claims[DL + "content_items"]  # in course order
    launch = "https://learn.example.org/lti/launch"
    assert course_item == {
        "type": "ltiResourceLink",
        "title": "Test Course",
        "url": launch,
        "custom": {"target": "course"},
    }
    assert lesson_item == {
        "type": "ltiResourceLink",
        "title": "Second Lesson",
        "url": launch,
        "custom": {"target": "lesson:second-lesson"},
    }
    assert quiz_item == {
        "type": "ltiResourceLink",
        "title": "Quiz: First Lesson",
        "url": launch,
        "custom": {"target": "quiz:first-lesson"},
        "lineItem": {
            "scoreMaximum": 100.0,
            "label": "Quiz: First Lesson",
            "resourceId": "quiz:first-lesson",
            "tag": "quiz",
        },
    }


def test_without_data_in_the_request_none_is_echoed(
    app, client, teacher, lti_platform, registration_id
):
    arrive(app, client, teacher, lti_platform, registration_id, data=None)

    _, token = returned_jwt(pick(client, "course").get_data(as_text=True))

    claims = verify_with_jwks(client, token, lti_platform.issuer)
    assert DL + "data" not in claims
    assert claims[DL + "content_items"][0]["url"] == "http://localhost/lti/launch"


def test_one_request_gives_one_answer(app, client, teacher, lti_platform, registration_id):
    arrive(app, client, teacher, lti_platform, registration_id)
    token = csrf_token(client, PICKER)
    assert client.post(PICKER, data={"targets": "course", "csrf_token": token}).status_code == 200

    assert client.get(PICKER).status_code == 403
    assert client.post(PICKER, data={"targets": "course", "csrf_token": token}).status_code == 403


def test_nobody_else_reaches_the_picker(app, client, course, lti_platform):
    assert client.get(PICKER).status_code == 403  # no session at all
    make_user("learner@example.com")
    log_in(client, "learner@example.com")
    assert client.get(PICKER).status_code == 403  # a learner's ordinary session
    assert client.post(PICKER, data={"targets": "course"}).status_code in (400, 403)


def test_an_lms_learner_launching_deep_linking_is_refused(
    app, client, teacher, lti_platform, registration_id
):
    arrive(app, client, teacher, lti_platform, registration_id, roles=(ROLE + "Learner",))
    assert client.get(PICKER).status_code == 403

    arrive(
        app,
        client,
        teacher,
        lti_platform,
        registration_id,
        roles=(ROLE + "Instructor#TeachingAssistant",),
    )
    assert client.get(PICKER).status_code == 403


def test_the_request_belongs_to_the_teacher_who_launched_and_expires(
    app, client, teacher, lti_platform, registration_id
):
    launch_id = arrive(app, client, teacher, lti_platform, registration_id)
    make_user("someone@example.com")
    someone = app.test_client()
    log_in(someone, "someone@example.com")
    with someone.session_transaction() as cookie:
        cookie[deep_linking.LAUNCH_KEY] = launch_id  # the launch, but another account
    assert someone.get(PICKER).status_code == 403

    assert client.get(PICKER).status_code == 200
    stored = db.session.get(LtiLaunchValue, launch_id)
    stored.expires_at = now_utc() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(PICKER).status_code == 403


def test_a_launch_that_was_not_deep_linking_opens_no_picker(
    app, client, teacher, lti_platform, registration_id
):
    claims = deep_linking_claims(
        lti_platform.issuer, lti_platform.client_id, lti_platform.deployment_id, "https://x.org/r"
    )
    claims[LTI + "message_type"] = "LtiResourceLinkRequest"
    begin_deep_linking(client, teacher, claims)

    assert client.get(PICKER).status_code == 403


@pytest.mark.parametrize(
    ("settings", "status"),
    [
        ({"accept_types": ["link", "html"]}, 400),
        ({"deep_link_return_url": "javascript:alert(1)"}, 400),
        ({"deep_link_return_url": "https://lms.example.org;script-src *"}, 400),
        ({"data": "x" * 5000}, 400),
    ],
)
def test_a_request_we_cannot_answer_is_a_plain_error(
    app, client, teacher, lti_platform, registration_id, settings, status
):
    claims = deep_linking_claims(
        lti_platform.issuer,
        lti_platform.client_id,
        lti_platform.deployment_id,
        f"{lti_platform.issuer}/r",
    )
    claims[DL + "deep_linking_settings"].update(settings)
    begin_deep_linking(client, teacher, claims)

    assert client.get(PICKER).status_code == status


@pytest.mark.parametrize(
    ("targets", "message"),
    [
        ([], "Choose at least one item."),
        (["quiz:no-such-lesson"], "not a valid choice"),
        (["quiz:final-review"], "not a valid choice"),  # no quiz in that lesson
        (["course"] * 40, "at most once"),
        (["\u2028" * 300], "not a valid choice"),
    ],
)
def test_bad_choices_are_field_errors(
    app, client, teacher, lti_platform, registration_id, targets, message
):
    arrive(app, client, teacher, lti_platform, registration_id)

    response = pick(client, *targets)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html.lower() or message in html
    assert 'name="JWT"' not in html
    assert client.get(PICKER).status_code == 200  # the request is still there


def test_a_single_choice_platform_refuses_two_items(
    app, client, teacher, lti_platform, registration_id
):
    arrive(app, client, teacher, lti_platform, registration_id, accept_multiple=False)

    response = pick(client, "course", "lesson:first-lesson")

    # A radio group sends one value; a forged second one is ignored, never two items.
    _, token = returned_jwt(response.get_data(as_text=True))
    items = verify_with_jwks(client, token, lti_platform.issuer)[DL + "content_items"]
    assert [item["custom"]["target"] for item in items] == ["course"]
