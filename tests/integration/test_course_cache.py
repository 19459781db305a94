"""The course cache stays right across servers: an edit through one is seen by the others.

Each app instance keeps the course's structure in memory, keyed by the content
revision in the database; every write to course content bumps it. Two instances
on one database stand for two servers (or two gunicorn workers).
"""

from __future__ import annotations

import re

from sqlalchemy import select

from app.course.models import Course
from tests.support import log_in, post_form, quiz_settings_form

LESSON = "/lessons/first-lesson"


def _questions_on(page: str) -> int:
    match = re.search(r"(\d+) questions\.", page)
    assert match, "the lesson page states its quiz size"
    return int(match.group(1))


def test_an_edit_through_one_server_shows_on_the_next_request_to_the_other(
    app, course, instructor_client, make_test_app, db
):
    other = make_test_app()  # a second server on the same database, with its own cache
    learner = other.test_client()
    from tests.support import make_user

    make_user("learner@example.com")
    log_in(learner, "learner@example.com")
    before = learner.get(LESSON).get_data(as_text=True)  # the other server caches the course
    assert "Envoys, seen again" not in before
    questions = _questions_on(before)

    form = {
        "title": "Envoys, seen again",
        "objectives": "Explain what an envoy does.\r\n",
        "body_md": "{#envoys}\r\nAn envoy carries messages.\r\n\r\n{#origins}\r\nOld river "
        "kingdoms.\r\n\r\n{#list-of-duties}\r\n- Carry messages\r\n",
        "summary": "Revised summary.",
    }
    edit = post_form(instructor_client, "/instructor/lessons/first-lesson/edit", form)
    assert edit.status_code == 302, edit.get_data(as_text=True)
    page = learner.get(LESSON).get_data(as_text=True)
    assert "Envoys, seen again" in page and "Revised summary." in page
    assert "Envoys, seen again" in learner.get("/").get_data(as_text=True)  # the outline too

    settings = quiz_settings_form(pass_mark="55", max_attempts="2", shuffle_choices=None)
    saved = post_form(instructor_client, "/instructor/lessons/first-lesson/settings", settings)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    page = learner.get(LESSON).get_data(as_text=True)
    assert "Pass mark 55%." in page and "Up to 2 attempts." in page

    retire = post_form(
        instructor_client, "/instructor/questions/first-01/retire", {},
        token_from="/instructor/lessons/first-lesson/questions",
    )  # fmt: skip
    assert retire.status_code == 302
    assert _questions_on(learner.get(LESSON).get_data(as_text=True)) == questions - 1
    back = post_form(
        instructor_client, "/instructor/questions/first-01/reactivate", {},
        token_from="/instructor/lessons/first-lesson/questions",
    )  # fmt: skip
    assert back.status_code == 302
    assert _questions_on(learner.get(LESSON).get_data(as_text=True)) == questions


def test_every_write_to_course_content_moves_the_revision(app, course, instructor_client, db):
    def revision() -> int:
        db.session.rollback()
        return db.session.scalar(select(Course.content_revision))

    first = revision()
    post_form(
        instructor_client, "/instructor/questions/first-02/retire", {},
        token_from="/instructor/lessons/first-lesson/questions",
    )  # fmt: skip
    assert revision() > first
    from app.content.loading import load_course
    from app.course.files import read_course
    from tests.support import FIXTURE_COURSE

    before_load = revision()
    load_course(read_course(FIXTURE_COURSE))  # nothing changed in the files: still a new revision
    db.session.commit()
    assert revision() > before_load
