"""An LMS launches the course: the OIDC login, the id_token, the account, the landing page.

The platform is `tests/support/lti_platform.py` on loopback (its own keys and JWKS).
"""

from __future__ import annotations

import urllib.parse

from sqlalchemy import func, select

from app.auth.models import ROLE_INSTRUCTOR, User
from app.course.models import Lesson
from app.database import unit_of_work
from app.extensions import db
from app.lti.models import LtiContext, LtiGradeLink, LtiIdentity
from app.lti.tool_launch import restore_launch
from tests.security.test_headers import find_inline_markup
from tests.support import make_user, post_form
from tests.support.lti_platform import (
    AGS,
    DEEP_LINKING,
    INSTRUCTOR,
    LEARNER,
    ROLE,
    LmsPlatform,
    PlatformKey,
    follow_handoff,
    session_user,
)

INSTITUTION_INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor"
CONTENT_DEVELOPER = ROLE + "ContentDeveloper"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_first_launch_makes_a_learner_with_the_claimed_name_and_opens_the_target(
    client, course, lti_platform: LmsPlatform
):
    lti_platform.register()

    response = lti_platform.launch(
        client, sub="learner-7", name="  Ada Lovelace ", target="lesson:first-lesson"
    )

    assert response.status_code == 302, response.text[:400]
    assert response.headers["Location"].endswith("/lessons/first-lesson")
    user = session_user(client)
    assert user is not None and user.name == "Ada Lovelace" and user.role == "learner"
    assert user.password_hash == "" and user.email is None
    assert client.get("/lessons/first-lesson").status_code == 200

    again = lti_platform.launch(client, sub="learner-7", name="Ada Renamed")
    assert again.status_code == 302 and again.headers["Location"].endswith("/")
    assert count(LtiIdentity) == 1 and count(User) == 1
    assert session_user(client).id == user.id
    assert session_user(client).name == "Ada Renamed"  # renamed in the LMS: renamed here
    assert db.session.scalar(select(LtiIdentity.launched_at)) is not None


def test_a_name_the_learner_chose_here_outlasts_lms_renames(client, lti_platform):
    from app.auth.services import set_name

    lti_platform.register()
    lti_platform.launch(client, sub="learner-8", name="Grace Brewster")
    with unit_of_work():
        set_name(db.session.get(User, session_user(client).id), "Grace Hopper")

    lti_platform.launch(client, sub="learner-8", name="Grace B. Murray")
    assert session_user(client).name == "Grace Hopper"
    # A launch with no usable name changes nothing either.
    lti_platform.launch(client, sub="learner-8", name="Eve\u202e")
    assert session_user(client).name == "Grace Hopper"


def test_an_identity_from_before_names_were_kept_follows_once_the_names_agree(client, lti_platform):
    """Its owner may have renamed themselves, so an LMS name unlike theirs is only noted;
    once the LMS sends the name they carry, later renames follow."""
    lti_platform.register()
    lti_platform.launch(client, sub="learner-9", name="Alan Turing")
    with unit_of_work():
        db.session.scalars(select(LtiIdentity)).one().lms_name = None  # as migration 0015 left it

    lti_platform.launch(client, sub="learner-9", name="Alan M. Turing")
    assert session_user(client).name == "Alan Turing"
    lti_platform.launch(client, sub="learner-9", name="Alan Turing")
    lti_platform.launch(client, sub="learner-9", name="A. M. Turing")
    assert session_user(client).name == "A. M. Turing"


def test_the_name_comes_from_the_claims_by_our_name_rule(client, lti_platform):
    lti_platform.register()
    cases = {
        "given-family": ({"name": None, "given_name": "Ada", "family_name": "Byron"}, "Ada Byron"),
        "no name": ({"name": None}, "Learner"),
        "a bidi override": ({"name": "Eve\u202e"}, "Learner"),
        "too long": ({"name": "A" * 81}, "Learner"),
        "not a string": ({"name": ["x"]}, "Learner"),
        "decomposed": ({"name": "Jose\u0301"}, "Jos\u00e9"),
    }  # fmt: skip
    for sub, (claims, expected) in cases.items():
        browser = client.application.test_client()
        assert lti_platform.launch(browser, sub=sub, **claims).status_code == 302, sub
        assert session_user(browser).name == expected, sub


def test_the_email_is_kept_only_when_no_account_has_it_and_never_links_accounts(
    client, lti_platform
):
    lti_platform.register()
    owner = make_user("taken@example.com")

    lti_platform.launch(client, sub="s-1", email="Taken@Example.com")
    impostor = session_user(client)
    assert impostor.id != owner.id and impostor.email is None

    other = client.application.test_client()
    lti_platform.launch(other, sub="s-2", email="free@example.com")
    assert session_user(other).email == "free@example.com"


def test_an_account_made_by_a_launch_cannot_log_in_with_a_password(client, lti_platform):
    lti_platform.register()
    lti_platform.launch(client, sub="s-1", email="lms@example.com")
    browser = client.application.test_client()
    for password in ("", "anything at all, long enough"):
        response = post_form(browser, "/login", {"email": "lms@example.com", "password": password})
        assert response.status_code == 200  # the form again: refused
        assert session_user(browser) is None


def _instructor_launch(client, platform, roles=(INSTRUCTOR,), sub="teacher-1") -> User:
    assert platform.launch(client, sub=sub, roles=roles).status_code == 302
    return session_user(client)


def test_lms_instructors_become_instructors_only_on_a_registration_an_instructor_made(
    app, lti_platform
):
    teacher = make_user("teacher@example.com", role=ROLE_INSTRUCTOR)
    lti_platform.register(created_by_id=teacher.id)
    for roles in ((INSTRUCTOR,), (CONTENT_DEVELOPER,), (INSTITUTION_INSTRUCTOR,)):
        sub = f"t-{roles[0][-12:]}"
        assert _instructor_launch(app.test_client(), lti_platform, roles, sub).is_instructor

    # Canvas sends institution roles to students: a context role says what they are here.
    student = _instructor_launch(
        app.test_client(), lti_platform, (INSTITUTION_INSTRUCTOR, LEARNER), "s"
    )
    assert not student.is_instructor

    untrusted = LmsPlatform().start()
    try:
        untrusted.register(created_by_id=None)
        assert not _instructor_launch(app.test_client(), untrusted).is_instructor
    finally:
        untrusted.stop()


def test_a_registration_made_by_a_learner_makes_no_instructors(app, lti_platform):
    learner = make_user("learner@example.com")
    lti_platform.register(created_by_id=learner.id)
    assert not _instructor_launch(app.test_client(), lti_platform).is_instructor


def test_a_learner_is_promoted_under_the_same_rule_and_never_demoted(app, lti_platform):
    teacher = make_user("teacher@example.com", role=ROLE_INSTRUCTOR)
    lti_platform.register(created_by_id=teacher.id)
    assert not _instructor_launch(app.test_client(), lti_platform, (LEARNER,)).is_instructor
    assert _instructor_launch(app.test_client(), lti_platform, (INSTRUCTOR,)).is_instructor
    assert _instructor_launch(app.test_client(), lti_platform, (LEARNER,)).is_instructor

    # The maker is no instructor any more: LMS roles stop counting for new promotions.
    with unit_of_work():
        db.session.get(User, teacher.id).role = "learner"
    newcomer = _instructor_launch(app.test_client(), lti_platform, (INSTRUCTOR,), "teacher-2")
    assert not newcomer.is_instructor


def test_two_platforms_with_the_same_sub_are_two_people(app, lti_platform):
    lti_platform.register()
    other = LmsPlatform().start()
    try:
        other.register()
        first, second = app.test_client(), app.test_client()
        lti_platform.launch(first, sub="user-1")
        other.launch(second, sub="user-1")
        assert session_user(first).id != session_user(second).id
        assert count(LtiIdentity) == 2
    finally:
        other.stop()


def test_a_quiz_launch_with_a_line_item_links_the_grade_and_notes_the_lms_course(
    client, course, lti_platform
):
    registration_id = lti_platform.register()
    lineitem = f"{lti_platform.issuer}/lineitems/7/lineitem"
    roster = f"{lti_platform.issuer}/contexts/course-101/memberships"
    claims = {"target": "quiz:first-lesson", "lineitem": lineitem, "memberships_url": roster}

    response = lti_platform.launch(client, sub="learner-q", **claims)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/lessons/first-lesson#quiz-heading")
    lti_platform.launch(client, sub="learner-q", **claims)  # again: the same rows

    link = db.session.scalars(select(LtiGradeLink)).one()
    assert (link.registration_id, link.user_id, link.lineitem_url, link.subject) == (
        registration_id,
        session_user(client).id,
        lineitem,
        "learner-q",
    )
    assert link.lesson_id == db.session.scalar(
        select(Lesson.id).where(Lesson.slug == "first-lesson")
    )
    context = db.session.scalars(select(LtiContext)).one()
    assert (context.context_id, context.title, context.memberships_url) == (
        "course-101",
        "Military Diplomacy 101",
        roster,
    )


def test_a_line_item_without_the_score_scope_makes_no_grade_link(client, course, lti_platform):
    """A platform that lets the tool read a column but not post to it: every score sent
    there would be refused, so none is queued; the launch itself works."""
    lti_platform.register()
    lineitem = f"{lti_platform.issuer}/lineitems/8/lineitem"
    read_only = {
        AGS + "endpoint": {
            "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"],
            "lineitem": lineitem,
        }
    }

    response = lti_platform.launch(client, target="quiz:first-lesson", **read_only)

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/lessons/first-lesson#quiz-heading")
    assert count(LtiGradeLink) == 0


def test_a_lesson_launch_makes_no_grade_link_and_an_unknown_target_is_refused(
    client, course, lti_platform
):
    lti_platform.register()
    lineitem = f"{lti_platform.issuer}/lineitems/1/lineitem"
    assert (
        lti_platform.launch(client, target="lesson:first-lesson", lineitem=lineitem).status_code
        == 302
    )
    assert count(LtiGradeLink) == 0

    stranger = client.application.test_client()
    for target in ("chapter:one", "lesson:../../etc", "quiz:", ["course"]):
        response = lti_platform.launch(stranger, target=target)
        assert response.status_code == 400, target
        assert "names no part of the course" in response.text
        assert session_user(stranger) is None


def test_a_deep_linking_launch_by_an_lms_instructor_opens_the_picker(client, lti_platform):
    lti_platform.register()
    response = lti_platform.launch(client, message_type=DEEP_LINKING, roles=(INSTRUCTOR,))

    assert response.status_code == 302
    assert urllib.parse.urlsplit(response.headers["Location"]).path == "/lti/deep-link"
    with client.session_transaction() as session:
        launch_id = session["lti_deep_link_launch"]
        assert session["lti_frame_origin"] == lti_platform.issuer
    with client.application.test_request_context():
        restored = restore_launch(launch_id)
        assert restored.is_deep_link_launch()
        settings = restored.get_launch_data()[
            "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
        ]
        assert settings["deep_link_return_url"] == f"{lti_platform.issuer}/deep-link-return"


def test_a_deep_linking_launch_by_a_learner_is_forbidden(client, lti_platform):
    lti_platform.register()
    response = lti_platform.launch(client, message_type=DEEP_LINKING, roles=(LEARNER,))
    assert response.status_code == 403
    assert session_user(client) is None and count(LtiIdentity) == 0


def test_a_launch_ends_the_session_that_was_there(client, lti_platform):
    lti_platform.register()
    make_user("someone@example.com")
    post_form(
        client,
        "/login",
        {"email": "someone@example.com", "password": "correct horse battery staple"},
    )
    before = session_user(client)
    lti_platform.launch(client, sub="lms-user")
    assert session_user(client).id != before.id


def test_a_browser_that_blocks_the_state_cookie_is_offered_a_new_window(app, lti_platform):
    lti_platform.register()
    framed = app.test_client()
    login = lti_platform.start_login(framed)
    framed.delete_cookie("lti1p3-" + login.state, domain="localhost")  # blocked in the iframe
    token = lti_platform.sign(lti_platform.claims(login.nonce))

    page = lti_platform.post_launch(framed, login, token)

    assert page.status_code == 400 and session_user(framed) is None
    assert f"frame-ancestors {lti_platform.issuer}" in page.headers["Content-Security-Policy"]
    html = page.get_data(as_text=True)
    assert not find_inline_markup(html)
    assert 'target="_blank"' in html and 'rel="noopener"' in html
    href = html.split('href="/lti/login?', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    params = dict(urllib.parse.parse_qsl(href))
    assert params["iss"] == lti_platform.issuer and params["lti1p3_new_window"] == "1"

    window = app.test_client()  # first-party: the cookie sticks
    response = window.get("/lti/login", query_string=params)
    assert response.status_code == 302
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(response.headers["Location"]).query))
    again = lti_platform.sign(lti_platform.claims(query["nonce"]))
    launched = window.post("/lti/launch", data={"id_token": again, "state": query["state"]})
    assert follow_handoff(window, launched).status_code == 302
    assert session_user(window) is not None


def test_launches_are_limited_per_platform(make_test_app, lti_platform):
    lti_platform.register()
    other = LmsPlatform().start()
    try:
        other.register()
        limited = make_test_app(
            RATELIMIT_ENABLED=True,
            RATELIMIT_STORAGE_URI="memory://",
            RATELIMIT_LTI_LAUNCH="3 per minute",
        )
        browser = limited.test_client()
        for _ in range(3):
            browser.get("/lti/login", query_string=lti_platform.login_params())
        refused = browser.get("/lti/login", query_string=lti_platform.login_params())
        assert refused.status_code == 429
        launch = browser.post(
            "/lti/launch",
            data={"id_token": lti_platform.sign(lti_platform.claims("n")), "state": "s"},
        )
        assert launch.status_code == 429  # the launch counts against the same platform
        assert other.launch(browser).status_code == 302  # another platform is not held up
    finally:
        other.stop()


def test_forged_launches_never_use_up_a_platforms_count_and_are_stopped_at_their_address(
    make_test_app, lti_platform
):
    """Junk naming a real platform's issuer counts against the sender's address only."""
    lti_platform.register()
    limited = make_test_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_LTI_LAUNCH="4 per minute",
        RATELIMIT_LTI_REFUSED="5 per minute",
    )
    forger = limited.test_client()
    forger.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    forged = lti_platform.sign(lti_platform.claims("n"), PlatformKey.new())  # not its key
    answers = [
        forger.post("/lti/launch", data={"id_token": forged, "state": "s"}).status_code
        for _ in range(7)
    ]
    assert answers == [400] * 5 + [429] * 2  # refused, then stopped at the address

    # The platform's own count is whole: two learners' logins and launches (4) get in.
    learner = limited.test_client()
    learner.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert lti_platform.launch(learner, sub="learner-a").status_code == 302
    assert lti_platform.launch(learner, sub="learner-b").status_code == 302
    refused = learner.get("/lti/login", query_string=lti_platform.login_params())
    assert refused.status_code == 429  # the fifth of the platform's in a minute
