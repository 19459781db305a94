"""Grading: each type's fraction and feedback, partial credit, clamping, defensive inputs."""

from __future__ import annotations

import math

import pytest

from app.bank.gift import parse_gift
from app.bank.grading import ANY_NUMBER_TOLERANCE, Grade, NotGradable
from app.bank.model import QUESTION_TYPES, NumericAnswer, QuestionData
from app.bank.types import TYPES, correct_answer_text, from_stored, grade, payload


def question(text: str) -> QuestionData:
    """Parse one valid GIFT question."""
    (q,) = parse_gift(text)
    assert q.errors == [], q.errors
    return q


ENVOYS = question(
    "Where were the first envoys?{=Mesopotamia and Egypt#Right. ~Renaissance Italy#No. "
    "~%25%Ancient Greece#Close.}"
)
PRIMES = question(r"Which are prime?{~%50%2#2 is prime. ~%50%3#3 too. ~%-100%4#4 \= 2×2. ~%-50%9}")
SKY = question("The sky is blue.{T#Look again.#Yes.}")
GRASS = question("Grass is red.{F#It is green.#Right, it is not.}")
ANIMAL = question("Best animal?{=Frog#Good! =%50%Cat#Meh. =%0%*#Completely wrong}")
PI = question("Pi?{#=3.14:0.01#Good. =%50%3:0.5#Rough. ~#Not even close.}")
CAPITALS = question("Capitals{=Canada -> Ottawa =Italy -> Rome =Japan -> Tokyo = -> Paris}")


def test_every_question_type_has_a_grader() -> None:
    assert set(TYPES) == set(QUESTION_TYPES)
    assert all(callable(kind.grade) for kind in TYPES.values())


def test_a_grade_is_a_frozen_fraction_with_feedback() -> None:
    result = Grade(0.5, ["ok"])
    with pytest.raises(AttributeError):
        result.fraction = 1.0  # type: ignore[misc]


def test_single_choice_scores_the_chosen_answer_with_its_feedback() -> None:
    assert grade(ENVOYS, 0) == Grade(1.0, ["Right."])
    assert grade(ENVOYS, 1) == Grade(0.0, ["No."])


def test_single_choice_gives_partial_credit() -> None:
    assert grade(ENVOYS, 2) == Grade(0.25, ["Close."])


def test_single_choice_unanswered_scores_nothing_without_feedback() -> None:
    assert grade(ENVOYS, None) == Grade(0.0, [])


@pytest.mark.parametrize("bad", [3, -1, 99, "0", 1.0, True, [0]])
def test_single_choice_out_of_range_or_odd_answers_are_wrong_not_crashes(bad: object) -> None:
    assert grade(ENVOYS, bad) == Grade(0.0, [])


def test_single_choice_negative_weight_is_clamped_to_zero() -> None:
    q = question("Q{=a ~%-50%b}")
    assert grade(q, 1).fraction == 0.0


def test_multi_adds_the_weights_of_every_chosen_answer() -> None:
    assert grade(PRIMES, [0, 1]) == Grade(1.0, ["2 is prime.", "3 too."])
    assert grade(PRIMES, [1]).fraction == 0.5


def test_multi_wrong_picks_subtract_and_the_total_is_clamped_at_zero() -> None:
    assert grade(PRIMES, [0, 1, 3]).fraction == pytest.approx(0.5)
    assert grade(PRIMES, [0, 2]).fraction == 0.0
    assert grade(PRIMES, [0, 1, 2, 3]).fraction == 0.0


def test_multi_total_is_clamped_at_one() -> None:
    q = from_stored(
        "multi",
        "Q",
        {
            "choices": [
                {"text": "a", "fraction": 0.8, "feedback": ""},
                {"text": "b", "fraction": 0.8, "feedback": ""},
            ]
        },
    )
    assert grade(q, [0, 1]).fraction == 1.0


def test_multi_counts_a_duplicate_pick_once() -> None:
    assert grade(PRIMES, [0, 0, 0]).fraction == 0.5
    assert grade(PRIMES, [0, 0, 0]).feedback == ["2 is prime."]


def test_multi_feedback_follows_the_question_order_not_the_click_order() -> None:
    assert grade(PRIMES, [1, 0]).feedback == ["2 is prime.", "3 too."]


def test_multi_ignores_out_of_range_picks() -> None:
    assert grade(PRIMES, [0, 7, -1]).fraction == 0.5


@pytest.mark.parametrize("empty", [None, [], 0, "0,1"])
def test_multi_unanswered_or_odd_scores_nothing(empty: object) -> None:
    assert grade(PRIMES, empty) == Grade(0.0, [])


def test_true_false_right_answer_gets_full_marks_and_its_feedback() -> None:
    assert grade(SKY, True) == Grade(1.0, ["Yes."])
    assert grade(SKY, False) == Grade(0.0, ["Look again."])
    assert grade(GRASS, False) == Grade(1.0, ["Right, it is not."])
    assert grade(GRASS, True) == Grade(0.0, ["It is green."])


@pytest.mark.parametrize("odd", [None, "true", 1, 0])
def test_true_false_unanswered_or_not_a_bool_scores_nothing(odd: object) -> None:
    assert grade(SKY, odd) == Grade(0.0, [])


def test_short_answer_ignores_case_and_extra_whitespace() -> None:
    assert grade(ANIMAL, "  frOG ") == Grade(1.0, ["Good!"])
    q = question("Q{=no one}")
    assert grade(q, "No \t  One").fraction == 1.0
    assert grade(q, "noone").fraction == 0.0


def test_short_answer_takes_the_best_matching_answer() -> None:
    assert grade(ANIMAL, "cat") == Grade(0.5, ["Meh."])
    assert grade(ANIMAL, "dog") == Grade(0.0, ["Completely wrong"])


def test_short_answer_best_match_wins_even_when_listed_after_a_worse_one() -> None:
    q = question("Q{=%50%col* =colour#Exactly.}")
    assert grade(q, "colour") == Grade(1.0, ["Exactly."])


def test_short_answer_star_is_a_wildcard_and_backslash_star_a_real_star() -> None:
    q = question("Q{=*ville =a\\\\*b}")
    assert grade(q, "Townville").fraction == 1.0
    assert grade(q, "ville").fraction == 1.0
    assert grade(q, "villes").fraction == 0.0
    assert grade(q, "a*b").fraction == 1.0
    assert grade(q, "axb").fraction == 0.0


def test_short_answer_regex_characters_are_literal() -> None:
    q = question("Q{=a.b (c)}")
    assert grade(q, "a.b (c)").fraction == 1.0
    assert grade(q, "axb (c)").fraction == 0.0


@pytest.mark.parametrize("empty", [None, "", "   ", 42])
def test_short_answer_unanswered_scores_nothing(empty: object) -> None:
    assert grade(ANIMAL, empty) == Grade(0.0, [])


def test_numerical_answer_within_tolerance_is_right() -> None:
    assert grade(PI, 3.14) == Grade(1.0, ["Good."])
    assert grade(PI, 3.15) == Grade(1.0, ["Good."])
    assert grade(PI, 3.13).fraction == 1.0


def test_numerical_tolerance_edge_survives_floating_point_error() -> None:
    q = question("Q{#0.3:0.1}")
    assert grade(q, 0.1 + 0.1 + 0.1 + 0.1).fraction == 1.0
    assert grade(q, 0.2).fraction == 1.0
    assert grade(q, 0.4000001).fraction == 0.0


def test_numerical_takes_the_best_matching_answer() -> None:
    assert grade(PI, 3.3) == Grade(0.5, ["Rough."])


def test_numerical_catch_all_gives_its_feedback_and_nothing_else() -> None:
    assert grade(PI, 42.0) == Grade(0.0, ["Not even close."])
    assert grade(PI, -1e308) == Grade(0.0, ["Not even close."])


def test_numerical_range_and_exact_answers() -> None:
    assert grade(question("Q{#1..5}"), 5).fraction == 1.0
    assert grade(question("Q{#1..5}"), 5.01).fraction == 0.0
    assert grade(question("Q{#42}"), 42.0).fraction == 1.0
    assert grade(question("Q{#42}"), 42.001).fraction == 0.0


@pytest.mark.parametrize("odd", [None, "3.14", math.nan, math.inf, True])
def test_numerical_unanswered_or_not_a_number_scores_nothing(odd: object) -> None:
    assert grade(PI, odd) == Grade(0.0, [])


def test_matching_scores_the_share_of_right_rows() -> None:
    assert grade(CAPITALS, [0, 1, 2]) == Grade(1.0, [])
    assert grade(CAPITALS, [0, 2, 1]).fraction == pytest.approx(1 / 3)
    assert grade(CAPITALS, [3, 3, 3]).fraction == 0.0


def test_matching_a_row_is_right_when_the_chosen_right_side_is_the_same_text() -> None:
    q = question("Q{=Paris -> France =Lyon -> France =Rome -> Italy}")
    assert grade(q, [1, 0, 2]).fraction == 1.0


def test_matching_unanswered_rows_and_bad_indexes_are_wrong() -> None:
    assert grade(CAPITALS, [0, None, 2]).fraction == pytest.approx(2 / 3)
    assert grade(CAPITALS, [0]).fraction == pytest.approx(1 / 3)
    assert grade(CAPITALS, [0, 99, -1]).fraction == pytest.approx(1 / 3)
    assert grade(CAPITALS, [0, 1, 2, 0, 0]).fraction == 1.0


@pytest.mark.parametrize("empty", [None, [], "0,1,2"])
def test_matching_unanswered_scores_nothing(empty: object) -> None:
    assert grade(CAPITALS, empty) == Grade(0.0, [])


def test_a_description_always_scores_nothing() -> None:
    assert grade(question("Just read this."), "anything") == Grade(0.0, [])


def test_an_essay_cannot_be_graded() -> None:
    with pytest.raises(NotGradable):
        grade(question("Discuss.{}"), "An essay.")


def test_an_unknown_type_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="no grader"):
        grade(QuestionData(type="poll", prompt="Q"), 0)


def test_graders_work_on_questions_rebuilt_from_storage() -> None:
    stored = from_stored(PI.type, PI.prompt, payload(PI))
    assert grade(stored, 42.0) == grade(PI, 42.0)


def test_correct_answer_text_for_each_type() -> None:
    assert correct_answer_text(ENVOYS) == "Mesopotamia and Egypt"
    assert correct_answer_text(PRIMES) == "2; 3"
    assert correct_answer_text(SKY) == "True"
    assert correct_answer_text(GRASS) == "False"
    assert correct_answer_text(ANIMAL) == "Frog"
    assert correct_answer_text(question("Q{=no one =nobody}")) == "no one or nobody"
    assert correct_answer_text(PI) == "3.14 ± 0.01"
    assert correct_answer_text(question("Q{#1..5}")) == "3 ± 2"
    assert correct_answer_text(question("Q{#1822}")) == "1822"
    assert correct_answer_text(question("Q{=a -> b =c -> d = -> e}")) == "a → b; c → d"
    assert correct_answer_text(question("Just read this.")) == ""
    assert correct_answer_text(question("Discuss.{}")) == ""


def test_correct_answer_text_lists_every_fully_right_single_choice() -> None:
    assert correct_answer_text(question("Q{=a =b ~c}")) == "a or b"


def test_correct_answer_text_never_shows_the_catch_all() -> None:
    q = QuestionData(
        type="numerical",
        prompt="Q",
        numeric_answers=[NumericAnswer(0.0, ANY_NUMBER_TOLERANCE, 0.0, "no")],
    )
    assert correct_answer_text(q) == ""


def test_numerical_float_slack_is_relative_and_tiny_so_big_numbers_stay_exact() -> None:
    q = question("Q{#1e10}")
    assert grade(q, 1e10).fraction == 1.0
    assert grade(q, 1e10 + 1).fraction == 0.0
