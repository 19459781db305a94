"""Accessibility of every page the app serves, in light and dark colour schemes.

The page list comes from the app's URL rules (tests/browser/pages.py), so a new
page fails here until it is listed. On each page: axe-core finds no serious or
critical violation, headings go down from one h1 without skipping a level, every
form control has an accessible name, and every Tab stop shows a focus outline.
In the dark scheme, which changes colours and nothing else (tests/unit/
test_colour_schemes.py), each page is checked again by axe's colour rules.
On a phone-sized viewport (390×844) no page scrolls sideways.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app import create_app
from tests.browser.checks import (
    axe_problems,
    focus_problems,
    heading_problems,
    label_problems,
    scheme_problems,
)
from tests.browser.live import PHONE, ConsoleErrors, LiveServer
from tests.browser.pages import (
    ANONYMOUS,
    ERROR_PAGES,
    INSTRUCTOR,
    LEARNER,
    NOT_PAGES,
    PAGES,
    POSTED_PAGES,
    Posted,
    Site,
    Visit,
    get_endpoints,
    visits_for,
)

pytestmark = pytest.mark.browser

SCHEMES = ["light", "dark"]
# Built from the URL rules at collection time (the factory does no I/O), so each
# rule is its own test and an unlisted one fails by name.
ENDPOINTS = [
    e
    for e in get_endpoints(create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}))
    if e not in NOT_PAGES
]


def load(page: Page, live: LiveServer, visit: Visit) -> None:
    """Load a visit's page and check it is that page, not a redirect or an error."""
    response = page.goto(live(visit.path))
    assert response is not None
    assert response.status == visit.status, f"{visit.name}: HTTP {response.status}"
    assert page.url == live(visit.path), f"{visit.name}: redirected to {page.url}"


def check_page(page: Page, live: LiveServer, visit: Visit, scheme: str) -> list[str]:
    load(page, live, visit)
    problems = scheme_problems(page, scheme)
    return [f"{visit.name} {visit.path} [{scheme}]: {problem}" for problem in problems]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_page_is_accessible(
    live_server: LiveServer, site: Site, page_as, endpoint: str, scheme: str
) -> None:
    problems = []
    for visit in visits_for(live_server.app, endpoint, site):
        page = page_as(visit.role, scheme)
        problems += check_page(page, live_server, visit, scheme)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("visit", ERROR_PAGES, ids=lambda v: v.name)
@pytest.mark.parametrize("scheme", SCHEMES)
def test_error_pages_are_accessible(
    live_server: LiveServer, page_as, visit: Visit, scheme: str
) -> None:
    problems = check_page(page_as(visit.role, scheme), live_server, visit, scheme)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("posted", POSTED_PAGES, ids=lambda p: p.name)
@pytest.mark.parametrize("scheme", SCHEMES)
def test_pages_a_form_post_leads_to_are_accessible(
    site: Site, new_page, posted: Posted, scheme: str
) -> None:
    page = new_page(color_scheme=scheme)
    assert site.reach[posted.key](page) == posted.status, posted.name
    problems = scheme_problems(page, scheme)
    assert not problems, "\n".join(f"{posted.name} [{scheme}]: {p}" for p in problems)


@pytest.mark.parametrize("posted", POSTED_PAGES, ids=lambda p: p.name)
def test_pages_a_form_post_leads_to_fit_a_phone(site: Site, new_page, posted: Posted) -> None:
    page = new_page(viewport=PHONE)  # layout is the same in both schemes (only colours change)
    assert site.reach[posted.key](page) == posted.status, posted.name
    problems = too_wide(page, f"{posted.name} [phone]")
    problems += [f"{posted.name} [phone]: {p}" for p in focus_problems(page)]
    assert not problems, "\n".join(problems)


def test_the_gradebook_checked_shows_lms_learners_in_every_state(
    live_server: LiveServer, site: Site, page_as
) -> None:
    """The gradebook visit with LMS learners shows what it is there to check."""
    visits = visits_for(live_server.app, "instructor.gradebook", site)
    (visit,) = [v for v in visits if "q=" in v.path]
    page = page_as(INSTRUCTOR)
    load(page, live_server, visit)
    rows = page.locator("main table tbody")
    expect(rows).to_contain_text(re.compile(r"LMS score:\s*sent"))
    expect(rows).to_contain_text("waiting to be sent (1 failed try: HTTP 503")
    expect(rows).to_contain_text("failed: HTTP 401")
    expect(page.get_by_role("button", name=re.compile(r"^Retry now"))).to_have_count(2)
    expect(page.get_by_role("button", name="Fetch the class list from the LMS")).to_be_visible()


def test_the_page_list_matches_the_live_app(live_server: LiveServer) -> None:
    endpoints = get_endpoints(live_server.app)
    assert [e for e in endpoints if e not in NOT_PAGES] == ENDPOINTS
    stale = (set(PAGES) | set(NOT_PAGES)) - set(endpoints)
    assert not stale, f"tests/browser/pages.py lists endpoints the app no longer has: {stale}"
    assert "course.lesson" in ENDPOINTS and "quizzes.take" in ENDPOINTS


@pytest.mark.parametrize("scheme", SCHEMES)
def test_forms_showing_errors_are_accessible(live_server: LiveServer, page_as, scheme: str) -> None:
    page = page_as(ANONYMOUS, scheme)
    problems = []
    for visit, fill in (
        (Visit("register with errors", ANONYMOUS, "/register"), {"Email": "not-an-email"}),
        (Visit("log-in with errors", ANONYMOUS, "/login"), {"Email": "nobody@example.com"}),
    ):
        load(page, live_server, visit)
        for label, value in fill.items():
            page.get_by_label(label).fill(value)
        page.locator("main form").get_by_role("button").click()
        alert = page.get_by_role("alert")
        expect(alert).to_be_visible()
        invalid = page.locator("[aria-invalid=true]")
        assert invalid.count() >= 1
        for index in range(invalid.count()):
            expect(invalid.nth(index)).to_have_accessible_description(re.compile(r"\S"))
        problems += [f"{visit.name} [{scheme}]: {p}" for p in scheme_problems(page, scheme, False)]
    assert not problems, "\n".join(problems)


def test_each_quiz_question_is_a_fieldset_with_a_legend(
    live_server: LiveServer, site: Site, page_as
) -> None:
    from app.extensions import db
    from app.quizzes.models import Attempt

    with live_server.context():
        attempt = db.session.get(Attempt, site.open_attempt_id)
        question_count = len(attempt.responses)
    page = page_as(LEARNER)
    load(page, live_server, Visit("quiz", LEARNER, f"/attempts/{site.open_attempt_id}"))

    legends = page.locator("main form fieldset > legend")
    expect(legends).to_have_count(question_count)
    texts = [" ".join(t.split()) for t in legends.all_inner_texts()]
    for number, text in enumerate(texts, start=1):
        assert text.startswith(f"Question {number} of {question_count} "), text
        assert len(text) > len(f"Question {number} of {question_count} ") + 5, text
    outside = page.eval_on_selector_all(
        "main form input:not([type=hidden]), main form select, main form textarea",
        """els => els.filter(el => {
            const fieldset = el.closest('fieldset');
            const legend = fieldset && fieldset.querySelector(':scope > legend');
            return !legend || !legend.innerText.trim();
        }).map(el => el.outerHTML.slice(0, 120))""",
    )
    assert outside == [], f"answer fields outside a question fieldset: {outside}"
    groups = page.locator("main form").get_by_role("group")
    expect(groups).to_have_count(question_count)


BAD_PAGE = """<!doctype html><html lang="en"><head><title>Bad page</title>
<style>a:focus { outline: none; } .faint { color: #c8c8c8; background: #fff; }</style></head>
<body><main><h1>Bad page</h1><h3>A skipped level</h3><p class="faint">Faint text</p>
<input type="text" name="nameless"><a href="#somewhere">A link</a></main></body></html>"""


def test_the_checks_find_the_problems_they_look_for(new_page) -> None:
    page = new_page()
    page.set_content(BAD_PAGE)
    found = axe_problems(page)
    assert any(p.startswith("axe color-contrast (serious)") for p in found), found
    assert any(p.startswith("axe label (critical)") for p in found), found
    assert heading_problems(page) == ["heading level skipped: h1 then h3 in [1, 3]"]
    assert [p[:40] for p in label_problems(page)] == ["form control without an accessible name:"]
    assert focus_problems(page) == ["no visible focus outline on A#||A link"]


DARK_ONLY_PROBLEM = """<!doctype html><html lang="en"><head><title>Dark page</title>
<style>:root { color-scheme: light dark; --text: #111; --bg: #fff; }
@media (prefers-color-scheme: dark) { :root { --text: #333; --bg: #222; } }
body { color: var(--text); background: var(--bg); }</style></head>
<body><main><h1>Dark page</h1><p>Readable in light, not in dark.</p>
<input type="text" name="nameless"></main></body></html>"""


def test_the_dark_scheme_checks_find_what_only_dark_colours_break(new_page) -> None:
    light, dark = new_page(color_scheme="light"), new_page(color_scheme="dark")
    for page in (light, dark):
        page.set_content(DARK_ONLY_PROBLEM)
    assert not any("color-contrast" in p for p in scheme_problems(light, "light", focus=False))
    found = scheme_problems(dark, "dark")
    assert [p.split(" (")[0] for p in found] == ["axe color-contrast"], found  # colours only


def test_script_errors_in_the_console_are_caught(browser) -> None:
    console = ConsoleErrors()
    context = browser.new_context()
    page = console.watch(context.new_page())
    page.set_content("<script>throw new Error('boom')</script><p>Broken</p>")
    context.close()
    with pytest.raises(AssertionError, match="boom"):
        console.check()


def too_wide(page: Page, name: str) -> list[str]:
    """Say what makes a phone-sized page scroll sideways (nothing: an empty list)."""
    width = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert width["inner"] == PHONE["width"]
    if width["scroll"] <= width["inner"]:
        return []
    wide = page.evaluate(
        """inner => [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > inner + 0.5)
            .slice(0, 5).map(el => el.tagName.toLowerCase() + '.' + el.className)""",
        width["inner"],
    )
    return [f"{name}: {width['scroll']}px wide; too wide: {wide}"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_no_horizontal_scrolling_on_a_phone(
    live_server: LiveServer, site: Site, page_as, endpoint: str
) -> None:
    """In the light scheme: the dark one changes colours only, never a width."""
    problems = []
    for visit in visits_for(live_server.app, endpoint, site):
        page = page_as(visit.role, "light", PHONE)
        load(page, live_server, visit)
        problems += too_wide(page, f"{visit.name} [phone]")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_focus_stays_visible_on_a_phone(
    live_server: LiveServer, site: Site, page_as, endpoint: str
) -> None:
    problems = []
    for visit in visits_for(live_server.app, endpoint, site):
        page = page_as(visit.role, "light", PHONE)
        load(page, live_server, visit)
        problems += [f"{visit.name} {visit.path} [phone]: {p}" for p in focus_problems(page)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_practice_setting_showing_its_error_is_accessible(
    live_server: LiveServer, page_as, scheme: str
) -> None:
    page = page_as(INSTRUCTOR, scheme)
    load(page, live_server, Visit("course settings", INSTRUCTOR, "/instructor/course/settings"))
    page.get_by_label("Practice retention (%)").fill("150")
    page.get_by_role("button", name="Save practice setting").click()
    expect(page.get_by_role("alert")).to_be_visible()
    invalid = page.locator("[aria-invalid=true]")
    expect(invalid).to_have_count(1)
    expect(invalid).to_have_accessible_description(re.compile(r"between 70 and 97"))
    problems = scheme_problems(page, scheme, focus=False)
    assert not problems, "\n".join(problems)
