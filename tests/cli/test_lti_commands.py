"""`flask lti …`: the school's admin registers the LMS and rotates the tool's keys from a shell.

Each command that writes does it in one unit of work: a refused one exits non-zero with
the reason and leaves the database as it was.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.database import unit_of_work
from app.extensions import db
from app.lti.models import LtiDeployment, LtiIdentity, LtiRegistration, LtiToolKey
from tests.support import make_user

BASE = "https://quiz.example.edu"
REGISTER = [
    "lti", "register", "--name", "School Moodle", "--issuer", "https://moodle.school.edu",
    "--client-id", "aBcD1234",
    "--login-url", "https://moodle.school.edu/mod/lti/auth.php",
    "--token-url", "https://moodle.school.edu/mod/lti/token.php",
    "--jwks-url", "https://moodle.school.edu/mod/lti/certs.php",
    "--deployment", "1", "--deployment", "2",
]  # fmt: skip
URL_LINES = [
    f"Login initiation URL (OpenID Connect initiation): {BASE}/lti/login",
    f"Redirect URI / tool URL / target link URI: {BASE}/lti/launch",
    f"Public keyset (JWKS) URL: {BASE}/lti/jwks",
    f"Deep linking (content selection) URL: {BASE}/lti/launch",
]


@pytest.fixture
def lti(app, make_test_app):
    """A CLI runner on an app whose PUBLIC_BASE_URL is the school's address for us (the
    `app` fixture's context, on the same database, is where the test reads)."""
    yield make_test_app(PUBLIC_BASE_URL=BASE).test_cli_runner()
    db.session.rollback()  # end the test's reads before the tables are emptied


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _option(args: list[str], name: str, value: str) -> list[str]:
    changed = list(args)
    changed[changed.index(name) + 1] = value
    return changed


def test_register_stores_the_platform_makes_a_key_and_prints_what_to_enter(lti):
    result = lti.invoke(args=REGISTER)
    assert result.exit_code == 0, result.output
    assert "Registered platform 1: School Moodle (https://moodle.school.edu)." in result.output
    for line in URL_LINES:
        assert line in result.output
    row = db.session.scalar(select(LtiRegistration))
    assert [d.deployment_id for d in row.deployments] == ["1", "2"]
    assert row.created_by_id is None  # launches from it make learners only
    assert _count(LtiToolKey) == 1


def test_register_by_an_instructor_records_who(lti):
    teacher = make_user("teacher@example.com", role="instructor")
    result = lti.invoke(args=[*REGISTER, "--by", "Teacher@Example.com"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(LtiRegistration.created_by_id)) == teacher.id


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (_option(REGISTER, "--issuer", "http://moodle.school.edu"), "--issuer: The issuer"),
        (_option(REGISTER, "--jwks-url", "certs.php"), "--jwks-url: The public keyset URL"),
        (_option(REGISTER, "--client-id", "  "), "--client-id: The client ID is required"),
        ([*REGISTER, "--deployment", "1"], "--deployment: The deployment ID '1' is given twice"),
        ([*REGISTER, "--frame-origin", "https://a.edu/x"], "--frame-origin: The frame origin"),
        ([*REGISTER, "--by", "nobody@example.com"], "--by: no instructor"),
        (REGISTER[: REGISTER.index("--deployment")], "Missing option '--deployment'"),
    ],
)
def test_bad_arguments_are_refused_and_nothing_is_written(lti, args, message):
    result = lti.invoke(args=args)
    assert result.exit_code != 0
    assert message in result.output, result.output
    assert _count(LtiRegistration) == 0 and _count(LtiDeployment) == 0
    assert _count(LtiToolKey) == 0


def test_a_learner_cannot_be_named_as_the_registering_instructor(lti):
    make_user("learner@example.com")
    result = lti.invoke(args=[*REGISTER, "--by", "learner@example.com"])
    assert result.exit_code != 0 and "--by: no instructor" in result.output
    assert _count(LtiRegistration) == 0


def test_registering_the_same_platform_twice_says_so(lti):
    assert lti.invoke(args=REGISTER).exit_code == 0
    again = lti.invoke(args=REGISTER)
    assert again.exit_code != 0
    assert "already has a registration with this client ID" in again.output
    assert _count(LtiRegistration) == 1


def test_list_shows_each_platform(lti):
    assert "No platform registered yet" in lti.invoke(args=["lti", "list"]).output
    make_user("teacher@example.com", role="instructor")
    lti.invoke(args=[*REGISTER, "--by", "teacher@example.com", "--frame-origin", BASE])
    listed = lti.invoke(args=["lti", "list"])
    assert listed.exit_code == 0
    assert "1: School Moodle issuer=https://moodle.school.edu client_id=aBcD1234" in listed.output
    assert "deployments: 1, 2" in listed.output
    assert f"frame origin: {BASE}; registered by teacher@example.com" in listed.output


def test_delete_removes_an_unused_platform_and_refuses_one_in_use(lti):
    lti.invoke(args=REGISTER)
    lti.invoke(args=_option(REGISTER, "--client-id", "used"))
    learner = make_user("ada@example.com")
    db.session.add(
        LtiIdentity(issuer="https://moodle.school.edu", subject="ada", registration_id=2,
                    user_id=learner.id)
    )  # fmt: skip
    db.session.commit()
    refused = lti.invoke(args=["lti", "delete", "2"])
    assert refused.exit_code != 0 and "cannot be deleted" in refused.output
    assert "Nothing changed." in refused.output
    missing = lti.invoke(args=["lti", "delete", "99"])
    assert missing.exit_code != 0 and "No registration 99" in missing.output
    assert lti.invoke(args=["lti", "delete", "abc"]).exit_code != 0
    deleted = lti.invoke(args=["lti", "delete", "1"])
    assert deleted.exit_code == 0, deleted.output
    assert db.session.scalars(select(LtiRegistration.id)).all() == [2]
    assert _count(LtiDeployment) == 2  # the remaining platform's two


def test_urls_prints_the_tool_urls_for_public_base_url(lti, runner):
    result = lti.invoke(args=["lti", "urls"])
    assert result.exit_code == 0
    assert result.output.splitlines() == ["Enter these in the LMS:"] + [f"  {u}" for u in URL_LINES]
    # Without PUBLIC_BASE_URL (the plain app) there is no address to print from.
    unset = runner.invoke(args=["lti", "urls"])
    assert unset.exit_code != 0 and "Set PUBLIC_BASE_URL" in unset.output
    given = runner.invoke(args=["lti", "urls", "--base-url", "http://quiz.example.edu"])
    assert "http://quiz.example.edu/lti/jwks" in given.output
    assert "need HTTPS" in given.output


def test_keys_add_list_and_retire(lti, app):
    assert lti.invoke(args=["lti", "keys", "add"]).exit_code == 0
    added = lti.invoke(args=["lti", "keys", "add"])
    assert "it signs from now on" in added.output
    old, new = db.session.scalars(select(LtiToolKey.kid).order_by(LtiToolKey.id)).all()
    assert new in added.output
    listed = lti.invoke(args=["lti", "keys", "list"]).output.splitlines()
    assert [line.split()[0] for line in listed] == [old, new]
    assert all(line.endswith("live") for line in listed)

    retired = lti.invoke(args=["lti", "keys", "retire", old])
    assert retired.exit_code == 0, retired.output
    listed = lti.invoke(args=["lti", "keys", "list"]).output
    assert "retired" in listed.splitlines()[0] and listed.splitlines()[1].endswith("live")
    published = json.loads(app.test_client().get("/lti/jwks").data)["keys"]
    assert [key["kid"] for key in published] == [new]


def test_a_key_whose_kid_starts_with_a_dash_can_be_retired(lti):
    """A base64url kid starts with "-" one time in 32; it is not taken for an option."""
    lti.invoke(args=["lti", "keys", "add"])
    lti.invoke(args=["lti", "keys", "add"])
    with unit_of_work():
        first = db.session.scalars(select(LtiToolKey).order_by(LtiToolKey.id)).first()
        first.kid = "-r" + first.kid[2:]
    retired = lti.invoke(args=["lti", "keys", "retire", first.kid])
    assert retired.exit_code == 0, retired.output
    assert "Retired key -r" in retired.output
    assert "--help" in lti.invoke(args=["lti", "keys", "retire", "--help"]).output


def test_the_last_live_key_is_not_retired(lti):
    lti.invoke(args=["lti", "keys", "add"])
    kid = db.session.scalar(select(LtiToolKey.kid))
    refused = lti.invoke(args=["lti", "keys", "retire", kid])
    assert refused.exit_code != 0 and "last live key" in refused.output
    unknown = lti.invoke(args=["lti", "keys", "retire", "no-such-kid"])
    assert unknown.exit_code != 0 and "No live key" in unknown.output
    assert db.session.scalar(select(LtiToolKey.retired_at)) is None


def test_the_readme_shows_the_urls_as_the_command_prints_them(lti):
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    printed = lti.invoke(args=["lti", "urls"]).output.splitlines()
    shown = [line.strip() for line in readme.splitlines()]
    start = shown.index(printed[0])
    assert shown[start : start + len(printed)] == [line.strip() for line in printed]
    assert "* * * * * cd /srv/app && .venv/bin/flask --app app lti send-scores" in readme
