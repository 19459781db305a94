"""Reading Moodle's Aiken format, and its errors by line."""

from __future__ import annotations

from app.bank.aiken import parse_aiken
from app.bank.model import Choice

GOOD = """\
What is the capital of France?
A. Berlin
B) Paris
C. Madrid
ANSWER: B

Which sea is the saltiest?
A) Dead Sea
B) Red Sea
ANSWER: A
"""


def test_aiken_questions_are_single_choice_with_one_right_option() -> None:
    first, second = parse_aiken(GOOD)
    assert first.type == "single"
    assert first.prompt == "What is the capital of France?"
    assert first.line == 1
    assert first.text_format == "plain"
    assert first.choices == [Choice("Berlin", 0.0), Choice("Paris", 1.0), Choice("Madrid", 0.0)]
    assert first.errors == [] and first.warnings == []
    assert second.line == 7
    assert second.choices == [Choice("Dead Sea", 1.0), Choice("Red Sea", 0.0)]


def test_blank_lines_between_questions_are_optional() -> None:
    text = "Q1\nA) a\nB) b\nANSWER: A\nQ2\nA) c\nB) d\nANSWER: B\n"
    assert [q.prompt for q in parse_aiken(text)] == ["Q1", "Q2"]


def test_options_need_no_space_after_the_letter_as_in_moodle() -> None:
    (q,) = parse_aiken(
        "A second good question\nA)Incorrect (No space)\nB)Correct (No space)\nANSWER: B"
    )
    assert q.choices == [
        Choice("Incorrect (No space)", 0.0),
        Choice("Correct (No space)", 1.0),
    ]


def test_html_characters_stay_as_plain_text() -> None:
    (q,) = parse_aiken("Is 1 < 2 & 3 > 2?\nA) Yes <b>\nB) No\nANSWER: A")
    assert q.prompt == "Is 1 < 2 & 3 > 2?"
    assert q.choices[0].text == "Yes <b>"


def test_windows_line_endings_and_a_byte_order_mark() -> None:
    assert parse_aiken("\ufeff" + GOOD.replace("\n", "\r\n")) == parse_aiken(GOOD)


def test_surrounding_whitespace_and_one_character_lines_are_ignored() -> None:
    (q,) = parse_aiken("   Q?  \n x\n  A) a \n\tB) b\nANSWER:   A  ")
    assert q.prompt == "Q?"
    assert q.choices == [Choice("a", 1.0), Choice("b", 0.0)]
    assert q.errors == []


def test_a_trailing_full_stop_after_the_answer_letter_is_accepted() -> None:
    (q,) = parse_aiken("Q?\nA) a\nB) b\nANSWER: B.")
    assert q.errors == []


def test_a_missing_answer_line_at_the_end_of_the_file() -> None:
    (q,) = parse_aiken("Q?\nA) a\nB) b\n")
    assert q.errors == ["missing ANSWER line: no 'ANSWER: X' before the end of the file"]


def test_a_missing_answer_line_before_the_next_question_keeps_the_next_one_intact() -> None:
    text = "A question started but not finished\nA) a\nB) b\n\nNext\nA) c\nB) d\nANSWER: A"
    first, second = parse_aiken(text)
    assert first.errors == [
        "missing ANSWER line: no 'ANSWER: X' before the next question starts on line 5 "
        "(a question's text must fit on one line)"
    ]
    assert second.errors == []
    assert second.line == 5


def test_an_answer_letter_that_is_not_an_option() -> None:
    (q,) = parse_aiken("Q?\nA) a\nB) b\nANSWER: D")
    assert q.errors == ["line 4: answer letter 'D' is not among the options (A–B)"]


def test_a_lowercase_answer_letter_is_not_an_option() -> None:
    (q,) = parse_aiken("Q?\nA) a\nB) b\nANSWER: b")
    assert q.errors == ["line 4: answer letter 'b' is not among the options (A–B)"]


def test_an_answer_line_without_a_letter() -> None:
    (q,) = parse_aiken("Q?\nA) a\nB) b\nANSWER:")
    assert q.errors == ["line 4: the ANSWER line has no letter"]


def test_an_answer_naming_two_letters_is_refused() -> None:
    (q,) = parse_aiken("Q?\nA) a\nB) b\nANSWER: A, B")
    assert q.errors == [
        "line 4: 'ANSWER: A, B' must name exactly one letter (Aiken has one right answer)"
    ]


def test_fewer_than_two_options() -> None:
    (q,) = parse_aiken("A question with too few answers\nA) Only answer\nANSWER: A")
    assert q.errors == ["line 3: a question needs at least 2 options; found 1"]


def test_an_option_before_any_question() -> None:
    (stray, good) = parse_aiken("A) Question not started\n\nQ?\nA) a\nB) b\nANSWER: A")
    assert stray.type == "description"
    assert stray.line == 1
    assert stray.errors == ["line 1: option 'A) Question not started' comes before any question"]
    assert good.errors == []


def test_an_answer_line_before_any_question() -> None:
    (stray,) = parse_aiken("ANSWER: A")
    assert stray.errors == ["line 1: ANSWER line 'ANSWER: A' comes before any question"]


def test_options_out_of_order_are_refused_since_moodle_counts_them_by_position() -> None:
    (q,) = parse_aiken("Q?\nA) a\nC) c\nANSWER: C")
    assert q.errors == [
        "line 3: option 'C' is out of order: expected 'B' "
        "(Moodle reads the ANSWER letter by position)"
    ]


def test_an_empty_option() -> None:
    (q,) = parse_aiken("Q?\nA) a\nB)\nANSWER: A")
    assert q.errors == ["line 3: option 'B' is empty"]


def test_a_lowercase_answer_keyword_is_reported_instead_of_starting_a_question() -> None:
    (q,) = parse_aiken("Q?\nA) a\nB) b\nAnswer: A")
    assert q.errors == [
        "line 4: 'Answer: A' is not an answer line: write 'ANSWER: X' in capitals with a colon"
    ]


def test_moodles_error_fixture_reads_like_moodle_reports_it() -> None:
    # question/format/aiken/tests/fixtures/aiken_errors.txt, with Moodle's expected errors.
    text = (
        "A question with too few answers\nA) Only answer\nANSWER: A\n\n"
        "A) Question not started\n\nANSWER: Question not started\n\n"
        "A good question\nA) Correct\nB) Incorrect\nANSWER: A\n\n"
        "A question started but not finished\nA) Correct-ish\nB) Incorrect-ish\n\n"
        "A second good question\nA)Incorrect (No space)\nB)Correct (No space)\nANSWER: B"
    )
    questions = parse_aiken(text)
    good = [q for q in questions if not q.errors]
    assert [q.prompt for q in good] == ["A good question", "A second good question"]
    assert good[0].choices[0].fraction == 1.0
    assert good[1].choices[1].fraction == 1.0
    errors = [e for q in questions for e in q.errors]
    assert any("at least 2 options" in e and e.startswith("line 3:") for e in errors)
    assert any(e.startswith("line 5:") and "before any question" in e for e in errors)
    assert any(e.startswith("line 7:") and "before any question" in e for e in errors)
    assert any("next question starts on line 18" in e for e in errors)


def test_an_empty_file_has_no_questions() -> None:
    assert parse_aiken("") == []
