"""Security headers on every response, and pages that work under the Content-Security-Policy.

The access matrix (test_access_matrix.py) checks the headers on every route for every
role; this file covers the responses it does not make (errors, static files) and reads
the templates and scripts for anything the policy would block.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT
from app.security import CONTENT_SECURITY_POLICY
from tests.support import make_app

EXPECTED = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
STRICT_REFERRER_POLICIES = {
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
}


def assert_security_headers(response) -> None:
    """Assert the full set of security headers (used by the access matrix too)."""
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, f"{name} on {response.request.path}"
    assert response.headers["Referrer-Policy"] in STRICT_REFERRER_POLICIES
    permissions = response.headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment"):
        assert f"{feature}=()" in permissions


def assert_framed_headers(response, origin: str) -> None:
    """Assert the security headers of a page the LMS at `origin` may frame (and nobody else)."""
    framed = {**EXPECTED}
    del framed["X-Frame-Options"]
    framed["Content-Security-Policy"] = EXPECTED["Content-Security-Policy"].replace(
        "frame-ancestors 'none'", f"frame-ancestors {origin}"
    )
    for name, value in framed.items():
        assert response.headers.get(name) == value, f"{name} on {response.request.path}"
    assert "X-Frame-Options" not in response.headers


def test_the_policy_allows_no_inline_script_or_style():
    directives = dict(
        part.strip().split(" ", 1) for part in CONTENT_SECURITY_POLICY.split(";") if part.strip()
    )
    for directive in ("script-src", "style-src", "default-src"):
        assert "'unsafe-inline'" not in directives[directive]
        assert "'unsafe-eval'" not in directives[directive]
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        ("/login", 200),
        ("/register", 200),
        ("/lessons/first-lesson", 200),
        ("/lessons/no-such-lesson", 404),
        ("/logout", 405),
        ("/static/css/app.css", 200),
        ("/static/no-such-file.css", 404),
    ],
)
def test_every_kind_of_response_has_the_headers(client, course, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert_security_headers(response)


def test_a_refused_form_has_the_headers(client, course):
    response = client.post("/login", data={"email": "x@example.com"})  # no CSRF token
    assert response.status_code == 400
    assert_security_headers(response)


def test_a_server_error_page_has_the_headers(database_url):
    app = make_app(database_url, PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    with app.app_context():
        response = app.test_client().get("/boom")
        assert response.status_code == 500
        assert_security_headers(response)


def test_pages_are_not_cached_but_static_files_may_be(client, course):
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/static/css/app.css").headers.get("Cache-Control", "")


def test_no_hsts_over_plain_http_by_default(client, course):
    assert "Strict-Transport-Security" not in client.get("/").headers


# --- what the policy would block -----------------------------------------------------------

INLINE_PATTERNS = {
    "an inline <script> (use a file in static/js)": re.compile(
        r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE
    ),
    "a style attribute (use a class in static/css)": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "an inline event handler (bind it in static/js)": re.compile(
        r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE
    ),
    "a javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "an inline <style> block (use static/css)": re.compile(r"<style\b", re.IGNORECASE),
}
SCRIPT_PATTERNS = {
    "eval() (blocked without 'unsafe-eval')": re.compile(r"\beval\s*\("),
    "new Function() (blocked without 'unsafe-eval')": re.compile(r"\bnew\s+Function\s*\("),
    "a string timer (blocked without 'unsafe-eval')": re.compile(
        r"\bset(?:Timeout|Interval)\s*\(\s*[\"'`]"
    ),
    "a style attribute set from script": re.compile(r"setAttribute\(\s*[\"']style[\"']"),
    "an inline handler set from script": re.compile(r"setAttribute\(\s*[\"']on[a-z]+[\"']"),
}


def _offences(paths, patterns) -> list[str]:
    found = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for what, pattern in patterns.items():
                if pattern.search(line):
                    found.append(f"{path.relative_to(PROJECT_ROOT)}:{number}: {what}")
    return found


def test_templates_have_nothing_the_policy_would_block():
    templates = sorted((PROJECT_ROOT / "templates").rglob("*.html"))
    assert templates
    assert _offences(templates, INLINE_PATTERNS) == []


def test_scripts_have_nothing_the_policy_would_block():
    scripts = sorted(Path(PROJECT_ROOT / "static").rglob("*.js"))
    assert _offences(scripts, SCRIPT_PATTERNS) == []


JAVASCRIPT_URL = re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.I)


def find_inline_markup(html: str) -> list[str]:
    """List what in a rendered page the policy would block (used by the access matrix)."""
    found = [
        what
        for what, pattern in INLINE_PATTERNS.items()
        if what != "a javascript: URL" and pattern.search(html)
    ]
    if JAVASCRIPT_URL.search(html):
        found.append("a javascript: URL")
    return found


@pytest.mark.parametrize(
    "path", ["/instructor/export.gift", "/instructor/lessons/first-lesson/export.gift"]
)
def test_a_download_is_never_cached(instructor_client, course, path):
    response = instructor_client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"


def test_every_download_goes_through_the_one_helper():
    """A file to save is made by app.security.download, which marks it no-store."""
    makers = sorted(
        str(path.relative_to(PROJECT_ROOT))
        for path in (PROJECT_ROOT / "app").rglob("*.py")
        if "Content-Disposition" in path.read_text(encoding="utf-8")
    )
    assert makers == ["app/security.py"]
