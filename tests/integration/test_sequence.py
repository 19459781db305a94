"""Sequential mode and the final exam's rule: a locked quiz is refused by a direct POST, with no
attempt row; the lesson text stays readable and says why (both databases)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.course.models import Course
from app.course.services import bump_content_revision
from app.quizzes.models import Attempt
from tests.support import csrf_token, post_form, quiz_fields, quiz_settings_form, start_quiz
from tests.support.answers import form_answers


def _rules(db, **rules: bool) -> None:
    course = db.session.scalar(select(Course))
    course.quiz_defaults = {**(course.quiz_defaults or {}), **rules}
    bump_content_revision()
    db.session.commit()


def _attempts(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Attempt))


def _post_start(client, slug: str):
    """POST the start of a quiz directly (not through its button)."""
    token = csrf_token(client, "/progress")
    return client.post(f"/lessons/{slug}/quiz", data={"csrf_token": token})


def _pass(client, db, slug: str) -> None:
    url = start_quiz(client, slug)
    attempt = db.session.get(Attempt, int(url.rsplit("/", 1)[1]))
    data = {**quiz_fields(client, url), **form_answers(attempt, right=True)}
    assert client.post(url + "/submit", data=data).status_code == 302


def test_by_default_the_final_exam_opens_only_when_every_other_lesson_is_passed(
    client, course, learner, db
):
    refused = _post_start(client, "final-review")
    assert refused.status_code == 302 and refused.headers["Location"] == "/lessons/final-review"
    assert _attempts(db) == 0
    page = client.get("/lessons/final-review").get_data(as_text=True)
    assert "The final exam opens when every other lesson is passed" in page
    assert "Next to pass: First Lesson." in page and 'href="/lessons/first-lesson"' in page
    assert "Envoys and exercises both serve diplomacy." in page  # the text stays readable

    _pass(client, db, "first-lesson")
    _pass(client, db, "second-lesson")
    before = _attempts(db)
    opened = _post_start(client, "final-review")
    assert opened.headers["Location"].startswith("/attempts/") and _attempts(db) == before + 1


def test_without_the_rule_the_final_exam_is_open_at_once(client, course, learner, db):
    _rules(db, final_exam_requires_all_passed=False)
    assert _post_start(client, "final-review").headers["Location"].startswith("/attempts/")


def test_sequential_mode_refuses_a_quiz_until_the_lesson_before_it_is_passed(
    client, course, learner, db
):
    open_quiz = _post_start(client, "second-lesson").headers["Location"]  # open while off
    assert open_quiz.startswith("/attempts/")
    assert (
        client.post(open_quiz + "/submit", data=quiz_fields(client, open_quiz)).status_code == 302
    )
    _rules(db, sequential=True)
    before = _attempts(db)
    refused = _post_start(client, "second-lesson")
    assert refused.headers["Location"] == "/lessons/second-lesson" and _attempts(db) == before
    page = client.get("/lessons/second-lesson").get_data(as_text=True)
    assert "This quiz opens when you have passed the lesson before it: First Lesson." in page
    assert "Take the quiz" not in page and 'id="p-' in page  # readable, not takeable

    first = _post_start(client, "first-lesson")  # the first lesson has none before it
    assert first.headers["Location"].startswith("/attempts/")
    data = {**quiz_fields(client, first.headers["Location"])}
    attempt = db.session.get(Attempt, int(first.headers["Location"].rsplit("/", 1)[1]))
    data.update(form_answers(attempt, right=True))
    assert client.post(first.headers["Location"] + "/submit", data=data).status_code == 302
    assert _post_start(client, "second-lesson").headers["Location"].startswith("/attempts/")


def test_the_course_settings_page_turns_sequential_mode_on(course, instructor_client, db):
    page = "/instructor/course/settings"
    form = instructor_client.get(page).get_data(as_text=True)
    assert "Sequential mode" in form
    response = post_form(
        instructor_client,
        page,
        quiz_settings_form(pass_mark="70", sequential="y", final_exam_requires_all_passed="y"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    defaults = db.session.scalar(select(Course)).quiz_defaults
    assert defaults["sequential"] is True and defaults["final_exam_requires_all_passed"] is True
