"""A learner's answers are saved as they go, survive a lost connection and a reload."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.actions import answer_by_mouse, answer_key, quiz_questions, register, start_quiz
from tests.browser.live import LiveServer

pytestmark = pytest.mark.browser
SLUG = "key-strategies"


def test_answers_save_as_the_learner_goes_and_a_lost_connection_is_shown_until_it_returns(
    live_server: LiveServer, browser: Any
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    try:
        register(page, live_server, f"autosave-{uuid.uuid4().hex[:8]}@example.com")
        start_quiz(page, live_server, SLUG)
        items = quiz_questions(page, answer_key(live_server, SLUG))
        total = len(items)
        status = page.locator("#save-status")

        answer_by_mouse(items[0])
        expect(status).to_have_text("All answers saved.")
        expect(page.locator("#quiz-progress")).to_contain_text(f"1 of {total} answered")

        # The network drops: the learner is told, and the script keeps retrying.
        context.set_offline(True)
        answer_by_mouse(items[1])
        expect(status).to_contain_text("Connection lost — your last answers are not saved yet")
        expect(page.locator("#quiz-progress")).to_contain_text(f"2 of {total} answered")

        # It comes back: the retry saves, and the warning goes away.
        context.set_offline(False)
        expect(status).to_have_text("All answers saved.", timeout=20_000)

        # A reload (or coming back later) shows both answers as saved on the server.
        page.reload()
        items = quiz_questions(page, answer_key(live_server, SLUG))
        expect(page.locator("#quiz-progress")).to_contain_text(f"2 of {total} answered")
        for item in items[:2]:
            kept = item.fieldset.evaluate(
                """fieldset => [...fieldset.querySelectorAll("input, select")].some(control =>
                    control.type === "radio" || control.type === "checkbox"
                        ? control.checked : control.value.trim() !== "")"""
            )
            assert kept, f"question {item.position} lost its answer"
    finally:
        context.close()
    assert script_errors == []


def test_a_save_the_server_cannot_store_is_not_saved_yet_and_is_retried(
    live_server: LiveServer, browser: Any
) -> None:
    from app.errors import NOT_SAVED

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        register(page, live_server, f"refused-{uuid.uuid4().hex[:8]}@example.com")
        start_quiz(page, live_server, SLUG)
        items = quiz_questions(page, answer_key(live_server, SLUG))
        status = page.locator("#save-status")

        # The database refuses writes (a full disk): the server answers 503 "not-saved",
        # as app/errors.py does; the page says so and keeps the answer to send again.
        refusal = {"status": "not-saved", "message": NOT_SAVED}
        page.route("**/save", lambda route: route.fulfill(status=503, json=refusal))
        answer_by_mouse(items[0])
        expect(status).to_contain_text(re.compile("last answers are not saved yet", re.I))

        # Writes work again: the script's retry stores the answer.
        page.unroute("**/save")
        expect(status).to_have_text("All answers saved.", timeout=20_000)
    finally:
        context.close()
