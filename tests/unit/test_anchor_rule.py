"""One anchor rule: every anchor the course loader accepts is one the renderer keeps (so a
"Review this in the lesson" link reaches it) and one the lesson editor accepts, and the
loader refuses, naming file and line, every anchor the renderer would drop."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from app import create_app
from app.course.files import CourseFileError, read_lesson
from app.instructor.forms.lessons import LessonTextForm
from app.rendering import ANCHOR_MAX_LENGTH, anchor_problems, anchors_in, render_markdown

# Anchors near the rule's edges: lengths around the limit, case, hyphens, odd characters.
ANCHORS = st.one_of(
    st.text(alphabet="abcz09-", min_size=0, max_size=ANCHOR_MAX_LENGTH + 5),
    st.text(alphabet="aZ_.-é 9", min_size=1, max_size=12),
    st.integers(ANCHOR_MAX_LENGTH - 2, ANCHOR_MAX_LENGTH + 2).map(lambda n: "a" * n),
)
# Where the anchor line stands: above a paragraph, a list, a heading, after the text,
# inside a code block.
PLACES = st.sampled_from(
    [
        "Intro.\n\n{{#{a}}}\nA paragraph.\n",
        "{{#{a}}}\n- one\n- two\n",
        "{{#{a}}}\n## A heading\n",
        "A paragraph.\n{{#{a}}}\n",
        "```\n{{#{a}}}\n```\n",
    ]
)


@pytest.fixture(scope="module")
def flask_app() -> Flask:
    return create_app(
        {"TESTING": True, "WTF_CSRF_ENABLED": False, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )


def _loader_accepts(folder: Path, body: str) -> tuple[bool, CourseFileError | None]:
    (folder / "lesson.md").write_text(f'+++\ntitle = "T"\n+++\n{body}', encoding="utf-8")
    try:
        read_lesson(folder, "lesson")
    except CourseFileError as error:
        return False, error
    return True, None


def _form_accepts(app: Flask, body: str) -> bool:
    with app.test_request_context(method="POST"):
        form = LessonTextForm(formdata=MultiDict({"title": "T", "body_md": body}))
        form.validate()
        return not form.body_md.errors


@given(anchor=ANCHORS, place=PLACES)
def test_what_the_loader_accepts_the_renderer_keeps_and_the_form_accepts(
    anchor, place, flask_app, tmp_path_factory
):
    body = place.format(a=anchor)
    accepted, error = _loader_accepts(tmp_path_factory.mktemp("lesson"), body)
    assert accepted == _form_accepts(flask_app, body)
    if accepted:
        assert f'id="p-{anchor}"' in render_markdown(body)
        assert anchor in anchors_in(body)
    else:
        assert error is not None and error.line == 3 + anchor_problems(body)[0][0]


def test_a_too_long_anchor_is_refused_at_load_with_its_file_and_line(tmp_path):
    long_anchor = "a" * (ANCHOR_MAX_LENGTH + 1)
    body = f"Intro.\n\n{{#ok}}\nKept.\n\n{{#{long_anchor}}}\nDropped by the renderer.\n"
    assert long_anchor not in anchors_in(body)
    accepted, error = _loader_accepts(tmp_path, body)
    assert not accepted
    assert error.path.endswith("lesson.md") and error.line == 9
    assert f"at most {ANCHOR_MAX_LENGTH} characters" in error.message


def test_the_longest_anchor_is_kept_everywhere(tmp_path, flask_app):
    anchor = "a" * ANCHOR_MAX_LENGTH
    body = f"{{#{anchor}}}\nKept.\n"
    assert _loader_accepts(tmp_path, body) == (True, None)
    assert _form_accepts(flask_app, body)
    assert anchors_in(body) == [anchor]


def test_an_anchor_that_marks_nothing_is_refused(tmp_path):
    accepted, error = _loader_accepts(tmp_path, "Text.\n{#after}\n")
    assert not accepted and "marks nothing" in error.message and error.line == 5
