"""Silencing a rule with a reason: '// lint-ok: rule — why' in the question's comments."""

from __future__ import annotations

import pytest

from app.bank.gift import parse_gift, write_gift
from app.bank.lint import lint_quiz, split
from app.bank.lint.silences import format_silence, parse_silence
from tests.unit.lint.helpers import bank

LESSON_STEM = "::Envoys::According to the lesson, who sends envoys?{=States ~Banks ~Shops}"


@pytest.mark.parametrize(
    "comment",
    [
        "// lint-ok: stem-says-lesson — asked only inside its own lesson",
        "// lint-ok: stem-says-lesson – asked only inside its own lesson",
        "// lint-ok: stem-says-lesson - asked only inside its own lesson",
        "// lint-ok: stem-says-lesson: asked only inside its own lesson",
        "//lint-ok:stem-says-lesson —asked only inside its own lesson",
        "  // LINT-OK: Stem-Says-Lesson — asked only inside its own lesson",
    ],
)
def test_a_silence_is_read_with_any_of_the_separators(comment):
    assert parse_silence(comment) == ("stem-says-lesson", "asked only inside its own lesson")


def test_other_comments_are_not_silences():
    assert parse_silence("// [id:x] [tag:difficulty-easy]") is None
    assert parse_silence("// a note about lint") is None
    assert parse_silence("not a comment lint-ok: x — y") is None


def test_a_silence_without_a_rule_or_a_reason_is_read_as_such():
    assert parse_silence("// lint-ok: key-length") == ("key-length", "")
    assert parse_silence("// lint-ok: — because") == ("", "because")


def test_the_reader_keeps_silences_on_the_question_and_the_writer_writes_them_back():
    text = (
        "// [id:e1] [tag:difficulty-easy]\n"
        "// lint-ok: stem-says-lesson — asked only inside its own lesson\n"
        f"{LESSON_STEM}\n"
    )
    (question,) = parse_gift(text)
    assert question.lint_ok == {"stem-says-lesson": "asked only inside its own lesson"}
    assert question.tags == ["difficulty-easy"]
    written = write_gift([question])
    assert "// lint-ok: stem-says-lesson — asked only inside its own lesson\n" in written
    (again,) = parse_gift(written)
    assert again.lint_ok == question.lint_ok


def test_a_silence_cut_off_by_a_blank_line_is_warned_about():
    (question,) = parse_gift(f"// lint-ok: key-length — long names\n\n{LESSON_STEM}\n")
    assert question.lint_ok == {}
    assert question.warnings == [
        "the lint-ok comment on line 1 belongs to no question: a blank line separates it from "
        "the next question, so it silences nothing"
    ]


def test_a_silence_given_twice_keeps_the_last_and_says_so():
    (question,) = parse_gift(
        f"// lint-ok: key-length — one\n// lint-ok: key-length — two\n{LESSON_STEM}"
    )
    assert question.lint_ok == {"key-length": "two"}
    assert question.warnings == ["'lint-ok: key-length' is given twice: the last is kept"]


def test_the_writer_refuses_a_reason_that_would_read_back_differently():
    (question,) = parse_gift(LESSON_STEM)
    for reason in ("two\nlines", " padded", "see [tag:x]"):
        question.lint_ok = {"key-length": reason}
        with pytest.raises(ValueError, match="cannot be written in GIFT"):
            write_gift([question])


def test_a_silence_with_a_reason_sets_the_finding_aside_and_keeps_the_reason():
    quiz = bank(f"// lint-ok: stem-says-lesson — asked only inside its own lesson\n{LESSON_STEM}")
    active, silenced = split(lint_quiz(quiz))
    assert "stem-says-lesson" not in [f.rule for f in active]
    (quiet,) = silenced
    assert (quiet.finding.rule, quiet.reason) == (
        "stem-says-lesson",
        "asked only inside its own lesson",
    )
    assert quiet.as_dict()["reason"] == "asked only inside its own lesson"


def test_without_a_silence_the_finding_stands():
    active, silenced = split(lint_quiz(bank(LESSON_STEM)))
    assert [f.rule for f in active] == ["stem-says-lesson"]
    assert silenced == []


def test_a_silence_without_a_reason_silences_nothing_and_is_reported():
    active, silenced = split(lint_quiz(bank(f"// lint-ok: stem-says-lesson\n{LESSON_STEM}")))
    assert sorted(f.rule for f in active) == ["lint-ok-no-reason", "stem-says-lesson"]
    assert silenced == []


def test_a_silence_naming_an_unknown_rule_is_reported():
    active, _ = split(lint_quiz(bank(f"// lint-ok: longest-key — typo\n{LESSON_STEM}")))
    (unknown,) = [f for f in active if f.rule == "lint-ok-unknown-rule"]
    assert unknown.evidence == {"rule": "longest-key", "reason": "typo"}


def test_the_silence_rules_cannot_themselves_be_silenced():
    text = f"// lint-ok: lint-ok-unknown-rule — hush\n// lint-ok: nope — x\n{LESSON_STEM}"
    active, _ = split(lint_quiz(bank(text)))
    assert [f.evidence["rule"] for f in active if f.rule == "lint-ok-unknown-rule"] == [
        "lint-ok-unknown-rule",
        "nope",
    ]


def test_a_quiz_finding_is_silenced_by_any_question_it_is_about():
    quiz = bank(
        "// [id:a]\n// lint-ok: tf-balance — the lesson's claims are all myths to debunk\n"
        "Myth one.{F}\n\n// [id:b]\nMyth two.{F}\n\n// [id:c]\nMyth three.{F}"
    )
    active, silenced = split(lint_quiz(quiz))
    assert "tf-balance" not in [f.rule for f in active]
    assert [s.finding.rule for s in silenced] == ["tf-balance"]


def test_format_and_parse_agree():
    assert parse_silence(format_silence("key-length", "names are long")) == (
        "key-length",
        "names are long",
    )
