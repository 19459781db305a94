"""Every page the app serves, built from its URL rules, with who may see it.

`PAGES` says, for each URL rule that answers GET, who visits it and how its URL
parameters are filled from the data the suite creates (`Site`). A GET rule that
is neither here nor in `NOT_PAGES` fails the accessibility suite: a new page
joins it by adding one line here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, url_for

from app.bank.types import AUTHORED_TYPES

ANONYMOUS, LEARNER, INSTRUCTOR = "anonymous", "learner", "instructor"
# A teacher of the LMS, arrived from a deep-linking launch (a learner account of ours).
LMS_TEACHER = "lms teacher"


@dataclass
class Site:
    """What the suite created to fill URL parameters with real values.

    Values that cost a browser round trip to make (an import upload) are made on
    first use, so a page that does not exist yet costs nothing.
    """

    lesson_slug: str  # a lesson the learner has not touched
    graded_lesson_slug: str  # a lesson whose quiz the learner submitted
    submitted_attempt_id: int
    open_attempt_id: int
    learner_id: int  # the learner's account id (the instructor's learner page)
    question_uids: dict[str, str]  # a question of each type the course has, by type
    learner_state: dict[str, Any]  # browser storage state of a logged-in learner
    instructor_state: dict[str, Any]
    make_import_token: Callable[[], str] = field(repr=False)
    make_practice_review: Callable[[], int] = field(repr=False)
    make_reset_token: Callable[[], str] | None = field(default=None, repr=False)
    make_handoff_token: Callable[[], str] | None = field(default=None, repr=False)
    make_lti_registration: Callable[[], int] | None = field(default=None, repr=False)
    # The LMS (tests/browser/lti.py): a deep-linking teacher's browser state; LMS learners
    # in the gradebook (their search); pages a form post leads to, by name (page → status).
    make_lms_teacher_state: Callable[[], dict[str, Any]] | None = field(default=None, repr=False)
    make_lms_learners: Callable[[], dict[str, Any]] | None = field(default=None, repr=False)
    reach: dict[str, Callable[[Any], int]] = field(default_factory=dict, repr=False)
    certificate_code: str = ""  # the learner's issued certificate
    _import_token: str | None = field(default=None, repr=False)
    _practice_review: int | None = field(default=None, repr=False)
    _reset_token: str | None = field(default=None, repr=False)
    _lti_registration: int | None = field(default=None, repr=False)
    _lms_teacher_state: dict[str, Any] | None = field(default=None, repr=False)
    _lms_learners: dict[str, Any] | None = field(default=None, repr=False)

    def lms_teacher_state(self) -> dict[str, Any]:
        """Return the browser state of an LMS teacher at the picker (launched on first use)."""
        if self._lms_teacher_state is None:
            assert self.make_lms_teacher_state is not None, "the site has no LMS"
            self._lms_teacher_state = self.make_lms_teacher_state()
        return self._lms_teacher_state

    def lms_learners(self) -> dict[str, Any]:
        """Return the gradebook's query showing LMS learners (added on first use)."""
        if self._lms_learners is None:
            assert self.make_lms_learners is not None, "the site has no LMS"
            self._lms_learners = self.make_lms_learners()
        return self._lms_learners

    def reset_token(self) -> str:
        """Return the token of a password-reset link for the learner (issued on first use)."""
        if self._reset_token is None:
            assert self.make_reset_token is not None, "the site cannot issue reset links"
            self._reset_token = self.make_reset_token()
        return self._reset_token

    def handoff_token(self) -> str:
        """Return a fresh LTI hand-off token of the learner (each lives two minutes)."""
        assert self.make_handoff_token is not None, "the site cannot start LTI sessions"
        return self.make_handoff_token()

    def lti_registration_id(self) -> int:
        """Return a registered LMS platform (registered on first use)."""
        if self._lti_registration is None:
            assert self.make_lti_registration is not None, "the site cannot register platforms"
            self._lti_registration = self.make_lti_registration()
        return self._lti_registration

    def import_token(self) -> str:
        """Return the token of an import upload waiting for the instructor's preview."""
        if self._import_token is None:
            self._import_token = self.make_import_token()
        return self._import_token

    def practice_review_id(self) -> int:
        """Return a practice review of the learner (a question they missed, answered again)."""
        if self._practice_review is None:
            self._practice_review = self.make_practice_review()
        return self._practice_review

    def storage_state(self, role: str) -> dict[str, Any] | None:
        if role == LMS_TEACHER:
            return self.lms_teacher_state()
        return {ANONYMOUS: None, LEARNER: self.learner_state, INSTRUCTOR: self.instructor_state}[
            role
        ]


@dataclass(frozen=True)
class Visit:
    """One page to load: who loads it, where, and the status it must answer with."""

    name: str
    role: str
    path: str
    status: int = 200


Values = Callable[[Site], dict[str, Any]]


def _none(site: Site) -> dict[str, Any]:
    return {}


PAGES: dict[str, list[tuple[str, Values]]] = {
    "auth.login": [(ANONYMOUS, _none)],
    "auth.register": [(ANONYMOUS, _none)],
    "auth.account": [(LEARNER, _none), (INSTRUCTOR, _none), (LMS_TEACHER, _none)],  # no password
    "auth.reset_password": [(ANONYMOUS, lambda s: {"reset_token": s.reset_token()})],
    "course.index": [(ANONYMOUS, _none), (LEARNER, _none)],
    "course.lesson": [
        (ANONYMOUS, lambda s: {"slug": s.lesson_slug}),
        (LEARNER, lambda s: {"slug": s.graded_lesson_slug}),
    ],
    "quizzes.take": [(LEARNER, lambda s: {"attempt_id": s.open_attempt_id})],
    "quizzes.result": [(LEARNER, lambda s: {"attempt_id": s.submitted_attempt_id})],
    # the learner missed questions in the graded lesson: practice has one due
    "practice.index": [(LEARNER, _none)],
    "practice.review": [(LEARNER, lambda s: {"review_id": s.practice_review_id()})],
    "progress.index": [(LEARNER, _none)],
    "progress.lesson": [(LEARNER, lambda s: {"slug": s.graded_lesson_slug})],
    "progress.certificate": [(LEARNER, _none)],
    "progress.verify": [(ANONYMOUS, lambda s: {"code": s.certificate_code})],
    "instructor.index": [(INSTRUCTOR, _none)],
    "instructor.questions": [(INSTRUCTOR, lambda s: {"slug": s.graded_lesson_slug})],
    # The authoring form differs by question type: each one is a page of its own.
    "instructor.new_question": [
        (INSTRUCTOR, lambda s, kind=kind: {"slug": s.graded_lesson_slug, "type": kind})
        for kind in AUTHORED_TYPES
    ],
    "instructor.edit_question": [
        (INSTRUCTOR, lambda s, kind=kind: {"uid": s.question_uids[kind]})
        for kind in ("single", "multi", "truefalse", "short", "matching")
    ],
    "instructor.search": [(INSTRUCTOR, _none)],
    "instructor.edit_lesson": [(INSTRUCTOR, lambda s: {"slug": s.graded_lesson_slug})],
    "instructor.lesson_settings": [(INSTRUCTOR, lambda s: {"slug": s.graded_lesson_slug})],
    "instructor.course_settings": [(INSTRUCTOR, _none)],
    "instructor.import_upload": [(INSTRUCTOR, lambda s: {"slug": s.graded_lesson_slug})],
    # and with LMS learners: scores sent, waiting, failed (Retry now), the class-list button
    "instructor.gradebook": [(INSTRUCTOR, _none), (INSTRUCTOR, lambda s: s.lms_learners())],
    "instructor.learner": [(INSTRUCTOR, lambda s: {"learner_id": s.learner_id})],
    "instructor.attempt_review": [(INSTRUCTOR, lambda s: {"attempt_id": s.submitted_attempt_id})],
    "instructor.statistics": [(INSTRUCTOR, lambda s: {"slug": s.graded_lesson_slug})],
    # the page inside an LMS's frame when the browser blocked our cookie there
    "lti.continue_launch": [(ANONYMOUS, lambda s: {"handoff_token": s.handoff_token()})],
    # the deep-linking picker, as the LMS teacher its launch logged in
    "lti.deep_link": [(LMS_TEACHER, _none)],
    "instructor.lti_registrations": [(INSTRUCTOR, _none)],
    "instructor.edit_lti_registration": [
        (INSTRUCTOR, lambda s: {"registration_id": s.lti_registration_id()})
    ],
    "instructor.import_preview": [
        (INSTRUCTOR, lambda s: {"slug": s.graded_lesson_slug, "token": s.import_token()})
    ],
}

# GET rules that serve no HTML page, and why.
NOT_PAGES = {
    "static": "serves stylesheets, scripts and images, not pages",
    "instructor.export_lesson": "downloads a GIFT file",
    "instructor.export_bank": "downloads a GIFT file",
    "instructor.gradebook_csv": "downloads a CSV file",
    "ops.healthz": "answers load balancers in JSON",
    "instructor.statistics_csv": "downloads a CSV file",
    "instructor.statistics_json": "downloads a JSON file",
    "progress.scores": "redirects the old My scores address to My progress",
    "lti.jwks": "serves the tool's public keys to platforms in JSON",
    "lti.login": "sends the browser on to the platform (a refusal is the 400 page below)",
}

# Pages served without a rule of their own.
ERROR_PAGES = [
    Visit("404 page", ANONYMOUS, "/lessons/no-such-lesson", 404),
    Visit("403 page", LEARNER, "/instructor/", 403),
    Visit("400 page", ANONYMOUS, "/lti/login", 400),
]


@dataclass(frozen=True)
class Posted:
    """A page that a form post leads to (no GET rule of its own): `Site.reach[key]` takes
    a fresh browser page there and returns the HTTP status it answered with."""

    name: str
    key: str
    status: int


POSTED_PAGES = [
    # the deep-linking answer: what goes to the LMS, and the button that posts it there
    Posted("lti deep-link answer", "deep_link_answer", 200),
    # the launch when the browser blocked the login's state cookie
    Posted("lti login new window", "login_new_window", 400),
]


def get_endpoints(app: Flask) -> list[str]:
    """Return the endpoints of every URL rule that answers GET."""
    return sorted({rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods})


def visits_for(app: Flask, endpoint: str, site: Site) -> list[Visit]:
    """Build the visits of one endpoint; fail if the suite cannot fill it."""
    if endpoint not in PAGES:
        raise AssertionError(
            f"the GET rule {endpoint!r} is not in tests/browser/pages.py: add it to PAGES "
            "(who sees it, and its URL values) or, if it serves no HTML page, to NOT_PAGES"
        )
    visits = []
    with app.test_request_context():
        for role, values in PAGES[endpoint]:
            path = url_for(endpoint, **values(site))
            visits.append(Visit(f"{endpoint} as {role}", role, path))
    return visits


def all_visits(app: Flask, site: Site) -> list[Visit]:
    """Return a visit for every page the app serves, error pages included."""
    visits = []
    for endpoint in get_endpoints(app):
        if endpoint not in NOT_PAGES:
            visits.extend(visits_for(app, endpoint, site))
    return visits + ERROR_PAGES
