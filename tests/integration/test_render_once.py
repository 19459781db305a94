"""Authored text is rendered once, when it is written: learner pages never render.

The lesson, quiz, result, My progress, score-history and practice pages read the sanitised
HTML stored beside each text; a request that called the Markdown renderer or the sanitiser
would fail here. A newer renderer version reaches every stored text on the next course load.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

import app.rendering as rendering
from app.bank.models import QuestionVersion
from app.course.models import Lesson
from app.rendering import RENDER_VERSION
from tests.support import quiz_fields, start_quiz
from tests.support.practice import answer_card
from tests.support.reviews import show_everything_in_reviews


def _refuse(*_args, **_kwargs):
    raise AssertionError("a learner page called the Markdown renderer or the sanitiser")


@pytest.fixture
def no_rendering(app, monkeypatch):
    """Make every way into the renderer and the sanitiser fail for the rest of the test."""
    for name in ("render_markdown", "render_inline", "sanitize_html", "_markdown"):
        monkeypatch.setattr(rendering, name, _refuse)
    monkeypatch.setitem(app.jinja_env.filters, "markdown", _refuse)
    monkeypatch.setitem(app.jinja_env.filters, "inline", _refuse)
    monkeypatch.setattr(rendering.nh3, "clean", _refuse)


def test_learner_pages_show_stored_html_without_rendering(client, course, learner, no_rendering):
    show_everything_in_reviews()  # so the result page shows every stored feedback text
    lesson = client.get("/lessons/first-lesson")
    assert lesson.status_code == 200
    text = lesson.get_data(as_text=True)
    assert '<p id="p-envoys">An envoy carries messages between states.</p>' in text
    assert "<li>Explain what an envoy does.</li>" in text
    quiz = start_quiz(client, "first-lesson")
    page = client.get(quiz)
    assert page.status_code == 200 and "What does an envoy carry between states?" in page.get_data(
        as_text=True
    )
    submitted = client.post(quiz + "/submit", data=quiz_fields(client, quiz))
    assert submitted.status_code == 302
    result = client.get(quiz + "/result")
    assert result.status_code == 200 and "Envoys are messengers." in result.get_data(as_text=True)
    assert client.get("/progress").status_code == 200
    assert client.get("/progress/lessons/first-lesson").status_code == 200
    assert client.get("/").status_code == 200
    practice = client.get("/practice")  # the quiz above was submitted unanswered: all missed
    assert practice.status_code == 200 and 'name="q1"' in practice.get_data(as_text=True)
    answered = answer_card(client, learner.id, right=False)
    review = client.get(answered.headers["Location"])
    assert review.status_code == 200 and "Envoys are messengers." in review.get_data(as_text=True)


def test_a_course_load_rerenders_what_an_older_renderer_made_in_place(course, runner, db):
    db.session.execute(update(Lesson).values(render_version=0, body_html="old"))
    db.session.execute(update(QuestionVersion).values(render_version=0, rendered={}))
    db.session.commit()
    versions_before = db.session.scalar(
        select(QuestionVersion.id).order_by(QuestionVersion.id.desc())
    )

    result = runner.invoke(args=["course", "load"])
    assert result.exit_code == 0, result.output
    assert "re-rendered" in result.output
    lessons = list(db.session.scalars(select(Lesson)))
    assert all(lesson.render_version == RENDER_VERSION for lesson in lessons)
    assert all(lesson.body_html != "old" for lesson in lessons)
    versions = list(db.session.scalars(select(QuestionVersion)))
    assert all(v.render_version == RENDER_VERSION and v.rendered for v in versions)
    newest = db.session.scalar(select(QuestionVersion.id).order_by(QuestionVersion.id.desc()))
    assert newest == versions_before  # derived HTML, never a new version
