"""Who may do what: one table of expected statuses for every URL rule of the app.

Each rule of `app.url_map` is requested as four people — anonymous, the learner who
owns the test objects, another learner, and an instructor — with GET, and with POST
where the rule takes POST (sent with a valid CSRF token and nothing else, unless
POST_DATA says otherwise). URL parameters are filled with real objects (ARGUMENTS):
`attempt_id` is an attempt of "learner", so "another learner" must get 404 on it.

A rule the table does not list FAILS, so every new page must be added here: the
failure message says which row to write. A row for a rule that no longer exists
fails too. Every response must also carry the security headers, every anonymous
redirect must lead to the log-in page, and no page may contain inline script or
style (the Content-Security-Policy would block it).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from app import create_app
from tests.security.test_headers import (
    assert_framed_headers,
    assert_security_headers,
    find_inline_markup,
)
from tests.support import csrf_token, log_in, make_user, quiz_fields, start_quiz

ROLES = ("anonymous", "learner", "other learner", "instructor")
# Requests are made in this order so that the owner's state-changing POST comes last.
REQUEST_ORDER = ("anonymous", "other learner", "instructor", "learner")
TESTED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# (rule, method): statuses for (anonymous, learner, other learner, instructor).
# GET rows exist for every rule (405 when the rule takes no GET); POST rows for rules taking POST.
# fmt: off
MATRIX: dict[tuple[str, str], tuple[int, int, int, int]] = {
    # public pages
    ("/", "GET"):                                                 (200, 200, 200, 200),
    ("/lessons/<slug>", "GET"):                                   (200, 200, 200, 200),
    ("/static/<path:filename>", "GET"):                           (200, 200, 200, 200),
    ("/healthz", "GET"):                                          (200, 200, 200, 200),
    # accounts: logged-in people are sent on to the course
    ("/login", "GET"):                                            (200, 302, 302, 302),
    ("/login", "POST"):                                           (200, 302, 302, 302),
    ("/register", "GET"):                                         (200, 302, 302, 302),
    ("/register", "POST"):                                        (200, 302, 302, 302),
    ("/logout", "GET"):                                           (405, 405, 405, 405),
    ("/logout", "POST"):                                          (302, 302, 302, 302),
    # the account page: every logged-in person, their own account only (an empty form → 200)
    ("/account", "GET"):                                          (302, 200, 200, 200),
    ("/account/name", "GET"):                                     (405, 405, 405, 405),
    ("/account/name", "POST"):                                    (302, 200, 200, 200),
    ("/account/password", "GET"):                                 (405, 405, 405, 405),
    ("/account/password", "POST"):                                (302, 200, 200, 200),
    # a password log-in is added only by an account without a password (made by an LMS)
    ("/account/password-login", "GET"):                           (405, 405, 405, 405),
    ("/account/password-login", "POST"):                          (302, 404, 404, 404),
    # quizzes: attempts are visible to their owner only (404 for everyone else)
    ("/lessons/<slug>/quiz", "GET"):                              (405, 405, 405, 405),
    ("/lessons/<slug>/quiz", "POST"):                             (302, 302, 302, 302),
    ("/attempts/<id:attempt_id>", "GET"):                        (302, 200, 404, 404),
    ("/attempts/<id:attempt_id>/save", "GET"):                   (405, 405, 405, 405),
    ("/attempts/<id:attempt_id>/save", "POST"):                  (302, 302, 404, 404),
    ("/attempts/<id:attempt_id>/submit", "GET"):                 (405, 405, 405, 405),
    ("/attempts/<id:attempt_id>/submit", "POST"):                (302, 302, 404, 404),
    ("/attempts/<id:attempt_id>/result", "GET"):                 (302, 200, 404, 404),
    # practice: a learner's own deck and reviews (another learner's → 404)
    ("/practice", "GET"):                                         (302, 200, 200, 200),
    ("/practice/questions/<id:question_id>", "GET"):              (405, 405, 405, 405),
    ("/practice/questions/<id:question_id>", "POST"):             (302, 302, 404, 404),
    ("/practice/reviews/<id:review_id>", "GET"):                  (302, 200, 404, 404),
    # progress: each logged-in person sees their own (the user id is the session's)
    ("/scores", "GET"):                                           (302, 302, 302, 302),
    ("/progress", "GET"):                                         (302, 200, 200, 200),
    ("/progress/lessons/<slug>", "GET"):                          (302, 200, 200, 200),
    # the learner's certificate (only "learner" completed the course) and its public page
    ("/certificate", "GET"):                                      (302, 200, 200, 200),
    ("/certificate", "POST"):                                     (302, 302, 404, 404),
    ("/certificates/<code>", "GET"):                              (200, 200, 200, 200),
    # the instructor workspace: anonymous → log in, learners → 403
    ("/instructor/", "GET"):                                      (302, 403, 403, 200),
    ("/instructor/questions", "GET"):                             (302, 403, 403, 200),
    ("/instructor/export.gift", "GET"):                           (302, 403, 403, 200),
    ("/instructor/lessons/<slug>/questions", "GET"):              (302, 403, 403, 200),
    ("/instructor/lessons/<slug>/questions/new", "GET"):          (302, 403, 403, 200),
    ("/instructor/lessons/<slug>/questions/new", "POST"):         (302, 403, 403, 200),
    ("/instructor/questions/<uid>/edit", "GET"):                  (302, 403, 403, 200),
    ("/instructor/questions/<uid>/edit", "POST"):                 (302, 403, 403, 200),
    ("/instructor/questions/<uid>/retire", "GET"):                (405, 405, 405, 405),
    ("/instructor/questions/<uid>/retire", "POST"):               (302, 403, 403, 302),
    ("/instructor/questions/<uid>/reactivate", "GET"):            (405, 405, 405, 405),
    ("/instructor/questions/<uid>/reactivate", "POST"):           (302, 403, 403, 302),
    ("/instructor/lessons/<slug>/edit", "GET"):                   (302, 403, 403, 200),
    ("/instructor/lessons/<slug>/edit", "POST"):                  (302, 403, 403, 200),
    ("/instructor/lessons/<slug>/settings", "GET"):               (302, 403, 403, 200),
    ("/instructor/lessons/<slug>/settings", "POST"):              (302, 403, 403, 200),
    ("/instructor/course/practice", "GET"):                       (405, 405, 405, 405),
    ("/instructor/course/practice", "POST"):                      (302, 403, 403, 200),
    ("/instructor/course/settings", "GET"):                       (302, 403, 403, 200),
    ("/instructor/course/settings", "POST"):                      (302, 403, 403, 200),
    ("/instructor/lessons/<slug>/import", "GET"):                 (302, 403, 403, 200),
    ("/instructor/lessons/<slug>/import", "POST"):                (302, 403, 403, 200),
    ("/instructor/lessons/<slug>/import/<token>", "GET"):         (302, 403, 403, 200),
    ("/instructor/lessons/<slug>/import/<token>", "POST"):        (302, 403, 403, 302),
    ("/instructor/lessons/<slug>/export.gift", "GET"):            (302, 403, 403, 200),
    ("/instructor/gradebook", "GET"):                             (302, 403, 403, 200),
    ("/instructor/gradebook.csv", "GET"):                         (302, 403, 403, 200),
    # the LMS (issue 17): retry a learner's score passback; fetch a class list (the LMS
    # course is a form field: none sent → 404)
    ("/instructor/learners/<id:learner_id>/lti-scores/retry", "GET"): (405, 405, 405, 405),
    ("/instructor/learners/<id:learner_id>/lti-scores/retry", "POST"): (302, 403, 403, 302),
    ("/instructor/gradebook/roster", "GET"):                      (405, 405, 405, 405),
    ("/instructor/gradebook/roster", "POST"):                     (302, 403, 403, 404),
    ("/instructor/learners/<id:learner_id>", "GET"):             (302, 403, 403, 200),
    ("/instructor/learners/<id:learner_id>/lessons/<id:lesson_id>/extra-attempt", "GET"):
                                                                  (405, 405, 405, 405),
    ("/instructor/learners/<id:learner_id>/lessons/<id:lesson_id>/extra-attempt", "POST"):
                                                                  (302, 403, 403, 302),
    ("/instructor/learners/<id:learner_id>/password-reset", "GET"): (405, 405, 405, 405),
    # the link is shown on the page the button answers with (never in a redirect or cookie)
    ("/instructor/learners/<id:learner_id>/password-reset", "POST"): (302, 403, 403, 200),
    # a password-reset link works for whoever holds it (an empty form comes back with errors)
    ("/reset/<reset_token>", "GET"):                              (200, 200, 200, 200),
    ("/reset/<reset_token>", "POST"):                             (200, 200, 200, 200),
    ("/instructor/lessons/<slug>/statistics", "GET"):            (302, 403, 403, 200),
    ("/instructor/lessons/<slug>/statistics.csv", "GET"):        (302, 403, 403, 200),
    ("/instructor/lessons/<slug>/statistics.json", "GET"):       (302, 403, 403, 200),
    ("/instructor/learners/<id:learner_id>/certificate/revoke", "GET"): (405, 405, 405, 405),
    ("/instructor/learners/<id:learner_id>/certificate/revoke", "POST"): (302, 403, 403, 302),
    # a learner's graded attempt, as the learner sees it: instructors only
    ("/instructor/attempts/<id:attempt_id>", "GET"):             (302, 403, 403, 200),
    # LTI: the tool's public keys; login initiation and launch come from a platform, and
    # without its parameters and a signed id_token they are refused (400) whoever asks
    ("/lti/jwks", "GET"):                                         (200, 200, 200, 200),
    ("/lti/login", "GET"):                                        (400, 400, 400, 400),
    ("/lti/login", "POST"):                                       (400, 400, 400, 400),
    ("/lti/launch", "GET"):                                       (405, 405, 405, 405),
    ("/lti/launch", "POST"):                                      (400, 400, 400, 400),
    # after an LTI launch (the learner's hand-off): without the launch's own session cookie
    # everyone gets the "open in a new window" page, framed by the LMS only (FRAMED_BY)
    ("/lti/continue/<handoff_token>", "GET"):                     (200, 200, 200, 200),
    # LTI deep linking: only a session a deep-linking launch made (none of these people)
    ("/lti/deep-link", "GET"):                                    (403, 403, 403, 403),
    ("/lti/deep-link", "POST"):                                   (403, 403, 403, 403),
    # LMS connections (LTI registrations): an empty form comes back with its field errors
    ("/instructor/lti", "GET"):                                   (302, 403, 403, 200),
    ("/instructor/lti", "POST"):                                  (302, 403, 403, 200),
    ("/instructor/lti/<id:registration_id>/edit", "GET"):         (302, 403, 403, 200),
    ("/instructor/lti/<id:registration_id>/edit", "POST"):        (302, 403, 403, 200),
    ("/instructor/lti/<id:registration_id>/delete", "GET"):       (405, 405, 405, 405),
    ("/instructor/lti/<id:registration_id>/delete", "POST"):      (302, 403, 403, 302),
}
# fmt: on


@dataclass
class World:
    """The real objects behind the URL parameters, and a logged-in client per role."""

    app: Flask
    clients: dict[str, FlaskClient]
    open_attempt: int
    submitted_attempt: int
    learner_id: int
    lesson_id: int = 0
    certificate_code: str = ""
    _token: str | None = field(default=None, repr=False)
    _reset: str | None = field(default=None, repr=False)
    _handoff: str | None = field(default=None, repr=False)

    def handoff_token(self) -> str:
        """Start an LTI session for the learner (as a launch does) and return its hand-off token."""
        if self._handoff is None:
            from app.auth.models import User
            from app.extensions import db
            from app.lti.sessions import start

            learner = db.session.get(User, self.learner_id)
            with self.app.test_request_context("/lti/launch", method="POST"):
                response = start(learner, "/lessons/first-lesson", LMS_ORIGIN)
            self._handoff = response.headers["Location"].rsplit("/", 1)[-1]
        return self._handoff

    _registration: int | None = field(default=None, repr=False)

    def reset_token(self) -> str:
        """Issue a password-reset link for the learner and return its token."""
        if self._reset is None:
            from app.auth.resets import issue_reset
            from app.extensions import db

            self._reset = issue_reset(self.learner_id)
            db.session.commit()
        return self._reset

    def import_token(self) -> str:
        """Upload a small GIFT file as the instructor and return its preview token."""
        if self._token is None:
            client = self.clients["instructor"]
            url = "/instructor/lessons/first-lesson/import"
            data = {
                "csrf_token": csrf_token(client, url),
                "format": "gift",
                "file": (io.BytesIO(b"::Matrix::Is the matrix complete?{TRUE}\n"), "m.gift"),
            }
            response = client.post(url, data=data, content_type="multipart/form-data")
            assert response.status_code == 302, "the import upload did not give a preview"
            self._token = response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
        return self._token

    def lti_registration(self) -> int:
        """Register an LMS platform (as the instructor page would) and return its id."""
        if self._registration is None:
            from app.database import unit_of_work
            from app.lti.registrations import create_registration
            from tests.unit.test_lti_registration_rules import MOODLE

            with unit_of_work():
                self._registration = create_registration(MOODLE, created_by_id=None).id
        return self._registration

    def practice_review(self) -> int:
        """Answer the owner's first missed question in practice; return the review's id."""
        from tests.support.practice import answer_card

        response = answer_card(self.clients["learner"], self.learner_id, right=False)
        assert response.headers.get("X-Practice-Outcome") == "reviewed", "no practice review"
        return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])


def _missed_question(world: World) -> int:
    """A question the owner missed (their graded attempt was sent unanswered)."""
    from sqlalchemy import select

    from app.bank.models import Question
    from app.extensions import db

    question_id = db.session.scalar(select(Question.id).where(Question.uid == "first-01"))
    db.session.rollback()
    return question_id


# How to fill each URL parameter with a real object. A new parameter name needs an entry.
ARGUMENTS: dict[str, Callable[[World], Any]] = {
    "slug": lambda world: "first-lesson",
    "attempt_id": lambda world: world.open_attempt,
    "uid": lambda world: "first-01",
    "token": lambda world: world.import_token(),
    "filename": lambda world: "css/app.css",
    "learner_id": lambda world: world.learner_id,
    "lesson_id": lambda world: world.lesson_id,
    "reset_token": lambda world: world.reset_token(),
    "question_id": _missed_question,
    "review_id": lambda world: world.practice_review(),
    "code": lambda world: world.certificate_code,
    "handoff_token": lambda world: world.handoff_token(),
    "registration_id": lambda world: world.lti_registration(),
}
# Pages that the LMS of an LTI launch may frame (frame-ancestors that origin, no X-Frame-Options).
LMS_ORIGIN = "https://lms.school.example"
FRAMED_BY = {"/lti/continue/<handoff_token>": LMS_ORIGIN}
# Rules that need another object than ARGUMENTS gives.
RULE_ARGUMENTS: dict[str, dict[str, Callable[[World], Any]]] = {
    "/attempts/<id:attempt_id>/result": {"attempt_id": lambda world: world.submitted_attempt},
    "/instructor/attempts/<id:attempt_id>": {"attempt_id": lambda world: world.submitted_attempt},
}


def _page_seq(world: World, client: FlaskClient) -> dict[str, str]:
    """The quiz page's version number, as the owner's page would send it."""
    from app.extensions import db
    from app.quizzes.models import Attempt

    attempt = db.session.get(Attempt, world.open_attempt)
    return {"seq": str(attempt.save_seq)}


# Form fields (besides the CSRF token) a POST sends, when an empty form would be refused.
POST_DATA: dict[str, Callable[[World, FlaskClient], dict[str, Any]]] = {
    "/attempts/<id:attempt_id>/save": _page_seq,
    "/attempts/<id:attempt_id>/submit": _page_seq,
    "/practice/questions/<id:question_id>": lambda world, client: {"reviews": "0"},
}


def _app_rules() -> dict[str, list[Rule]]:
    """Every URL rule of a freshly built app, grouped by its path pattern."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    rules: dict[str, list[Rule]] = {}
    for rule in app.url_map.iter_rules():
        rules.setdefault(rule.rule, []).append(rule)
    return dict(sorted(rules.items()))


RULES = _app_rules()


def _methods(rules: list[Rule]) -> set[str]:
    return {m for rule in rules for m in rule.methods or ()} & set(TESTED_METHODS)


def _required_rows(path: str, rules: list[Rule]) -> list[tuple[str, str]]:
    return [(path, "GET")] + [(path, m) for m in sorted(_methods(rules) - {"GET"})]


def _missing_row_message(path: str, method: str, rules: list[Rule]) -> str:
    endpoints = ", ".join(sorted({r.endpoint for r in rules}))
    takes = "/".join(sorted(_methods(rules))) or "no tested method"
    hint = "405, 405, 405, 405" if method not in _methods(rules) else "..., ..., ..., ..."
    return (
        f"The access matrix has no row for {method} {path} (endpoint {endpoints}; "
        f"the rule takes {takes}).\n"
        f"Add it to MATRIX in tests/security/test_access_matrix.py with the status each "
        f"person must get, in the order anonymous, learner, other learner, instructor:\n"
        f'    ("{path}", "{method}"): ({hint}),\n'
        f"(200 page, 302 redirect — anonymous ones must lead to /login — 403 forbidden, "
        f"404 not theirs, 405 method not taken). If the URL has a parameter that "
        f"ARGUMENTS does not fill yet, add how to get a real object for it."
    )


def _build_world(app: Flask) -> World:
    from app.auth.models import ROLE_INSTRUCTOR

    owner_account = make_user("learner@example.com")
    make_user("other@example.com")
    make_user("teacher@example.com", role=ROLE_INSTRUCTOR)
    clients = {"anonymous": app.test_client()}
    for role, email in (
        ("learner", "learner@example.com"),
        ("other learner", "other@example.com"),
        ("instructor", "teacher@example.com"),
    ):
        clients[role] = app.test_client()
        log_in(clients[role], email)
    owner = clients["learner"]
    done = start_quiz(owner, "first-lesson")
    assert owner.post(done + "/submit", data=quiz_fields(owner, done)).status_code == 302
    still_open = start_quiz(owner, "second-lesson")
    code = _issued_certificate(owner_account.id)
    return World(
        app=app,
        clients=clients,
        open_attempt=int(still_open.rstrip("/").rsplit("/", 1)[-1]),
        submitted_attempt=int(done.rstrip("/").rsplit("/", 1)[-1]),
        learner_id=owner_account.id,
        lesson_id=_first_lesson_id(),
        certificate_code=code,
    )


def _first_lesson_id() -> int:
    from sqlalchemy import select

    from app.course.models import Lesson
    from app.extensions import db

    return db.session.scalar(select(Lesson.id).where(Lesson.slug == "first-lesson"))


def _issued_certificate(user_id: int) -> str:
    """Give the owner an issued certificate, as if they had completed the course."""
    from app.extensions import db
    from app.quizzes.completion import new_code
    from app.quizzes.models import Completion
    from app.timeutil import now_utc

    code = new_code()
    db.session.add(Completion(user_id=user_id, code=code, name="Owner", issued_at=now_utc()))
    db.session.commit()
    return code


def _url(path: str, rules: list[Rule], world: World) -> str:
    values = {}
    for name in sorted({a for rule in rules for a in rule.arguments}):
        filler = RULE_ARGUMENTS.get(path, {}).get(name) or ARGUMENTS.get(name)
        if filler is None:
            pytest.fail(
                f"{path} has the parameter <{name}>, which the access matrix cannot fill: add "
                f"'{name}' to ARGUMENTS (or RULE_ARGUMENTS) in tests/security/"
                f"test_access_matrix.py, returning a real object owned by 'learner'."
            )
        values[name] = filler(world)
    with world.app.test_request_context():
        return url_for(rules[0].endpoint, **values)


def _token_for(client: FlaskClient, role: str) -> str:
    return csrf_token(client, "/login" if role == "anonymous" else "/")


def _request(world: World, path: str, method: str, role: str, url: str):
    client = world.clients[role]
    if method == "GET":
        return client.get(url)
    data = {"csrf_token": _token_for(client, role)}
    if path in POST_DATA:
        data.update(POST_DATA[path](world, client))
    return client.open(url, method=method, data=data)


def _check(response, expected: int, what: str, framed_by: str | None = None) -> list[str]:
    problems = []
    if response.status_code != expected:
        where = response.headers.get("Location", "")
        problems.append(f"{what}: expected {expected}, got {response.status_code} {where}".strip())
    try:
        if framed_by and response.status_code == 200:
            assert_framed_headers(response, framed_by)
        else:
            assert_security_headers(response)
    except AssertionError as error:
        problems.append(f"{what}: security headers: {error}")
    if response.status_code == 200 and response.mimetype == "text/html":
        for offence in find_inline_markup(response.get_data(as_text=True)):
            problems.append(f"{what}: the page has {offence}")
    return problems


@pytest.mark.parametrize("path", list(RULES))
def test_access(path, app, course):
    rules = RULES[path]
    rows = _required_rows(path, rules)
    missing = [row for row in rows if row not in MATRIX]
    if missing:
        pytest.fail("\n\n".join(_missing_row_message(p, m, rules) for p, m in missing))

    world = _build_world(app)
    url = _url(path, rules, world)
    problems: list[str] = []
    for method in [m for _, m in rows]:
        expected = dict(zip(ROLES, MATRIX[(path, method)], strict=True))
        for role in REQUEST_ORDER:
            response = _request(world, path, method, role, url)
            what = f"{method} {url} as {role}"
            problems += _check(response, expected[role], what, FRAMED_BY.get(path))
            location = response.headers.get("Location", "")
            if role == "anonymous" and response.status_code == 302 and location[:6] != "/login":
                problems.append(f"{what}: an anonymous visitor was sent to {location}")
    if "POST" not in _methods(rules):
        # A rule that takes no POST refuses one, token or not.
        client = world.clients["anonymous"]
        response = client.post(url, data={"csrf_token": _token_for(client, "anonymous")})
        problems += _check(response, 405, f"POST {url} as anonymous")
    assert not problems, "\n".join(problems)


def test_every_row_names_a_rule_that_still_exists():
    stale = [
        f"{method} {path}"
        for path, method in MATRIX
        if path not in RULES or (path, method) not in _required_rows(path, RULES[path])
    ]
    assert not stale, f"MATRIX rows for rules the app no longer has: {stale}"


def test_the_matrix_covers_every_rule_and_method():
    required = {row for path, rules in RULES.items() for row in _required_rows(path, rules)}
    missing = sorted(required - set(MATRIX))
    assert not missing, "\n\n".join(
        _missing_row_message(path, method, RULES[path]) for path, method in missing
    )


def test_the_table_uses_only_the_agreed_statuses():
    allowed = {200, 302, 403, 404, 405}
    # A platform's requests (LTI login initiation and launch) carry no session to check:
    # without the platform's parameters and signed id_token they are a 400 for everyone.
    platform_only = {("/lti/login", "GET"), ("/lti/login", "POST"), ("/lti/launch", "POST")}
    odd = {
        row: statuses
        for row, statuses in MATRIX.items()
        if set(statuses) - allowed and not (row in platform_only and set(statuses) == {400})
    }
    assert not odd
    # Attempt pages are the owner's alone (the instructor workspace refuses every learner).
    for (path, method), (_, learner, other, _) in MATRIX.items():
        owned = ("<id:attempt_id>", "<id:review_id>", "<id:question_id>")
        if any(p in path for p in owned) and not path.startswith("/instructor/") and learner != 405:
            assert other == 404, f"{method} {path} must be 404 for another learner"
