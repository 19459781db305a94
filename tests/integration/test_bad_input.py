"""Bad input gets a clear answer: a 404 or 400 page, a field error, never a 500."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.quizzes.models import Attempt
from tests.support import csrf_token, log_in, make_user, post_form, quiz_fields


def _start(client, slug="first-lesson") -> str:
    started = client.post(
        f"/lessons/{slug}/quiz", data={"csrf_token": csrf_token(client, f"/lessons/{slug}")}
    )
    assert started.status_code == 302
    return started.headers["Location"]


@pytest.mark.parametrize(
    "path", ["/lessons/no-such-lesson", "/attempts/999999", "/attempts/999999/result", "/nowhere"]
)
def test_unknown_pages_get_the_friendly_404(client, course, learner, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "We could not find that page" in response.get_data(as_text=True)


def test_unknown_question_in_the_instructor_editor_is_404(instructor_client, course):
    assert instructor_client.get("/instructor/questions/nope/edit").status_code == 404


def test_a_post_without_a_csrf_token_is_refused_with_400(client, course, learner, db):
    response = client.post("/lessons/first-lesson/quiz", data={})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 0


def test_register_without_csrf_is_400(client, course):
    response = client.post(
        "/register", data={"email": "x@example.com", "password": "p" * 12, "confirm": "p" * 12}
    )
    assert response.status_code == 400


def test_registering_a_taken_email_is_a_form_error(client, course):
    make_user("taken@example.com")
    response = post_form(
        client,
        "/register",
        {
            "name": "Taken",
            "email": "TAKEN@example.com",
            "password": "long enough pass",
            "confirm": "long enough pass",
        },
    )
    assert response.status_code == 200
    assert "An account with this email already exists." in response.get_data(as_text=True)


def test_a_short_password_is_a_field_error(client, course):
    response = post_form(
        client, "/register", {"email": "a@example.com", "password": "short", "confirm": "short"}
    )
    assert response.status_code == 200
    assert "at least 12 characters" in response.get_data(as_text=True)


def test_a_wrong_password_does_not_say_whether_the_email_exists(client, course):
    make_user("real@example.com")
    known = post_form(
        client, "/login", {"email": "real@example.com", "password": "wrong password!"}
    )
    unknown = post_form(
        client, "/login", {"email": "ghost@example.com", "password": "wrong password!"}
    )
    assert known.status_code == unknown.status_code == 200
    message = "The email or the password is not right."
    assert message in known.get_data(as_text=True) and message in unknown.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_log_in_before_a_quiz(client, course):
    response = client.post(
        "/lessons/first-lesson/quiz", data={"csrf_token": csrf_token(client, "/login")}
    )
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/scores").status_code == 302


def test_another_learners_attempt_is_404(client, course, learner, app):
    url = _start(client)
    make_user("other@example.com")
    other = app.test_client()
    log_in(other, "other@example.com")
    assert other.get(url).status_code == 404
    assert other.get(url + "/result").status_code == 404
    token = csrf_token(other, "/")
    assert other.post(url + "/submit", data={"csrf_token": token}).status_code == 404


@pytest.mark.parametrize(
    "answers",
    [
        {"q1": "abc"},
        {"q1": "99"},
        {"q1": "-1"},
        {"q1": ["0", "1"]},
        {"q2": "maybe"},
        {"q1": "0" * 10_000},
    ],
)
def test_unreadable_answers_get_a_400_and_nothing_is_saved(client, course, learner, db, answers):
    url = _start(client, "second-lesson")
    # second-lesson question positions vary with the shuffle: send the junk to every field.
    data = quiz_fields(client, url)
    for value in answers.values():
        data["q1"] = value
        data["q2"] = value
    response = client.post(url + "/submit", data=data)
    assert response.status_code == 400
    assert "Nothing was saved" in response.get_data(as_text=True)
    attempt = db.session.scalar(select(Attempt))
    assert attempt.state == "open" and attempt.score is None


def test_missing_and_unknown_fields_score_zero_without_error(client, course, learner, db):
    url = _start(client, "second-lesson")
    response = client.post(
        url + "/submit", data={**quiz_fields(client, url), "q77": "1", "zzz": "x"}
    )
    assert response.status_code == 302
    attempt = db.session.scalar(select(Attempt))
    assert attempt.state == "submitted" and attempt.score == 0


def test_a_duplicated_identical_answer_counts_once(client, course, learner, db):
    url = _start(client, "second-lesson")
    page = client.get(url).get_data(as_text=True)
    # Whichever position holds the true/false question, "true" twice is read once.
    position = "1" if 'name="q1" value="true"' in page else "2"
    response = client.post(
        url + "/submit",
        data={**quiz_fields(client, url), f"q{position}": ["true", "true"]},
    )
    assert response.status_code == 302
    attempt = db.session.scalar(select(Attempt))
    assert attempt.score == 1


@pytest.mark.parametrize("path", ["/register", "/login", "/lessons/first-lesson/quiz"])
def test_a_request_body_over_the_limit_gets_the_413_page(client, course, learner, path):
    response = client.post(path, data={"email": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
    assert "That upload is too large" in response.get_data(as_text=True)
