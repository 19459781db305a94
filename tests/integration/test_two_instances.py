"""Two servers, one PostgreSQL and one Redis: a load balancer may send any request anywhere.

Two gunicorns (2 workers each) on two loopback ports share the database and the
rate-limit counts in Redis and nothing else: no sticky sessions, no shared memory.
A learner, an instructor and a stranger each move between them request by request.
"""

from __future__ import annotations

import re
import urllib.parse
import uuid

import pytest
from sqlalchemy import select

from app.bank.models import Question
from app.config import RATE_LIMIT_DEFAULTS
from app.quizzes.models import Attempt
from tests.support import PASSWORD, make_user
from tests.support.live import Session, live_server
from tests.support.live_quiz import read_quiz, save, start_quiz, submit

LESSON = "/lessons/first-lesson"
IMPORT = "/instructor/lessons/first-lesson/import"
TWO_QUESTIONS = """\
// [id:two-servers-01] [tag:anchor-envoys]
::Across::Envoys cross borders.{TRUE}

// [id:two-servers-02] [tag:anchor-envoys]
::Again::What do envoys carry?{=Messages ~Grain}
"""


@pytest.fixture
def two_servers(database_url, redis_url, course, db):
    """Yield two servers' hosts on this test's database, sharing one Redis for the counts."""
    env = {
        "RATELIMIT_ENABLED": "1",
        "RATELIMIT_STORAGE_URI": redis_url,
        "RATELIMIT_KEY_PREFIX": f"two-servers-{uuid.uuid4().hex}",  # nothing from other runs
        "RATELIMIT_LOGIN": RATE_LIMIT_DEFAULTS["RATELIMIT_LOGIN"],
        "RATELIMIT_LOGIN_PER_ADDRESS": RATE_LIMIT_DEFAULTS["RATELIMIT_LOGIN_PER_ADDRESS"],
    }
    with live_server(database_url, **env) as one, live_server(database_url, **env) as other:
        yield one.host, other.host


def _on(host: str, browser: Session) -> Session:
    """Send the same browser's next requests (its cookies as they stand) to `host`."""
    browser.host = host
    return browser


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["postgresql"])
def test_two_servers_serve_one_school_as_one(two_servers, db):
    # One pair of servers for the three stories: starting gunicorns is the slow part.
    a_learner_moves_between_servers_mid_quiz(*two_servers, db)
    an_instructors_edit_and_import_cross_servers(*two_servers, db)
    the_log_in_limit_counts_tries_on_both_servers(*two_servers)


def a_learner_moves_between_servers_mid_quiz(a: str, b: str, db) -> None:
    make_user("mover@example.com")
    browser = Session(a)
    browser.log_in("mover@example.com", PASSWORD)  # on A
    response, page = _on(b, browser).request("GET", LESSON)
    assert response.status == 200 and "Log out" in page  # logged in on A, known on B

    quiz = read_quiz(browser, start_quiz(_on(a, browser), "first-lesson"))  # started on A
    answers = quiz.answers(1)
    status, body = save(_on(b, browser), quiz, answers)  # autosaved on B
    assert (status, body.get("status")) == (200, "saved"), (status, body)
    quiz.seq = body["seq"]
    assert read_quiz(_on(a, browser), quiz.path).ticked == answers  # A shows what B stored
    assert submit(browser, quiz, answers) == (302, "graded")  # submitted on A

    db.session.rollback()
    attempt = db.session.get(Attempt, quiz.attempt_id)
    assert attempt.state == "submitted" and attempt.save_seq == body["seq"] + 1  # save, submit
    assert all(response.points is not None for response in attempt.responses)
    result, page = _on(b, browser).request("GET", quiz.path + "/result")
    assert result.status == 200 and "scorecard__percent" in page


def an_instructors_edit_and_import_cross_servers(a: str, b: str, db) -> None:
    make_user("teacher@example.com", role="instructor")
    make_user("reader@example.com")
    teacher = Session(a)
    teacher.log_in("teacher@example.com", PASSWORD)
    reader = Session(b)
    reader.log_in("reader@example.com", PASSWORD)
    for _ in range(4):  # both of B's workers have the course cached
        assert "Envoys, seen again" not in reader.request("GET", LESSON)[1]

    edit = "/instructor/lessons/first-lesson/edit"
    form = {
        "title": "Envoys, seen again",
        "objectives": "Explain what an envoy does.\r\n",
        "body_md": "{#envoys}\r\nAn envoy carries messages.\r\n\r\n{#origins}\r\nOld river "
        "kingdoms.\r\n\r\n{#list-of-duties}\r\n- Carry messages\r\n",
        "summary": "Revised summary.",
        "csrf_token": teacher.token(edit),
    }
    assert teacher.request("POST", edit, form)[0].status == 302  # edited through A
    for _ in range(4):  # B shows it on its next requests, whichever worker answers
        assert "Envoys, seen again" in reader.request("GET", LESSON)[1]

    fields = {"csrf_token": teacher.token(IMPORT), "format": "gift"}
    uploaded, _ = teacher.upload(IMPORT, fields, "file", "two.gift", TWO_QUESTIONS)  # on A
    assert uploaded.status == 302
    preview = urllib.parse.urlsplit(uploaded.getheader("Location")).path
    _, page = _on(b, teacher).request("GET", preview)  # previewed on B
    assert "2 questions" in page and "Import 2 questions" in page
    confirmed, _ = teacher.request("POST", preview, {"csrf_token": teacher.token(preview)})
    assert confirmed.status == 302  # confirmed on B
    again, _ = _on(a, teacher).request("POST", preview, {"csrf_token": fields["csrf_token"]})
    assert again.status == 404  # A sees that B's confirmation claimed it
    db.session.rollback()
    uids = set(db.session.scalars(select(Question.uid).where(Question.uid.like("two-servers-%"))))
    assert uids == {"two-servers-01", "two-servers-02"}
    _, listing = _on(b, teacher).request("GET", "/instructor/lessons/first-lesson/questions")
    assert "two-servers-01" in listing


def the_log_in_limit_counts_tries_on_both_servers(a: str, b: str) -> None:
    make_user("owner@example.com")
    documented = int(re.match(r"\d+", RATE_LIMIT_DEFAULTS["RATELIMIT_LOGIN"]).group())
    statuses = []
    for number in range(4 * documented):
        stranger = Session((a, b)[number % 2])  # a new browser each try, servers in turn
        form = {"email": "owner@example.com", "password": "wrong password!", "csrf_token": ""}
        form["csrf_token"] = stranger.token("/login")
        statuses.append(stranger.request("POST", "/login", form)[0].status)
    # 5 a minute for the account across both servers, not 5 on each.
    assert statuses == [200] * documented + [429] * (3 * documented), statuses
