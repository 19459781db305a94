"""Quiz rules: true/false balance and key positions, each with a flawed and a clean quiz."""

from __future__ import annotations

import pytest

from app.bank.lint import lint_quiz, shuffle_off_warnings
from app.bank.lint.quiz import key_position, tf_balance
from tests.unit.lint.helpers import bank


def statements(keys: str) -> list:
    """Build a quiz of true/false statements keyed as written ('TTF' = true, true, false)."""
    return bank(
        "\n\n".join(f"// [id:s{i}]\nStatement number {i}.{{{k}}}" for i, k in enumerate(keys))
    )


@pytest.mark.parametrize("keys", ["FF", "FFF", "TTTF", "FFFFTT", "TTTTTFF"])
def test_true_false_keys_leaning_to_one_side_are_flagged(keys):
    (found,) = tf_balance(statements(keys))
    assert found.rule == "tf-balance"
    assert (found.evidence["true"], found.evidence["false"]) == (keys.count("T"), keys.count("F"))
    assert [q.id for q in found.subjects] == [f"s{i}" for i in range(len(keys))]


@pytest.mark.parametrize("keys", ["", "F", "TF", "TFF", "TTFF", "TFTFT", "TTTFFF"])
def test_balanced_true_false_keys_pass(keys):
    assert tf_balance(statements(keys)) == []


def test_the_message_says_what_a_one_sided_guesser_scores():
    (found,) = tf_balance(statements("TFFF"))
    assert "1 true and 3 false" in found.message
    assert "answers 'false' every time scores 75%" in found.message


def choice_quiz(*positions: int) -> list:
    """Build single-choice questions with the key stored at the given (0-based) positions."""
    texts = []
    for number, position in enumerate(positions):
        options = [f"~Wrong {number}-{i}" for i in range(3)]
        options.insert(position, f"=Right {number}")
        texts.append(f"// [id:c{number}]\nQuestion {number}?{{{' '.join(options)}}}")
    return bank("\n\n".join(texts))


def test_keys_always_stored_first_are_flagged():
    (found,) = key_position(choice_quiz(0, 0, 0))
    assert found.evidence["positions"] == {"c0": 1, "c1": 1, "c2": 1}
    assert "3 of the 3 single-choice keys are stored as option 1" in found.message


def test_keys_mostly_in_one_place_are_flagged_too():
    (found,) = key_position(choice_quiz(2, 2, 2, 0))
    assert "3 of the 4 single-choice keys are stored as option 3" in found.message
    assert [q.id for q in found.subjects] == ["c0", "c1", "c2"]


def test_keys_at_varied_positions_pass():
    assert key_position(choice_quiz(0, 2, 1, 3)) == []
    assert key_position(choice_quiz(0, 0)) == []  # too few to tell


MULTIS_FIRST = """// [id:m1]
Which two?{~%50%a ~%50%b ~%-50%c ~%-50%d}

// [id:m2]
Which two again?{~%50%e ~%50%f ~%-50%g ~%-50%h}"""
MULTIS_VARIED = """// [id:m1]
Which two?{~%-50%c ~%50%a ~%-50%d ~%50%b}

// [id:m2]
Which two again?{~%50%e ~%-50%g ~%-50%h ~%50%f}"""


def test_multiple_response_keys_always_stored_first_are_flagged():
    (found,) = key_position(bank(MULTIS_FIRST))
    assert found.evidence["positions"] == {"m1": [1, 2], "m2": [1, 2]}


def test_multiple_response_keys_at_varied_positions_pass():
    assert key_position(bank(MULTIS_VARIED)) == []


IN_ORDER = """// [id:x1]
Match them.{=A -> one =B -> two =C -> three}"""
SPARE_FIRST = """// [id:x1]
Match them.{= -> zero =A -> one =B -> two =C -> three}"""


def test_matching_pairs_answered_in_stored_order_are_flagged():
    (found,) = key_position(bank(IN_ORDER))
    assert found.evidence == {"questions": ["x1"]}


def test_a_spare_answer_written_before_a_pair_breaks_the_order():
    assert key_position(bank(SPARE_FIRST)) == []


def test_the_settings_can_warn_when_shuffling_is_off():
    warnings = shuffle_off_warnings(choice_quiz(0, 0, 2) + bank(IN_ORDER))
    assert warnings == [
        "In every matching question row i's answer is the i-th answer shown unshuffled: with "
        "shuffling off, answering in order scores them all. Write a spare answer ('= -> …') "
        "before some pairs.",
        "2 of the 3 single-choice keys are stored as option 1, so unshuffled they are easy to "
        "guess.",
    ]
    assert shuffle_off_warnings(choice_quiz(0, 2, 1) + bank(SPARE_FIRST)) == []


def test_lint_quiz_names_the_quiz_on_every_finding():
    findings = lint_quiz(statements("FFF"), "peace.gift")
    assert {f.quiz for f in findings} == {"peace.gift"}
    assert "tf-balance" in {f.rule for f in findings}
