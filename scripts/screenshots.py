"""Regenerate docs/screenshots/: the main pages, desktop and phone, light and dark.

Run it as `.venv/bin/python scripts/screenshots.py` (or `make screenshots`). It
starts the same live server as the browser tests (a fresh SQLite database in a
temporary folder, the real course loaded), lets a learner take two quizzes,
and photographs what that learner sees with Debian's Chromium.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from tests.browser.actions import (  # noqa: E402
    answer_by_mouse,
    answer_key,
    quiz_questions,
    register,
    start_quiz,
    take_quiz,
)
from tests.browser.live import (  # noqa: E402
    CHROMIUM,
    DESKTOP,
    PHONE,
    LiveServer,
    launch_chromium,
    start_live_server,
)

OUT = ROOT / "docs" / "screenshots"
LESSON = "understanding-military-diplomacy"
QUIZ_LESSON = "historical-evolution"
# Phone pages are shot at full length, cut at this height to keep the files small.
PHONE_MAX_HEIGHT = 2600


def prepare_learner(page: Page, live: LiveServer) -> dict[str, str]:
    """Make the learner's history; return the path of each page to photograph."""
    register(page, live, "screenshots@example.com")
    take_quiz(page, live, LESSON, wrong=2)
    result = page.url.removeprefix(live.url)
    start_quiz(page, live, QUIZ_LESSON)
    quiz = page.url.removeprefix(live.url)
    return {
        "course": "/",
        "lesson": f"/lessons/{LESSON}",
        "quiz": quiz,
        "result": result,
        "progress": "/progress",
    }


def shoot(page: Page, live: LiveServer, name: str, path: str, device: str, scheme: str) -> Path:
    response = page.goto(live(path))
    assert response is not None and response.status == 200, f"{path}: {response}"
    if name == "quiz":
        # Show a quiz in progress: the first answers picked, as a learner would.
        for item in quiz_questions(page, answer_key(live, QUIZ_LESSON))[:3]:
            answer_by_mouse(item)
        # Let the autosave settle, so the picture does not say "Saving…".
        page.wait_for_function("() => !document.body.innerText.includes('Saving…')")
        page.evaluate("() => { document.activeElement.blur(); window.scrollTo(0, 0); }")
    target = OUT / f"{name}-{device}-{scheme}.png"
    if device == "phone":
        # A viewport as tall as the page (not a full-page capture), so the quiz's sticky
        # buttons sit at the bottom of the picture instead of across the middle.
        height = page.evaluate("() => document.documentElement.scrollHeight")
        page.set_viewport_size({"width": PHONE["width"], "height": min(height, PHONE_MAX_HEIGHT)})
        page.screenshot(path=target)
        page.set_viewport_size(PHONE)
    else:
        page.screenshot(path=target)
    return target


def main() -> int:
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} not found: install it with `apt-get install chromium`.", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as directory:
        live = start_live_server(Path(directory))
        try:
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright)
                context = browser.new_context(viewport=DESKTOP)
                pages = prepare_learner(context.new_page(), live)
                state = context.storage_state()
                context.close()
                for scheme in ("light", "dark"):
                    for device, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
                        context = browser.new_context(
                            viewport=viewport, color_scheme=scheme, storage_state=state
                        )
                        page = context.new_page()
                        for name, path in pages.items():
                            target = shoot(page, live, name, path, device, scheme)
                            print(target.relative_to(ROOT))
                        context.close()
                browser.close()
        finally:
            live.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
