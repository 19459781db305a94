"""Real-browser fixtures: one live server and one Chromium per test session.

The live server is a production-like app (no TESTING, CSRF on) on a fresh SQLite
file with the real course of questions/ loaded and an instructor account. Tests
here never use the `app`/`backend` fixtures of tests/conftest.py: they run once,
not once per database.

Without /usr/bin/chromium these tests skip with the reason; REQUIRE_BROWSER=1
(set by .ci/run) turns the skip into a failure.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from tests.browser import lti
from tests.browser.actions import (
    account_id,
    answer_key,
    complete_course_for,
    lesson_slugs,
    log_in,
    register,
    start_quiz,
    take_quiz,
    upload_for_import,
)
from tests.browser.live import (
    CHROMIUM,
    DESKTOP,
    INSTRUCTOR_EMAIL,
    ConsoleErrors,
    LiveServer,
    launch_chromium,
    start_live_server,
)
from tests.browser.pages import Site

HERE = Path(__file__).parent

# Fixtures that run a test once per database; a browser test must not use them.
# One good question and one with a problem, so the import preview shows both.
IMPORT_SAMPLE = """// [id:import-sample-01] [tag:difficulty-easy]
::Imported::Which body authorises a peacekeeping mission?{
=An international mandate#Right.
~A single attaché#No.
}

::Broken::This question never closes its answers {
=one
"""
PER_DATABASE_FIXTURES = {"app", "backend", "database_url", "db", "client", "runner"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE not in Path(str(item.path)).parents:
            continue
        if item.get_closest_marker("browser") is None:
            raise pytest.UsageError(f"{item.nodeid}: mark browser tests @pytest.mark.browser")
        used = PER_DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        if used:
            raise pytest.UsageError(
                f"{item.nodeid} uses {sorted(used)}: browser tests use `live_server`, "
                "not the per-database fixtures"
            )


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} not found (apt-get install chromium)"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app with the real course, served on a free port of 127.0.0.1."""
    _require_chromium()  # no browser, no reason to build a server
    server = start_live_server(tmp_path_factory.mktemp("browser"))
    yield server
    server.stop()


@pytest.fixture
def own_live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A server of the test's own, for a journey that changes the whole course (sequential
    mode) or the whole class (every lesson taken), so other journeys never see it."""
    _require_chromium()
    server = start_live_server(tmp_path)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    """Open pages in fresh browser contexts (one per person), closed after the test.

    A script error or a Content-Security-Policy refusal on any page fails the test.
    """
    contexts, console = [], ConsoleErrors()

    def open_page(**context_options: Any):
        options = {"viewport": DESKTOP, **context_options}
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return console.watch(context.new_page())

    yield open_page
    for context in contexts:
        context.close()
    console.check()


@pytest.fixture(scope="session")
def site_lms(live_server: LiveServer) -> Iterator[Any]:
    """An LMS on loopback (tests/support/lti_platform.py), registered with the live app."""
    from tests.support.lti_platform import LmsPlatform

    platform = LmsPlatform().start()
    with live_server.context():
        platform.register()
    yield platform
    platform.stop()


@pytest.fixture
def lms(live_server: LiveServer) -> Iterator[Any]:
    """A test's own LMS on loopback, registered with the live app (the site's LMS has
    seeded learners and LMS courses a new launch could collide with)."""
    from tests.support.lti_platform import LmsPlatform

    platform = LmsPlatform().start()
    with live_server.context():
        platform.register()
    yield platform
    platform.stop()


@pytest.fixture(scope="session")
def site(live_server: LiveServer, browser: Any, site_lms: Any) -> Site:
    """A learner with a submitted and an open attempt, a logged-in instructor, an LMS."""
    graded, untouched, opened = "military-attaches", "case-studies", "cross-cultural-relationships"
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    register(page, live_server, "pages-learner@example.com")
    take_quiz(page, live_server, graded, wrong=2)
    submitted_id = int(page.url.rsplit("/", 2)[-2])
    start_quiz(page, live_server, opened)
    open_id = int(page.url.rsplit("/", 1)[-1])
    learner_state = context.storage_state()
    context.close()
    certificate = complete_course_for(live_server, "pages-learner@example.com", issued=True)

    context = browser.new_context(viewport=DESKTOP)
    log_in(context.new_page(), live_server, INSTRUCTOR_EMAIL)
    instructor_state = context.storage_state()
    context.close()

    def make_import_token() -> str:
        context = browser.new_context(viewport=DESKTOP, storage_state=instructor_state)
        try:
            return upload_for_import(context.new_page(), live_server, graded, IMPORT_SAMPLE)
        finally:
            context.close()

    def make_reset_token() -> str:
        from app.auth.resets import issue_reset
        from app.extensions import db

        learner_id = account_id(live_server, "pages-learner@example.com")
        with live_server.context():
            token = issue_reset(learner_id)
            db.session.commit()
        return token

    def make_handoff_token() -> str:
        """What an LTI launch leaves for the frame: a hand-off token (its cookie not kept)."""
        from app.auth.models import User
        from app.extensions import db
        from app.lti.sessions import start

        learner_id = account_id(live_server, "pages-learner@example.com")
        with live_server.context():
            learner = db.session.get(User, learner_id)
            with live_server.app.test_request_context("/lti/launch", method="POST"):
                response = start(learner, f"/lessons/{untouched}", "https://lms.school.example")
        return response.headers["Location"].rsplit("/", 1)[-1]

    def make_lti_registration() -> int:
        from app.database import unit_of_work
        from app.lti.registrations import create_registration
        from tests.unit.test_lti_registration_rules import MOODLE

        with live_server.context(), unit_of_work():
            return create_registration(MOODLE, created_by_id=None).id

    def make_lms_teacher_state() -> dict[str, Any]:
        """An LMS teacher's deep-linking launch, as Chromium makes it: at the picker."""
        context = browser.new_context(viewport=DESKTOP)
        try:
            lti.open_picker(context.new_page(), live_server, site_lms)
            return context.storage_state()
        finally:
            context.close()

    def make_practice_review() -> int:
        context = browser.new_context(viewport=DESKTOP, storage_state=learner_state)
        try:
            page = context.new_page()
            page.goto(live_server("/practice"))
            page.get_by_role("button", name="Check my answer").click()  # unanswered: wrong
            page.wait_for_url(re.compile(r"/practice/reviews/\d+$"))
            return int(page.url.rsplit("/", 1)[-1])
        finally:
            context.close()

    # One question of each type, from the graded lesson where it has one (a quiz need
    # not use every type), else from the first lesson that does.
    question_uids: dict[str, str] = {}
    for slug in [graded, *lesson_slugs(live_server)]:
        for question in answer_key(live_server, slug):
            question_uids.setdefault(question.data.type, question.uid)
    return Site(
        lesson_slug=untouched,
        graded_lesson_slug=graded,
        submitted_attempt_id=submitted_id,
        open_attempt_id=open_id,
        learner_id=account_id(live_server, "pages-learner@example.com"),
        question_uids=question_uids,
        learner_state=learner_state,
        instructor_state=instructor_state,
        make_import_token=make_import_token,
        make_reset_token=make_reset_token,
        make_handoff_token=make_handoff_token,
        make_lti_registration=make_lti_registration,
        make_practice_review=make_practice_review,
        make_lms_teacher_state=make_lms_teacher_state,
        make_lms_learners=partial(lti.add_lms_learners, live_server, site_lms),
        reach={
            "deep_link_answer": partial(lti.reach_deep_link_answer, live=live_server, lms=site_lms),
            "login_new_window": partial(lti.reach_login_new_window, live=live_server, lms=site_lms),
        },
        certificate_code=certificate,
    )


@pytest.fixture(scope="session")
def _role_contexts(browser: Any, site: Site) -> Iterator[dict[tuple, Any]]:
    contexts: dict[tuple, Any] = {}
    yield contexts
    for context in contexts.values():
        context.close()


@pytest.fixture
def page_as(browser: Any, site: Site, _role_contexts: dict[tuple, Any]) -> Iterator[Any]:
    """Open a page as anonymous, learner or instructor, in a colour scheme and viewport.

    The logged-in contexts are made once per session (nobody logs out in them);
    the pages are closed after each test.
    """
    pages, console = [], ConsoleErrors()

    def open_page(role: str, color_scheme: str = "light", viewport: dict | None = None):
        viewport = viewport or DESKTOP
        key = (role, color_scheme, viewport["width"], viewport["height"])
        if key not in _role_contexts:
            context = browser.new_context(
                color_scheme=color_scheme,
                viewport=viewport,
                storage_state=site.storage_state(role),
            )
            context.set_default_timeout(10_000)
            _role_contexts[key] = context
        page = console.watch(_role_contexts[key].new_page())
        pages.append(page)
        return page

    yield open_page
    for page in pages:
        page.close()
    console.check()
