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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.live import CHROMIUM, LiveServer, launch_chromium, start_live_server

HERE = Path(__file__).parent
# Fixtures that run a test once per database; a browser test must not use them.
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
    """Open pages in fresh browser contexts (one per person), closed after the test."""
    contexts = []

    def open_page(**context_options: Any):
        options = {"viewport": {"width": 1280, "height": 900}, **context_options}
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
