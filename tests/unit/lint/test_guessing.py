"""The blind-guess benchmark: a test-wise guesser's expected score against chance."""

from __future__ import annotations

import pytest

from app.bank.guessing import benchmark, format_benchmark, question_scores
from tests.unit.lint.helpers import bank, question

SHORT_KEYS = """Which two build trust between partners?{
~%50%Dialogue
~%50%Openness
~%-50%Keeping one's intentions hidden from partners
~%-50%Expecting partners to adopt one's own customs
}"""


def test_multiple_response_keys_that_are_the_shortest_options_are_found_by_length():
    chance, scores = question_scores(question(SHORT_KEYS))
    assert chance == pytest.approx(1 / 6)  # one pair in six is the right pair
    assert scores["shortest"] == 1.0
    assert scores["longest"] == 0.0


def test_a_single_choice_key_that_is_the_longest_option_is_found_by_length():
    chance, scores = question_scores(
        question(
            "Where did envoys start?{=In Mesopotamia and in ancient Egypt ~Rome ~Athens ~Tyre}"
        )
    )
    assert chance == 0.25
    assert (scores["longest"], scores["shortest"]) == (1.0, 0.0)


def test_ties_are_broken_at_random_so_a_strategy_that_cannot_tell_scores_chance():
    chance, scores = question_scores(question("Which city?{=Riga ~Rome ~Oslo ~Bern}"))
    assert scores["longest"] == scores["shortest"] == scores["absolutes"] == chance == 0.25


def test_the_absolutes_strategy_strikes_options_with_sweeping_words():
    _, scores = question_scores(
        question("What does an attaché do?{=Advise ~Always decide alone ~Command the army}")
    )
    assert scores["absolutes"] == 1.0


def test_true_false_is_guessed_by_a_fixed_prior_and_by_absolute_words():
    _, scores = question_scores(question("Attachés are purely ceremonial.{F}"))
    assert scores == {"always-true": 0.0, "always-false": 1.0, "absolutes": 1.0}


def test_matching_is_guessed_by_the_words_rows_share_with_answers():
    chance, scores = question_scores(
        question(
            "Match.{=Crisis management -> Handling a crisis =Trust -> Building trust "
            "=Talks -> Holding meetings}"
        )
    )
    assert chance == pytest.approx(1 / 3)
    assert scores["word-overlap"] == pytest.approx((1 + 1 + 1 / 3) / 3)


def test_short_answers_cannot_be_guessed_blind_and_are_only_counted():
    result = benchmark({"q.gift": bank("Capital of France?{=Paris}\n\nWhich?{=a ~b ~c}")})
    assert result.not_guessable == 1
    assert result.overall["questions"] == 1


def test_the_best_strategy_is_chosen_over_all_questions_of_a_type_not_per_question():
    long_key = "Where?{=In Mesopotamia and in ancient Egypt ~Rome ~Athens ~Tyre}"
    short_key = "Where?{=Ur ~In the Roman republic ~In classical Athens ~In Phoenician Tyre}"
    result = benchmark({"a.gift": bank(long_key), "b.gift": bank(short_key)})
    single = result.types["single"]
    assert single["strategies"]["longest"] == single["strategies"]["shortest"] == 50.0
    assert single["best_score"] == 50.0  # not 100: one strategy for both questions
    assert single["chance"] == 25.0
    assert single["gain"] == 25.0
    assert result.quizzes["a.gift"]["best_score"] in (100.0, 0.0)


def test_the_report_gives_per_type_overall_and_per_quiz_figures():
    result = benchmark({"tf.gift": bank("One.{T}\n\nTwo.{F}\n\nThree.{F}")})
    assert result.types["truefalse"]["best"] == "always-false"
    assert result.overall == {"questions": 3, "chance": 50.0, "best_score": 66.7, "gain": 16.7}
    assert result.as_json()["quizzes"]["tf.gift"]["types"]["truefalse"]["questions"] == 3
    lines = format_benchmark(result)
    assert any(
        line.startswith("  truefalse: 3 questions, chance 50.0, best always-false")
        for line in lines
    )
    assert "  tf.gift: chance 50.0, guesser 66.7 (+16.7 points, 3 questions)" in lines
