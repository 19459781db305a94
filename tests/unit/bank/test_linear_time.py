"""An author's file never takes the server longer than its size warrants.

Each shape below once made a reader (or the grader) quadratic or worse: a comment
of repeated '[tag:' took 72 s at 128 KB, a block with a bad weight on every line
42 s at 1 MB, a wildcard answer '*a*a*a*a*b' 208 s against 500 characters. Every
measurement is the best of 5 runs in a fresh Python killed after 10 s
(`tests/support/timing.py`); the 1 MB input may take at most 40× the 64 KB one
(linear is about 16×, quadratic about 256×).
"""

from __future__ import annotations

import pytest

from tests.support.timing import KB, assert_linear, best_of

pytestmark = pytest.mark.slow

GIFT = "from app.bank.gift import parse_gift\n"
AIKEN = "from app.bank.aiken import parse_aiken\n"

# Each builds `text` of about SIZE characters.
GIFT_SHAPES = {
    "a comment of repeated [tag:": "text = '// ' + '[tag:' * (SIZE // 5) + '\\n::t::Q{T}\\n'",
    "a comment of repeated [id:": "text = '// ' + '[id:' * (SIZE // 4) + '\\n::t::Q{T}\\n'",
    "a bad weight on every line of one block": (
        "text = '::t::Q{\\n' + '~%x%a\\n' * (SIZE // 6) + '}\\n'"
    ),
    "a bad number on every line of one block": (
        "text = '::t::Q{#\\n' + '=1..x\\n' * (SIZE // 6) + '}\\n'"
    ),
}
# The real course's question banks, repeated (ids made unique) to SIZE, cut at a blank line.
COURSE_GIFT = """
import itertools, pathlib, re
source = "\\n\\n".join(
    path.read_text(encoding="utf-8")
    for path in sorted(pathlib.Path("questions/lessons").glob("*.gift"))
)
counter = itertools.count()
copies, total = [], 0
while total < SIZE:
    copy = re.sub(r"\\[id:([^\\]]+)\\]", lambda m: f"[id:{m.group(1)}-{next(counter)}]", source)
    copies.append(copy)
    total += len(copy) + 2
text = "\\n\\n".join(copies)
text = text[: text.rfind("\\n\\n", 0, SIZE)]
"""
# Many questions: an import reads one past IMPORT_MAX_QUESTIONS (500) and is refused.
MANY_GIFT_QUESTIONS = "text = '::t::Q{~%x%a ~b}\\n\\n' * (SIZE // 17)"
MANY_AIKEN_QUESTIONS = (
    "text = 'Which city hosts the embassy?\\nA. Paris\\nB. Rome\\nANSWER: B\\n\\n' * (SIZE // 52)"
)
AIKEN_SHAPES = {
    "options before any question": "text = 'A. x\\n' * (SIZE // 5)",
    "one question with every option out of order": "text = 'Q?\\n' + 'B. x\\n' * (SIZE // 5)",
}
# A lesson file for the course loader, in a temporary folder, read by `read_lesson`.
LESSON = """
import pathlib, tempfile
from app.course.files import CourseFileError, read_lesson
scratch = tempfile.TemporaryDirectory()  # removed when the child exits
folder = pathlib.Path(scratch.name)
(folder / "x.md").write_text({body}, encoding="utf-8")
def read():
    try:
        read_lesson(folder, "x")
    except CourseFileError:
        pass
"""
LESSON_SHAPES = {
    "front matter never closed": "'+++\\n' + '+++ x\\n' * (SIZE // 6)",
    "a closing line that is almost one": "'+++\\n' + ('+++' + ' ' * 60 + 'x\\n') * (SIZE // 64)",
    "front matter with a huge list": (
        "'+++\\ntitle = \"t\"\\nobjectives = [' + '\"o\",' * (SIZE // 4) + ']\\n+++\\nText.\\n'"
    ),
}


@pytest.mark.parametrize("shape", list(GIFT_SHAPES))
def test_gift_reader_is_linear_on_hostile_shapes(shape: str) -> None:
    assert_linear(GIFT + GIFT_SHAPES[shape], "parse_gift(text)")


def test_gift_reader_is_linear_on_course_text() -> None:
    assert_linear(GIFT + COURSE_GIFT, "parse_gift(text)")


@pytest.mark.parametrize("shape", list(AIKEN_SHAPES))
def test_aiken_reader_is_linear(shape: str) -> None:
    assert_linear(AIKEN + AIKEN_SHAPES[shape], "parse_aiken(text)")


@pytest.mark.parametrize("shape", list(LESSON_SHAPES))
def test_course_loader_reads_a_lesson_file_in_linear_time(shape: str) -> None:
    assert_linear(LESSON.format(body=LESSON_SHAPES[shape]), "read()")


def test_an_import_of_many_questions_stops_reading_past_the_cap() -> None:
    assert_linear(GIFT + MANY_GIFT_QUESTIONS, "parse_gift(text, 500)")
    assert_linear(AIKEN + MANY_AIKEN_QUESTIONS, "parse_aiken(text, 500)")


def test_a_long_lesson_body_renders_in_linear_time() -> None:
    """One anchor repeated over the lesson: 'appears twice' was counted per anchor.

    Sizes stay under the lesson text limit (200,000 characters), which refuses more unread.
    """
    body = "'+++\\ntitle = \"t\"\\n+++\\n' + '{#p-1}\\nA paragraph.\\n\\n' * (SIZE // 28)"
    assert_linear(LESSON.format(body=body), "read()", small=4 * KB, large=64 * KB)


def test_short_answer_wildcards_do_not_backtrack() -> None:
    """'*a*a*a*a*b' against 500 'a's took 208 s with a regular expression; 50 vs 500 here."""
    setup = "from app.bank.grading import short_answer_matches\ngiven = 'a' * SIZE\n"
    grade = "for _ in range(200):\n    assert not short_answer_matches('*a*a*a*a*b', given)"
    assert_linear(setup, grade, small=50, large=500)


def test_the_timing_helper_fails_a_run_that_outlasts_its_timeout() -> None:
    """The guard these tests rely on: a slow run is killed and reported as a failure."""
    with pytest.raises(pytest.fail.Exception, match="did not finish"):
        best_of("import time", "time.sleep(2)", 1, runs=1, timeout=0.5)


def test_the_ratio_rule_tells_quadratic_from_linear() -> None:
    """A deliberately quadratic statement fails the rule that linear readers pass."""
    setup = "text = 'a' * SIZE"
    quadratic = "sum(text.count('a', 0, i) for i in range(0, SIZE, 8))"
    with pytest.raises(AssertionError, match="linear code stays within"):
        assert_linear(setup, quadratic, small=4096, large=65536)
