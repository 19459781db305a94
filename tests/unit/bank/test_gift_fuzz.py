"""Any text at all: the readers never raise, and what reads cleanly writes back the same."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from app.bank.aiken import parse_aiken
from app.bank.gift import parse_gift, write_gift
from app.bank.model import QUESTION_TYPES, QuestionData

_TOKENS = st.sampled_from(
    [
        "::",
        "{",
        "}",
        "=",
        "~",
        "#",
        "####",
        "%50%",
        "%-100%",
        "%abc%",
        "->",
        " -> ",
        "T",
        "FALSE",
        "true",
        "\\",
        "\\n",
        "\\{",
        "\\=",
        "//",
        "// [id:a]",
        "// [id:b] [tag:x]",
        "[tag:",
        "[html]",
        "[moodle]",
        "$CATEGORY: c",
        "\n",
        "\n\n",
        "\r\n",
        "#1..5",
        "#3.14:0.01",
        ":",
        "..",
        "*",
        "_____",
        "A) ",
        "B. ",
        "ANSWER: A",
        "Q?",
        "word",
        " ",
        "\t",
        "\ufeff",
    ]
)
_GIFTISH = st.lists(st.one_of(_TOKENS, st.text(max_size=3)), max_size=40).map("".join)


def _comparable(question: QuestionData) -> QuestionData:
    return dataclasses.replace(question, line=0, warnings=[])


@settings(max_examples=300, deadline=None)
@given(_GIFTISH)
def test_the_gift_reader_never_raises_and_every_question_has_a_type_and_a_line(text: str) -> None:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    for question in parse_gift(text):
        assert question.type in QUESTION_TYPES
        assert 1 <= question.line <= lines


@settings(max_examples=300, deadline=None)
@given(_GIFTISH)
def test_questions_read_without_errors_write_back_and_read_the_same(text: str) -> None:
    clean = [q for q in parse_gift(text) if not q.errors]
    again = parse_gift(write_gift(clean))
    assert [_comparable(q) for q in again] == [_comparable(q) for q in clean]
    third = parse_gift(write_gift(again))
    assert [dataclasses.replace(q, line=0) for q in third] == [
        dataclasses.replace(q, line=0) for q in again
    ]


@settings(max_examples=300, deadline=None)
@given(_GIFTISH)
def test_the_aiken_reader_never_raises(text: str) -> None:
    for question in parse_aiken(text):
        assert question.type in ("single", "description")
        assert question.line >= 1
