"""Who is an instructor: the CLI makes and unmakes them, and every instructor page checks."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth.models import User
from tests.support import PASSWORD, csrf_token, log_in, make_user

# Values for the URL parameters of the instructor rules.
RULE_VALUES = {
    "slug": "first-lesson",
    "uid": "first-01",
    "token": "t" * 43,
    "learner_id": 1,
    "attempt_id": 1,
    "lesson_id": 1,
    "registration_id": 1,
}


def _instructor_rules(app) -> list[tuple[str, str, str]]:
    """List (method, path, endpoint) for every instructor URL rule."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("instructor."):
                continue
            path = rule.build(RULE_VALUES)[1]
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((method, path, rule.endpoint))
    return found


# --- the CLI -----------------------------------------------------------------------


def test_create_instructor_reads_the_password_from_the_environment(runner, db, monkeypatch):
    monkeypatch.setenv("INSTRUCTOR_PASSWORD", PASSWORD)
    result = runner.invoke(args=["users", "create-instructor", "Boss@Example.com"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "boss@example.com"))
    assert user.role == "instructor"
    assert user.password_hash.startswith("scrypt:")


def test_create_instructor_refuses_a_taken_email_and_a_short_password(runner, db, monkeypatch):
    make_user("boss@example.com")
    monkeypatch.setenv("INSTRUCTOR_PASSWORD", PASSWORD)
    taken = runner.invoke(args=["users", "create-instructor", "boss@example.com"])
    assert taken.exit_code != 0 and "already exists" in taken.output
    monkeypatch.setenv("INSTRUCTOR_PASSWORD", "short")
    short = runner.invoke(args=["users", "create-instructor", "new@example.com"])
    assert short.exit_code != 0 and "12 characters" in short.output


def test_create_instructor_prompts_for_the_password(runner, db, monkeypatch):
    monkeypatch.delenv("INSTRUCTOR_PASSWORD", raising=False)
    result = runner.invoke(
        args=["users", "create-instructor", "p@example.com"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output


def test_a_promoted_learner_opens_the_workspace_and_loses_it_when_demoted(
    runner, client, course, db
):
    make_user("ada@example.com")
    log_in(client, "ada@example.com")
    assert client.get("/instructor/").status_code == 403

    promoted = runner.invoke(args=["users", "promote", "ADA@example.com"])
    assert promoted.exit_code == 0, promoted.output
    assert "ada@example.com is now an instructor" in promoted.output
    assert client.get("/instructor/").status_code == 200

    demoted = runner.invoke(args=["users", "demote", "ada@example.com"])
    assert demoted.exit_code == 0, demoted.output
    assert "ada@example.com is now a learner" in demoted.output
    assert client.get("/instructor/").status_code == 403


@pytest.mark.parametrize("command", ["promote", "demote"])
def test_promote_and_demote_name_an_unknown_email(runner, db, command):
    result = runner.invoke(args=["users", command, "nobody@example.com"])
    assert result.exit_code != 0
    assert "no account with the email nobody@example.com" in result.output


@pytest.mark.parametrize(
    ("role", "command", "message"),
    [
        ("instructor", "promote", "already an instructor"),
        ("learner", "demote", "already a learner"),
    ],
)
def test_promote_and_demote_say_when_the_role_is_already_that(runner, db, role, command, message):
    make_user("same@example.com", role=role)
    result = runner.invoke(args=["users", command, "same@example.com"])
    assert result.exit_code != 0
    assert f"same@example.com is {message}; nothing changed" in result.output
    assert db.session.scalar(select(User.role).where(User.email == "same@example.com")) == role


# --- every page checks the role ------------------------------------------------------


def test_every_instructor_rule_sends_visitors_to_log_in_and_learners_a_403(client, course, app):
    rules = _instructor_rules(app)
    assert len(rules) >= 15  # the workspace's routes, GET and POST

    token = csrf_token(client, "/login")
    for method, path, _endpoint in rules:
        response = client.open(path, method=method, data={"csrf_token": token})
        assert response.status_code == 302, (method, path)
        assert "/login" in response.headers["Location"], (method, path)

    make_user("learner@example.com")
    log_in(client, "learner@example.com")
    token = csrf_token(client, "/lessons/first-lesson")
    for method, path, endpoint in rules:
        response = client.open(path, method=method, data={"csrf_token": token})
        assert response.status_code == 403, (method, path, endpoint)
        assert "This page is for instructors" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/instructor/",
        "/instructor/questions?q=envoy",
        "/instructor/lessons/first-lesson/questions",
        "/instructor/lessons/first-lesson/questions/new?type=matching",
        "/instructor/questions/first-01/edit",
        "/instructor/lessons/first-lesson/edit",
        "/instructor/lessons/first-lesson/settings",
        "/instructor/lessons/first-lesson/import",
        "/instructor/lessons/first-lesson/export.gift",
        "/instructor/export.gift",
    ],
)
def test_instructors_open_every_page(instructor_client, course, path):
    assert instructor_client.get(path).status_code == 200


def test_a_post_without_its_csrf_token_is_refused(instructor_client, course, db):
    response = instructor_client.post("/instructor/questions/first-01/retire")
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_the_workspace_lists_every_lesson_with_its_question_counts(instructor_client, course):
    page = instructor_client.get("/instructor/").get_data(as_text=True)
    for title in ("First Lesson", "Second Lesson", "Final Review"):
        assert title in page
    assert "3 active" in page and "2 active" in page
    assert "/instructor/lessons/first-lesson/settings" in page
