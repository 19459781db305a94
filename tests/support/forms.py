"""Fill and send forms as a browser would: CSRF tokens, the quiz page's version."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """Fetch a page and return the CSRF token of its form (as a browser would have it)."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(
    client: FlaskClient,
    path: str,
    data: dict[str, Any],
    token_from: str | None = None,
    **kwargs: Any,
):
    """POST a form with a valid CSRF token taken from `token_from` (default: the same page)."""
    token = csrf_token(client, token_from or path)
    return client.post(path, data={**data, "csrf_token": token}, **kwargs)


def quiz_fields(client: FlaskClient, quiz_url: str) -> dict[str, str]:
    """Return the hidden fields a quiz page's form sends: the CSRF token and page version."""
    page = client.get(quiz_url).get_data(as_text=True)
    match = re.search(r'name="seq" value="(\d+)"', page)
    assert match, f"no page version on {quiz_url}"
    return {"csrf_token": csrf_token(client, quiz_url), "seq": match.group(1)}


def start_quiz(client: FlaskClient, slug: str) -> str:
    """Start (or resume) a lesson's quiz as a learner would; return the quiz URL."""
    response = client.post(
        f"/lessons/{slug}/quiz", data={"csrf_token": csrf_token(client, f"/lessons/{slug}")}
    )
    assert response.status_code == 302, response.status_code
    return response.headers["Location"]


def quiz_settings_form(**values: str | None) -> dict[str, str]:
    """Return a lesson settings form as a browser sends it: the defaults, then `values`.

    A value of None leaves the field out (an unticked checkbox).
    """
    from app.course.settings import REVIEW_PARTS, QuizSettings

    form: dict[str, str | None] = {
        "pass_mark": "60",
        "max_attempts": "0",
        "time_limit_minutes": "0",
        "draw": "0",
        "shuffle_questions": "y",
        "shuffle_choices": "y",
        "counted_score": "highest",
        **{f"review_{part}": QuizSettings().review_timing(part) for part in REVIEW_PARTS},
        **values,
    }
    return {name: value for name, value in form.items() if value is not None}
