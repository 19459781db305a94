"""Reading GIFT: each question type, ids and tags, titles, formats, categories, file quirks."""

from __future__ import annotations

from app.bank.gift import parse_gift
from app.bank.grading import ANY_NUMBER_TOLERANCE
from app.bank.model import Choice, MatchPair, NumericAnswer, QuestionData


def only(text: str) -> QuestionData:
    """Parse a file holding one question and return it."""
    questions = parse_gift(text)
    assert len(questions) == 1, questions
    return questions[0]


README_EXAMPLE = """\
// [id:hist-01] [tag:difficulty-easy] [tag:anchor-early-beginnings]
::Earliest military envoys::Where does the lesson place the first use of military envoys?{
=Mesopotamia and Egypt#Right: the lesson traces envoys back to these civilisations.
~Renaissance Italy#No: formal alliances came much later, in the Renaissance.
~Industrial Britain#No: the Industrial Revolution changed capabilities, not the origins.
####Envoys were sent to talk terms with neighbouring states.
}
"""


def test_the_readme_example_reads_as_a_single_choice_question_with_id_tags_and_feedback() -> None:
    q = only(README_EXAMPLE)
    assert q.type == "single"
    assert q.id == "hist-01"
    assert q.tags == ["difficulty-easy", "anchor-early-beginnings"]
    assert q.difficulty == "easy"
    assert q.anchor == "early-beginnings"
    assert q.title == "Earliest military envoys"
    assert q.prompt == "Where does the lesson place the first use of military envoys?"
    assert q.text_format == "markdown"
    assert q.line == 1
    assert q.choices == [
        Choice(
            "Mesopotamia and Egypt",
            1.0,
            "Right: the lesson traces envoys back to these civilisations.",
        ),
        Choice(
            "Renaissance Italy", 0.0, "No: formal alliances came much later, in the Renaissance."
        ),
        Choice(
            "Industrial Britain",
            0.0,
            "No: the Industrial Revolution changed capabilities, not the origins.",
        ),
    ]
    assert q.general_feedback == "Envoys were sent to talk terms with neighbouring states."
    assert q.errors == []
    assert q.warnings == []


def test_questions_come_back_in_file_order_with_the_line_each_starts_on() -> None:
    text = "// [id:a]\nFirst?{T}\n\n\nSecond?{F}\n\n// just a note\n// [id:c] more\nThird?{=x}\n"
    questions = parse_gift(text)
    assert [(q.id, q.line) for q in questions] == [("a", 1), (None, 5), ("c", 8)]


def test_a_question_without_an_id_comment_starts_on_its_first_text_line() -> None:
    q = only("// a plain comment\n\n// another\n::T::Q?{T}")
    assert q.line == 4
    assert q.id is None


def test_an_id_and_tags_may_spread_over_several_comment_lines() -> None:
    q = only("// [tag:difficulty-hard]\n// [id:q-7] [tag:anchor-x]\nQ?{T}")
    assert q.id == "q-7"
    assert q.tags == ["difficulty-hard", "anchor-x"]
    assert q.line == 2


def test_a_single_choice_question_has_exactly_one_equals_answer() -> None:
    q = only("Grant is buried in?{~Grant's tomb =nowhere ~Paris}")
    assert q.type == "single"
    assert [c.fraction for c in q.choices] == [0.0, 1.0, 0.0]


def test_a_single_choice_question_may_give_partial_credit_to_a_wrong_answer() -> None:
    q = only("Pick one{=best ~%50%close ~%-25%bad}")
    assert q.type == "single"
    assert [c.fraction for c in q.choices] == [1.0, 0.5, -0.25]


def test_several_positive_weights_and_no_equals_make_a_multiple_response_question() -> None:
    q = only("Which are primes?{~%50%2 ~%50%3 ~%-100%4 ~%-100%9}")
    assert q.type == "multi"
    assert [c.fraction for c in q.choices] == [0.5, 0.5, -1.0, -1.0]
    assert q.errors == []


def test_weights_may_have_decimals_as_long_as_they_add_up_to_one_hundred_percent() -> None:
    q = only("Three right{~%33.33333%a ~%33.33333%b ~%33.33333%c ~%-100%d}")
    assert q.type == "multi"
    assert q.choices[0].fraction == 0.3333333
    assert q.errors == []


def test_true_false_accepts_t_f_true_and_false() -> None:
    assert [only(f"Q{{{w}}}").correct for w in ("T", "TRUE", "F", "FALSE")] == [
        True,
        True,
        False,
        False,
    ]
    assert {only(f"Q{{{w}}}").type for w in ("T", "TRUE", "F", "FALSE")} == {"truefalse"}


def test_true_false_feedback_follows_moodle_wrong_then_right() -> None:
    # Moodle: {TRUE#shown when wrong#shown when right}. Answering "false" to a TRUE
    # question is wrong, so feedback_false is the first text.
    q = only("Sky is blue{TRUE#No, look up.#Yes!}")
    assert q.correct is True
    assert q.feedback_true == "Yes!"
    assert q.feedback_false == "No, look up."


def test_true_false_feedback_of_a_false_statement_is_swapped_accordingly() -> None:
    q = only("Grass is red{F#Answering true is wrong.#Answering false is right.####General.}")
    assert q.correct is False
    assert q.feedback_true == "Answering true is wrong."
    assert q.feedback_false == "Answering false is right."
    assert q.general_feedback == "General."


def test_lowercase_true_is_a_short_answer_as_in_moodle_with_a_warning() -> None:
    q = only("Is it?{true}")
    assert q.type == "short"
    assert q.choices == [Choice("true", 1.0)]
    assert any("needs capitals" in w for w in q.warnings)


def test_a_short_answer_question_lists_accepted_answers_with_equals() -> None:
    q = only("Who is buried in Grant's tomb?{=no one =nobody}")
    assert q.type == "short"
    assert q.choices == [Choice("no one", 1.0), Choice("nobody", 1.0)]


def test_short_answers_carry_weights_and_feedback() -> None:
    q = only("Best animal?{=Frog#Good! =%50%Cat#Meh. =%0%*#Completely wrong}")
    assert q.choices == [
        Choice("Frog", 1.0, "Good!"),
        Choice("Cat", 0.5, "Meh."),
        Choice("*", 0.0, "Completely wrong"),
    ]


def test_a_numerical_answer_with_a_tolerance() -> None:
    q = only("Pi to two places?{#3.14:0.01}")
    assert q.type == "numerical"
    assert q.numeric_answers == [NumericAnswer(3.14, 0.01, 1.0)]


def test_a_numerical_range_is_stored_as_its_middle_plus_or_minus_half_its_width() -> None:
    q = only("A number from 1 to 5?{#1..5}")
    assert q.numeric_answers == [NumericAnswer(3.0, 2.0, 1.0)]


def test_numerical_answers_may_be_several_with_weights_and_feedback() -> None:
    q = only("When was Grant born?{#=1822:0#Exactly. =%50%1822:2#Close.}")
    assert q.numeric_answers == [
        NumericAnswer(1822.0, 0.0, 1.0, "Exactly."),
        NumericAnswer(1822.0, 2.0, 0.5, "Close."),
    ]


def test_negative_and_exponent_numbers_are_numbers() -> None:
    q = only("Q{#=-1.5e3:2.5e-1 =%50%-7}")
    assert q.numeric_answers == [NumericAnswer(-1500.0, 0.25, 1.0), NumericAnswer(-7.0, 0.0, 0.5)]


def test_numerical_feedback_for_any_other_number_is_a_catch_all_answer_worth_nothing() -> None:
    q = only("Q{#3:2~#Completely wrong}")
    assert q.numeric_answers == [
        NumericAnswer(3.0, 2.0, 1.0),
        NumericAnswer(0.0, ANY_NUMBER_TOLERANCE, 0.0, "Completely wrong"),
    ]


def test_a_matching_question_pairs_left_with_right() -> None:
    q = only("Capitals{=Canada -> Ottawa =Italy -> Rome =Japan -> Tokyo}")
    assert q.type == "matching"
    assert q.pairs == [
        MatchPair("Canada", "Ottawa"),
        MatchPair("Italy", "Rome"),
        MatchPair("Japan", "Tokyo"),
    ]


def test_a_matching_pair_with_no_left_side_is_a_distractor() -> None:
    q = only("Capitals{\n=Canada -> Ottawa\n=Italy -> Rome\n= -> Paris\n}")
    assert q.pairs[-1] == MatchPair("", "Paris")
    assert q.errors == []


def test_a_matching_right_side_may_contain_an_arrow() -> None:
    q = only("Q{=a -> b -> c =d -> e}")
    assert q.pairs[0] == MatchPair("a", "b -> c")


def test_text_with_no_braces_is_a_description() -> None:
    q = only("// [id:intro]\n::Intro::Read the following carefully.")
    assert q.type == "description"
    assert q.prompt == "Read the following carefully."
    assert q.title == "Intro"
    assert q.errors == [] and q.warnings == []


def test_empty_braces_make_an_essay_which_is_kept_with_a_warning() -> None:
    q = only("::Q8:: How are you? {}")
    assert q.type == "essay"
    assert q.prompt == "How are you?"
    assert q.errors == []
    assert any("cannot be graded" in w for w in q.warnings)


def test_text_after_the_braces_makes_a_missing_word_question_with_a_blank() -> None:
    q = only("Grant is {~buried =entombed ~living} in Grant's tomb.")
    assert q.type == "single"
    assert q.prompt == "Grant is _____ in Grant's tomb."
    assert q.warnings == []


def test_answers_at_the_end_leave_no_blank() -> None:
    q = only("Two plus two is{=four =4}")
    assert q.prompt == "Two plus two is"


def test_the_format_prefix_sets_the_text_format() -> None:
    assert only("[html]<b>Q</b>{T}").text_format == "html"
    assert only("::t::[plain]Q{T}").text_format == "plain"
    assert only("[markdown]*Q*{T}").text_format == "markdown"
    assert only("Q{T}").text_format == "markdown"


def test_moodle_auto_format_is_kept_but_warned_about() -> None:
    q = only("[moodle]Q{T}")
    assert q.text_format == "moodle"
    assert q.prompt == "Q"
    assert any("[moodle]" in w for w in q.warnings)


def test_an_unknown_bracket_prefix_is_just_text() -> None:
    assert only("[note] Q{T}").prompt == "[note] Q"


def test_a_different_format_on_an_answer_is_dropped_with_a_warning() -> None:
    q = only("Q{=[html]<b>a</b> ~b#[plain]fb}")
    assert q.choices[0].text == "<b>a</b>"
    assert q.choices[1].feedback == "fb"
    assert len(q.warnings) == 2


def test_the_question_format_repeated_on_an_answer_is_silently_accepted() -> None:
    q = only("[html]Q{=[html]<b>a</b> ~b}")
    assert q.choices[0].text == "<b>a</b>"
    assert q.warnings == []


def test_category_applies_to_the_questions_after_it() -> None:
    text = "$CATEGORY: tom/dick\n\nQ1{T}\n\n$CATEGORY: harry\n\nQ2{T}\n\nQ3{F}"
    assert [q.category for q in parse_gift(text)] == ["tom/dick", "harry", "harry"]


def test_questions_before_any_category_have_none() -> None:
    assert only("Q{T}").category is None


def test_a_category_with_no_question_after_it_is_reported_as_a_warning() -> None:
    questions = parse_gift("Q1{T}\n\n$CATEGORY: empty\n\n$CATEGORY: used\n\nQ2{T}")
    assert questions[1].category == "used"
    assert any("'$CATEGORY: empty' on line 3 is unused" in w for w in questions[1].warnings)


def test_comment_lines_inside_a_question_are_ignored() -> None:
    q = only("Q{\n=a\n// a note between answers\n~b\n}")
    assert [c.text for c in q.choices] == ["a", "b"]


def test_windows_line_endings_and_a_byte_order_mark_are_read_like_plain_newlines() -> None:
    unix = "// [id:a]\nQ?{\n=yes\n~no\n}\n\n// [id:b]\nR?{T}\n"
    windows = "\ufeff" + unix.replace("\n", "\r\n")
    assert parse_gift(windows) == parse_gift(unix)


def test_old_mac_line_endings_are_read_too() -> None:
    assert [q.line for q in parse_gift("A{T}\r\rB{F}")] == [1, 3]


def test_escaped_characters_are_literal_and_backslash_n_is_a_new_line() -> None:
    q = only(r"::a\:b::Use \{ \} \~ \= \# \: and \\ here\nnext{=x\=y#f\#g ~z}")
    assert q.title == "a:b"
    assert q.prompt == "Use { } ~ = # : and \\ here\nnext"
    assert q.choices[0] == Choice("x=y", 1.0, "f#g")


def test_a_backslash_before_an_ordinary_character_stays() -> None:
    assert only(r"C:\temp\dir {T}").prompt == r"C:\temp\dir"


def test_an_escaped_tilde_does_not_make_a_choice_question() -> None:
    q = only(r"Q{=a\~b}")
    assert q.type == "short"
    assert q.choices == [Choice("a~b", 1.0)]


def test_an_empty_file_has_no_questions() -> None:
    assert parse_gift("") == []
    assert parse_gift("\n\n  \n// only a comment\n") == []


def test_an_unescaped_equals_sign_in_feedback_starts_a_new_right_answer_as_in_moodle() -> None:
    q = only("Q{~%50%a#fine ~%50%b ~%-100%c#4 = 2 + 2}")
    assert q.type == "single"
    assert q.choices[-1] == Choice("2 + 2", 1.0)
    escaped = only(r"Q{~%50%a#fine ~%50%b ~%-100%c#4 \= 2 + 2}")
    assert escaped.type == "multi"
    assert escaped.choices[-1].feedback == "4 = 2 + 2"


def test_a_prompt_over_several_lines_keeps_its_line_breaks_and_indentation() -> None:
    q = only("::T::First line\n  - a list item\nLast line{T}")
    assert q.prompt == "First line\n  - a list item\nLast line"


def test_an_id_comment_after_the_question_text_still_gives_the_id_but_not_the_line() -> None:
    q = only("Q{T}\n// [id:late]")
    assert q.id == "late"
    assert q.line == 1


def test_tags_keep_their_order_and_inner_spaces_but_lose_outer_ones() -> None:
    q = only("// [tag: b ] [tag:a c] [id: x ]\nQ{T}")
    assert q.tags == ["b", "a c"]
    assert q.id == "x"


def test_an_empty_tag_is_ignored_with_a_warning() -> None:
    q = only("// [tag:]\nQ{T}")
    assert q.tags == []
    assert q.warnings == ["an empty tag '[tag:]' is ignored"]


def test_general_feedback_of_a_true_false_question_comes_after_the_last_four_hashes() -> None:
    q = only("Q{TRUE##right####general}")
    assert (q.feedback_false, q.feedback_true, q.general_feedback) == ("", "right", "general")


def test_an_essay_may_have_general_feedback() -> None:
    q = only("Discuss.{####A model answer.}")
    assert q.type == "essay"
    assert q.general_feedback == "A model answer."


def test_a_short_answer_without_equals_is_accepted_as_moodle_does() -> None:
    assert only("Who?{no one}").choices == [Choice("no one", 1.0)]


def test_numerical_star_is_the_catch_all_too() -> None:
    q = only("Q{#=5 =%0%*#Anything else}")
    assert q.numeric_answers[-1] == NumericAnswer(0.0, ANY_NUMBER_TOLERANCE, 0.0, "Anything else")


def test_a_category_line_may_follow_comments_in_its_block() -> None:
    questions = parse_gift("// header\n$CATEGORY: c\n\nQ{T}")
    assert [q.category for q in questions] == ["c"]
