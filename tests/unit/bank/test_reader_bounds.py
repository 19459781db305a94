"""What keeps the readers linear gives the same answers as before: tokens, lines, wildcards.

The fast paths replace a regular expression (Moodle's id/tag pattern, the wildcard
pattern built from the author's answer) or a rescan (counting new lines for every
message); each is checked against the slow, obvious version. Error reports are
capped, and a capped report still refuses every question that has an error.
"""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from app.bank.aiken import parse_aiken
from app.bank.gift import _ID_RE, _TAG_RE, _ids, _tags, parse_gift
from app.bank.grading import normalise_text, short_answer_matches
from app.bank.limits import MAX_ERRORS_PER_FILE, MAX_ERRORS_PER_QUESTION, MAX_ROWS
from app.bank.reading import LineIndex, quote

TOKEN_TEXT = st.lists(
    st.sampled_from(["[id:", "[tag:", "]", "\\", "\\]", "a", " ", "<", "`", "\x01", "[", ":"]),
    max_size=16,
).map("".join)


@given(TOKEN_TEXT)
def test_ids_and_tags_are_what_moodles_pattern_finds(line: str) -> None:
    assert list(_ids(line)) == [match.group(1) for match in _ID_RE.finditer(line)]
    assert list(_tags(line)) == [match.group(1) for match in _TAG_RE.finditer(line)]


def _glob_by_regex(expected: str, given_text: str) -> bool:
    """The old matcher: a pattern built from the answer (fine for tiny inputs)."""
    parts = re.split(r"(\\\*|\*)", normalise_text(expected))
    pattern = "".join(
        ".*" if part == "*" else re.escape("*") if part == "\\*" else re.escape(part)
        for part in parts
    )
    return re.fullmatch(pattern, given_text, re.DOTALL) is not None


@given(
    st.text(alphabet="ab*\\ ", max_size=8),
    st.text(alphabet="ab* \\", max_size=10).map(normalise_text),
)
def test_wildcards_match_what_the_old_pattern_matched(expected: str, answer: str) -> None:
    assert short_answer_matches(expected, answer) == _glob_by_regex(expected, answer)


def test_wildcard_examples() -> None:
    assert short_answer_matches("*embassy*", "the embassy in rome")
    assert short_answer_matches("at*é", "attaché")
    assert not short_answer_matches("ab*b", "ab")  # first and last pieces may not overlap
    assert short_answer_matches("5\\*", "5*") and not short_answer_matches("5\\*", "50")
    assert not short_answer_matches("*a*a*a*a*b", "a" * 500)
    assert short_answer_matches("*a*a*a*a*b", "a" * 500 + "b")


def test_line_index_agrees_with_counting_new_lines() -> None:
    text = "one\ntwo\n\nfour\n"
    index = LineIndex(text, first_line=10)
    for offset in range(-1, len(text) + 2):
        assert index.line_of(offset) == 10 + text.count("\n", 0, max(offset, 0))


def test_an_error_deep_in_a_block_names_its_own_line() -> None:
    answers = "".join("~plain\n" for _ in range(30)) + "~%x%bad weight\n"
    [question] = parse_gift("::t::Which?{\n=right\n" + answers + "}\n")
    assert question.errors == ["line 33: weight 'x' is not a number"]


def test_errors_are_capped_per_question_and_say_how_many_more() -> None:
    block = "::t::Q{\n" + "~%x%a\n" * (MAX_ERRORS_PER_QUESTION + 15) + "}\n"
    [question] = parse_gift(block)
    assert len(question.errors) == MAX_ERRORS_PER_QUESTION + 1
    assert question.errors[0] == "line 2: weight 'x' is not a number"
    assert question.errors[-1].startswith("…and 15 more errors in this question")


def test_past_the_file_cap_every_bad_question_still_lists_its_first_error() -> None:
    count = MAX_ERRORS_PER_FILE + 10
    questions = parse_gift("::t::Q{~%x%a ~%y%b}\n\n" * count)  # two errors each
    listed = sum(len([e for e in q.errors if not e.startswith("…")]) for q in questions)
    # Two each until the file has listed its share, then one each.
    assert listed == MAX_ERRORS_PER_FILE + (count - MAX_ERRORS_PER_FILE // 2)
    assert all(q.errors for q in questions)
    assert questions[0].errors == ["weight 'x' is not a number", "weight 'y' is not a number"]
    assert questions[-1].errors[0] == "weight 'x' is not a number"
    assert questions[-1].errors[1].startswith("…and 1 more error in this question")


def test_warnings_are_capped_too() -> None:
    [question] = parse_gift("// " + "[tag:] " * 100 + "\nQ?{TRUE}\n")
    assert len(question.warnings) == MAX_ERRORS_PER_QUESTION + 1
    assert question.warnings[-1] == "…and 80 more warnings (not listed)"


def test_answers_past_the_row_limit_are_counted_not_read() -> None:
    block = "Which?{=right\n" + "~wrong\n" * (MAX_ROWS + 100) + "}\n"
    [question] = parse_gift(block)
    assert len(question.choices) == MAX_ROWS
    assert question.errors == [
        f"it has {MAX_ROWS + 101:,} answers; the web editor handles up to {MAX_ROWS}"
    ]
    aiken = "Which?\n" + "A. x\n" + "B. y\n" * (MAX_ROWS + 5) + "ANSWER: A\n"
    [question] = parse_aiken(aiken)
    assert len(question.choices) == MAX_ROWS  # and past 'Z' every option is out of order
    assert question.errors[-1].startswith("…and ")


def test_reading_stops_one_question_past_the_cap() -> None:
    assert len(parse_gift("Q{T}\n\n" * 10_000, max_questions=500)) == 501
    assert len(parse_gift("Q{T}\n\n" * 10, max_questions=500)) == 10
    aiken = "Which?\nA. x\nB. y\nANSWER: A\n\n" * 1_000
    assert len(parse_aiken(aiken, max_questions=500)) == 501


def test_quoted_input_is_short_and_on_one_line() -> None:
    assert quote("a\n b") == "a b"
    assert quote("x" * 60) == "x" * 60
    assert quote("x" * 400_000) == "x" * 57 + "..."
    [question] = parse_gift("Q{#" + "9" * 100_000 + "x}\n")
    assert all(len(error) < 200 for error in question.errors)
