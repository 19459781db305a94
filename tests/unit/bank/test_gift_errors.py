"""Bad GIFT never raises: each problem is an error on its question, in plain words, by line."""

from __future__ import annotations

import pytest

from app.bank.gift import parse_gift


def errors_of(text: str) -> list[tuple[int, list[str]]]:
    """Parse and return (line, errors) for every question."""
    return [(q.line, q.errors) for q in parse_gift(text)]


def the_error(text: str) -> str:
    """Parse a one-question file that must have exactly one error, and return it."""
    questions = parse_gift(text)
    assert len(questions) == 1, questions
    assert len(questions[0].errors) == 1, questions[0].errors
    return questions[0].errors[0]


def test_an_unclosed_brace_names_the_line_it_was_opened_on() -> None:
    text = "// [id:a]\n::T::Q1?{\n=a\n~b\n"
    assert errors_of(text) == [(1, ["unclosed brace: '{' opened on line 2 is never closed"])]


def test_a_blank_line_inside_the_answers_splits_the_question_and_both_halves_say_so() -> None:
    text = "Q1?{\n=a\n\n~b\n}\n\nQ2?{T}"
    (first, second, third) = parse_gift(text)
    assert first.errors == ["unclosed brace: '{' opened on line 1 is never closed"]
    assert second.line == 4
    assert "unmatched brace: '}' on line 5 has no opening '{'" in second.errors[0]
    assert "a blank line ends a question" in second.errors[0]
    assert third.errors == [] and third.type == "truefalse"


def test_one_bad_question_never_hides_the_errors_of_the_others() -> None:
    text = "A{~a ~b}\n\nB{T}\n\nC{#ten}\n\nD{=x -> y}\n\nE{F}"
    assert errors_of(text) == [
        (1, ["no correct answer: mark one answer with '=' or a positive weight"]),
        (3, []),
        (5, ["numerical answer 'ten' is not a number"]),
        (7, ["a matching question needs at least 2 pairs with a left side; found 1"]),
        (9, []),
    ]


def test_an_error_on_a_later_line_of_the_question_names_that_line() -> None:
    text = "// [id:w]\nQ{\n~%50%a\n~%abc%b\n~c\n}"
    assert errors_of(text) == [(1, ["line 4: weight 'abc' is not a number"])]


def test_a_weight_that_is_not_a_number() -> None:
    assert the_error("Q{~%abc%a ~%100%b}") == "weight 'abc' is not a number"


@pytest.mark.parametrize("weight", ["150", "-101", "100.5"])
def test_a_weight_out_of_range(weight: str) -> None:
    assert the_error(f"Q{{=a ~%{weight}%b}}") == (
        f"weight {weight}% is out of range (-100% to 100%)"
    )


def test_a_weight_after_an_equals_sign_is_refused_because_equals_already_means_full_marks() -> None:
    assert the_error("Q{=%50%a ~b}") == (
        "'=' already means 100%: write '~%50%' (for example) for a partial weight"
    )


def test_a_multiple_response_question_without_a_positive_weight_has_no_correct_answer() -> None:
    assert the_error("Q{~a ~b ~%-50%c}") == (
        "no correct answer: mark one answer with '=' or a positive weight"
    )


def test_multiple_response_weights_must_add_up_to_one_hundred_percent() -> None:
    assert the_error("Q{~%50%a ~%30%b ~%-100%c}") == (
        "the positive weights add up to 80%, not 100%: "
        "a learner who picks every right answer must get full marks"
    )


def test_multiple_response_weights_above_one_hundred_percent_are_refused_too() -> None:
    assert "add up to 150%" in the_error("Q{~%50%a ~%50%b ~%50%c ~%-100%d}")


def test_multiple_response_that_ticking_every_box_would_pass_is_refused() -> None:
    assert the_error("Q{~%50%a ~%50%b ~c}") == (
        "ticking every box scores 100% although 'c' is wrong: give the wrong answers negative "
        "weights that cancel the right ones, or make the question all-or-nothing "
        "([tag:all-or-nothing])"
    )
    assert "ticking every box scores 50%" in the_error("Q{~%50%a ~%50%b ~%-50%c ~d}")


def test_multiple_response_is_accepted_when_ticking_every_box_scores_nothing() -> None:
    (q,) = parse_gift("Q{~%50%a ~%50%b ~%-50%c ~%-50%d}")
    assert (q.type, q.errors, q.warnings) == ("multi", [], [])


def test_an_all_or_nothing_multiple_response_needs_no_negative_weights() -> None:
    (q,) = parse_gift("// [tag:all-or-nothing] [tag:difficulty-easy]\nQ{~%50%a ~%50%b ~c ~d}")
    assert (q.errors, q.warnings, q.all_or_nothing, q.tags) == ([], [], True, ["difficulty-easy"])


def test_all_or_nothing_applies_to_multiple_response_only() -> None:
    assert the_error("// [tag:all-or-nothing]\nQ{=a ~b ~c}") == (
        "[tag:all-or-nothing] applies only to multiple-response questions "
        "(answers marked '~' with weights)"
    )


def test_a_choice_question_needs_two_answers() -> None:
    assert the_error("Q{~=a}") == "answer 1 is empty"
    assert the_error("Q{=a~}") == "answer 2 is empty"


def test_text_before_the_first_answer_is_refused_rather_than_read_as_a_wrong_answer() -> None:
    assert the_error("Q{oops ~a =b}") == (
        "text 'oops' comes before the first answer: "
        "start every answer with '=' (right) or '~' (wrong)"
    )


def test_a_short_answer_question_needs_an_answer_worth_full_marks() -> None:
    assert the_error("Q{=%0%a}") == (
        "no correct answer: mark one answer with '=' or a positive weight"
    )
    assert the_error("Q{=%50%a =%20%b}") == (
        "no answer earns full marks: the best is worth 50%; give one answer '=' without a weight"
    )


def test_an_empty_short_answer_is_refused() -> None:
    assert the_error("Q{=a =}") == "answer 2 is empty"


def test_a_non_numeric_numerical_answer_is_refused_although_moodle_accepts_it() -> None:
    # Moodle's importer reads 'ten' as '*' (any number is right); we refuse it.
    assert the_error("Q{#ten}") == "numerical answer 'ten' is not a number"
    assert the_error("Q{#ten:2}") == "numerical answer 'ten' is not a number"


def test_a_number_too_large_for_a_float_is_refused_since_it_would_match_anything() -> None:
    assert the_error("Q{#1e999}") == "numerical answer '1e999' is too large"
    assert the_error("Q{#1:1e999}") == "numerical answer '1:1e999' is too large"
    assert the_error("Q{#1e308..1.7e308}") == "numerical answer '1e308..1.7e308' is too large"


def test_a_non_numeric_tolerance_is_refused() -> None:
    assert the_error("Q{#3:x}") == "tolerance 'x' is not a number"


def test_a_negative_tolerance_is_refused() -> None:
    assert the_error("Q{#3:-1}") == "tolerance '-1' is negative: write it without a sign"


def test_a_numerical_range_must_have_numbers_and_go_upwards() -> None:
    assert the_error("Q{#1..x}") == "numerical answer range '1..x': 'x' is not a number"
    assert the_error("Q{#5..1}") == "numerical answer range '5..1' is reversed: put the lower first"


def test_a_numerical_question_needs_an_answer() -> None:
    assert the_error("Q{#}") == "the numerical question has no answer: write '{#3.14:0.01}'"


def test_a_numerical_question_needs_an_answer_worth_full_marks() -> None:
    assert the_error("Q{#=%50%3}") == (
        "no answer earns full marks: the best is worth 50%; give one answer '=' without a weight"
    )


def test_only_feedback_may_follow_a_tilde_in_a_numerical_question() -> None:
    assert the_error("Q{#5~3#fb}") == (
        "'~3': in a numerical question '~' only gives feedback for any other number; "
        "write '~#feedback'"
    )


def test_a_matching_pair_without_an_arrow() -> None:
    assert the_error("Q{=a -> b =c -> d =x}") == "matching pair 'x' has no right side ('->')"


def test_a_matching_pair_with_nothing_right_of_the_arrow() -> None:
    assert the_error("Q{=a -> b =c -> d =e ->}") == "matching pair 'e ->' has an empty right side"


def test_a_matching_question_needs_two_pairs_with_a_left_side() -> None:
    assert the_error("Q{=a -> b = -> c}") == (
        "a matching question needs at least 2 pairs with a left side; found 1"
    )


def test_a_hash_in_a_matching_pair_is_text_as_in_moodle_with_a_warning() -> None:
    (q,) = parse_gift("Q{=a#b -> c =d -> e}")
    assert q.errors == []
    assert q.pairs[0].left == "a#b"
    assert "contains '#'" in q.warnings[0]


def test_duplicate_ids_within_a_file_are_reported_on_the_later_question() -> None:
    text = "// [id:x]\nQ{T}\n\n// [id:y]\nR{T}\n\n// [id:x]\nS{F}"
    assert errors_of(text) == [
        (1, []),
        (4, []),
        (7, ["duplicate id 'x': the question on line 1 already uses it"]),
    ]


def test_two_different_ids_on_one_question_are_refused() -> None:
    assert the_error("// [id:a] [id:b]\nQ{T}") == (
        "second id 'b' on line 1: the question already has id 'a'; give each question one id"
    )


def test_a_title_that_is_never_closed() -> None:
    assert the_error("::Title Q{T}") == "unclosed title: '::' opens a title that no '::' closes"


def test_a_closing_brace_with_no_opening_one() -> None:
    assert the_error("Q}") == (
        "unmatched brace: '}' on line 1 has no opening '{' "
        "(a blank line ends a question; write '\\}' for a literal brace)"
    )


def test_a_brace_inside_the_answers() -> None:
    assert the_error("Q{=a {b} ~c}") == (
        "'{' inside the answers opened on line 1: write '\\{' for a literal brace"
    )


def test_a_second_answer_block_in_one_question() -> None:
    assert the_error("Q1{=a ~b}\nQ2{T}") == (
        "line 2: a question has one answer block '{…}': separate questions with a blank line, "
        "or write '\\{' and '\\}' for literal braces"
    )


def test_a_question_needs_some_text() -> None:
    assert the_error("::Title::{=a ~b}") == "the question has no text"


def test_a_question_straight_after_a_category_line_is_refused_as_moodle_would_swallow_it() -> None:
    (q,) = parse_gift("$CATEGORY: a\nQ{T}")
    assert q.line == 2
    assert q.category == "a"
    assert q.errors == [
        "no blank line after '$CATEGORY:' on line 1: "
        "Moodle would read this question as part of the category name"
    ]


def test_an_id_comment_cut_off_by_a_blank_line_is_reported_on_the_next_question() -> None:
    (q,) = parse_gift("// [id:lost]\n\nQ{T}")
    assert q.id is None
    assert q.errors == []
    assert q.warnings == [
        "the [id:…]/[tag:…] comment on line 1 belongs to no question: a blank line separates "
        "it from the next question, so Moodle ignores it"
    ]


def test_a_file_with_only_a_lost_id_comment_reports_a_description_with_an_error() -> None:
    (q,) = parse_gift("// [id:lonely]\n")
    assert q.type == "description"
    assert q.errors == ["the file has no question"]
    assert len(q.warnings) == 1


def test_a_category_at_the_end_of_the_file_is_reported_on_the_last_question() -> None:
    questions = parse_gift("Q{T}\n\n$CATEGORY: later")
    assert questions[0].warnings == [
        "'$CATEGORY: later' on line 3 is unused: no question follows it"
    ]


def test_text_after_the_closing_brace_on_a_new_line_is_missing_word_with_a_warning() -> None:
    (q,) = parse_gift("Q{=a}\nMaybe a new question?")
    assert q.errors == []
    assert q.prompt == "Q_____\nMaybe a new question?"
    assert "missing-word question" in q.warnings[0]


@pytest.mark.parametrize(
    "text",
    [
        "{",
        "}",
        "::",
        "{{}}",
        "~=#",
        "Q{#",
        "Q{#..}",
        "Q{#:}",
        "Q{~%%}",
        "Q{~%}",
        "Q{->}",
        "Q{=->}",
        "\\",
        "Q{TRUE###}",
        "$CATEGORY:",
        "// [id:]",
        "\x00\ufdd0",
    ],
)
def test_garbage_never_raises(text: str) -> None:
    for question in parse_gift(text):
        assert question.type in {
            "single",
            "multi",
            "truefalse",
            "short",
            "numerical",
            "matching",
            "description",
            "essay",
        }
