"""The first instructor path: the CLI makes an instructor; the web adds and edits questions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.bank.models import Question
from tests.conftest import PASSWORD, log_in, make_user, post_form

GOOD_FORM = {
    "title": "Envoys and grain",
    "prompt": "Which of these do envoys carry?",
    "choices-0-text": "Messages",
    "choices-0-feedback": "Yes: that is their job.",
    "choices-1-text": "Grain",
    "choices-1-feedback": "No: that is trade.",
    "correct": "0",
    "general_feedback": "Envoys are messengers.",
    "difficulty": "easy",
    "anchor": "envoys",
}


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


@pytest.mark.parametrize(
    "path",
    [
        "/instructor/",
        "/instructor/lessons/first-lesson/questions",
        "/instructor/lessons/first-lesson/questions/new",
        "/instructor/questions/first-01/edit",
    ],
)
def test_instructor_pages_send_learners_a_403_and_visitors_to_log_in(client, course, app, path):
    assert client.get(path).status_code == 302
    make_user("learner@example.com")
    log_in(client, "learner@example.com")
    response = client.get(path)
    assert response.status_code == 403
    assert "This page is for instructors" in response.get_data(as_text=True)


def test_an_instructor_adds_a_question_that_learners_then_meet(instructor_client, course, db):
    response = post_form(
        instructor_client, "/instructor/lessons/first-lesson/questions/new", GOOD_FORM
    )
    assert response.status_code == 302
    question = db.session.scalar(select(Question).where(Question.origin == "web"))
    assert question.current.prompt == "Which of these do envoys carry?"
    assert question.current.anchor == "envoys"
    assert question.current.payload["choices"][0] == {
        "text": "Messages",
        "fraction": 1.0,
        "feedback": "Yes: that is their job.",
    }
    listing = instructor_client.get("/instructor/lessons/first-lesson/questions").get_data(
        as_text=True
    )
    assert "Envoys and grain" in listing


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"prompt": ""}, "Write the question."),
        ({"choices-1-text": ""}, "Give at least two choices."),
        ({"choices-1-text": "messages"}, "Two choices say the same thing"),
        ({"correct": ""}, "Mark which choice is correct."),
        ({"correct": "3"}, "The choice marked correct is empty."),
        ({"anchor": "nowhere"}, "Not a valid choice"),
        ({"difficulty": "impossible"}, "Not a valid choice"),
    ],
)
def test_the_question_form_explains_each_mistake_next_to_the_field(
    instructor_client, course, db, changes, message
):
    response = post_form(
        instructor_client,
        "/instructor/lessons/first-lesson/questions/new",
        {**GOOD_FORM, **changes},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert 'class="field__error"' in page
    assert db.session.scalar(select(Question).where(Question.origin == "web")) is None


def test_editing_makes_a_new_version_and_keeps_the_old_one(instructor_client, course, db):
    page = instructor_client.get("/instructor/questions/first-01/edit").get_data(as_text=True)
    assert "What does an envoy carry between states?" in page
    response = post_form(instructor_client, "/instructor/questions/first-01/edit", GOOD_FORM)
    assert response.status_code == 302
    question = db.session.scalar(select(Question).where(Question.uid == "first-01"))
    assert [v.number for v in question.versions] == [1, 2]
    assert question.versions[0].prompt == "What does an envoy carry between states?"
    assert question.current.prompt == "Which of these do envoys carry?"
    assert question.edited_in_web
