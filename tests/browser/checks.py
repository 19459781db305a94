"""Page checks shared by the accessibility suite and the journeys.

Each returns a list of problems (empty when the page is fine), so a test can
report every problem of every page at once.
"""

from __future__ import annotations

import itertools
import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

BLOCKING_IMPACTS = {"serious", "critical"}
MAX_TAB_STOPS = 80
# The axe rules whose outcome depends on colours. The dark scheme changes colours and
# nothing else (tests/unit/test_colour_schemes.py holds the stylesheets to that), so in
# dark these are the checks that can find something the light run did not.
COLOUR_RULES = ("color-contrast", "link-in-text-block")

_axe = Axe()


def assert_scheme(page: Page, scheme: str) -> None:
    """Check the page really is in the colour scheme under test."""
    dark = page.evaluate("() => matchMedia('(prefers-color-scheme: dark)').matches")
    assert dark == (scheme == "dark"), f"expected the {scheme} scheme"


def axe_problems(page: Page, rules: tuple[str, ...] = ()) -> list[str]:
    """axe-core's serious and critical violations: of every rule, or only of `rules`."""
    options: dict = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": list(rules)}
    results = _axe.run(page, options=options).response
    problems = []
    for violation in results["violations"]:
        if violation["impact"] not in BLOCKING_IMPACTS:
            continue
        targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:8])
        problems.append(
            f"axe {violation['id']} ({violation['impact']}): {violation['help']} → {targets}"
        )
    return problems


def heading_problems(page: Page) -> list[str]:
    levels = page.eval_on_selector_all(
        "h1, h2, h3, h4, h5, h6", "els => els.map(e => Number(e.tagName[1]))"
    )
    if not levels or levels[0] != 1:
        return [f"headings must start with an h1, found {levels}"]
    problems = []
    if levels.count(1) != 1:
        problems.append(f"one h1 per page, found {levels.count(1)}")
    for before, after in itertools.pairwise(levels):
        if after > before + 1:
            problems.append(f"heading level skipped: h{before} then h{after} in {levels}")
            break
    return problems


def label_problems(page: Page) -> list[str]:
    controls = page.locator("input:not([type=hidden]), select, textarea")
    problems = []
    for index in range(controls.count()):
        control = controls.nth(index)
        try:
            expect(control).to_have_accessible_name(re.compile(r"\S"), timeout=200)
        except AssertionError:
            html = control.evaluate("el => el.outerHTML")[:160]
            problems.append(f"form control without an accessible name: {html}")
    return problems


FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim();
    const box = el.getBoundingClientRect();
    // A sticky or fixed bar (the quiz's buttons) must not hide the focused control.
    const coveredBy = [...document.querySelectorAll('body *')].filter(other => {
        const position = getComputedStyle(other).position;
        if (position !== 'sticky' && position !== 'fixed') return false;
        if (other.contains(el) || el.contains(other)) return false;
        const bar = other.getBoundingClientRect();
        return bar.height > 0 && box.top >= bar.top && box.bottom <= bar.bottom
            && box.left >= bar.left && box.right <= bar.right;
    }).map(other => other.tagName.toLowerCase() + '.' + other.className);
    return {
        key: el.tagName + '#' + el.id + '|' + (el.name || '') + '|' + text.slice(0, 60),
        outline: style.outlineStyle,
        width: parseFloat(style.outlineWidth) || 0,
        coveredBy: coveredBy,
    };
}"""


def focus_problems(page: Page) -> list[str]:
    """Tab through the page; every stop must show an outline and not be hidden."""
    problems, seen = [], set()
    for _ in range(MAX_TAB_STOPS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None or focused["key"] in seen:
            break
        seen.add(focused["key"])
        if focused["outline"] == "none" or focused["width"] == 0:
            problems.append(f"no visible focus outline on {focused['key']}")
        if focused["coveredBy"]:
            problems.append(f"focused {focused['key']} is hidden under {focused['coveredBy']}")
    if not seen:
        problems.append("Tab reached nothing on the page")
    return problems


def page_problems(page: Page) -> list[str]:
    """Run the checks that do not move focus: axe, headings and labels."""
    return axe_problems(page) + heading_problems(page) + label_problems(page)


def scheme_problems(page: Page, scheme: str, focus: bool = True) -> list[str]:
    """Every check in the light scheme (and Tab through the page unless `focus` is off);
    in the dark scheme, which changes only colours, axe's colour rules."""
    assert_scheme(page, scheme)
    if scheme == "dark":
        return axe_problems(page, COLOUR_RULES)
    return page_problems(page) + (focus_problems(page) if focus else [])
