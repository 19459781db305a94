"""Writing GIFT: what Moodle imports, and what reads back into equal questions."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.bank.gift import parse_gift, write_gift
from app.bank.grading import ANY_NUMBER_TOLERANCE
from app.bank.model import Choice, MatchPair, NumericAnswer, QuestionData

LESSONS = Path(__file__).resolve().parents[3] / "questions" / "lessons"


def without_line(question: QuestionData) -> QuestionData:
    """Copy a question with `line` zeroed: the one field a rewrite may change."""
    return dataclasses.replace(question, line=0)


def without_line_and_warnings(question: QuestionData) -> QuestionData:
    """Copy a question without `line` and `warnings` (source-text quirks a rewrite drops)."""
    return dataclasses.replace(question, line=0, warnings=[])


def round_trip(questions: list[QuestionData]) -> list[QuestionData]:
    return parse_gift(write_gift(questions))


def assert_round_trips(text: str) -> list[QuestionData]:
    """Check parse → write → parse gives equal questions; return the first parse."""
    first = parse_gift(text)
    second = round_trip(first)
    assert [without_line(q) for q in second] == [without_line(q) for q in first]
    return first


def test_the_writer_puts_the_id_and_tag_comment_title_and_answers_on_their_lines() -> None:
    q = QuestionData(
        type="single",
        prompt="Where were the first envoys?",
        title="Earliest military envoys",
        id="hist-01",
        tags=["difficulty-easy", "anchor-early-beginnings"],
        choices=[
            Choice("Mesopotamia and Egypt", 1.0, "Right."),
            Choice("Renaissance Italy", 0.0, "No."),
            Choice("Rome", 0.5),
        ],
        general_feedback="Envoys talked terms.",
    )
    assert write_gift([q]) == (
        "// [id:hist-01] [tag:difficulty-easy] [tag:anchor-early-beginnings]\n"
        "::Earliest military envoys::Where were the first envoys?{\n"
        "\t=Mesopotamia and Egypt#Right.\n"
        "\t~Renaissance Italy#No.\n"
        "\t~%50%Rome\n"
        "\t####Envoys talked terms.\n"
        "}\n"
    )


def test_questions_are_separated_by_a_blank_line() -> None:
    text = write_gift([QuestionData("truefalse", "A", correct=True), QuestionData("essay", "B")])
    assert text == "A{TRUE}\n\nB{}\n"


def test_nothing_to_write_is_an_empty_file() -> None:
    assert write_gift([]) == ""


def test_a_format_prefix_is_written_only_when_not_markdown() -> None:
    assert write_gift([QuestionData("description", "<b>x</b>", text_format="html")]) == (
        "[html]<b>x</b>\n"
    )
    assert write_gift([QuestionData("description", "*x*")]) == "*x*\n"


def test_every_special_character_is_escaped() -> None:
    q = QuestionData(
        "short",
        "a~b=c#d{e}f:g\\h\nnext",
        title="t:i{t}le",
        choices=[Choice("x=y#z", 1.0, "f#b~")],
        general_feedback="g:#",
    )
    text = write_gift([q])
    assert text == (
        "::t\\:i\\{t\\}le::a\\~b\\=c\\#d\\{e\\}f\\:g\\\\h\\nnext{\n"
        "\t=x\\=y\\#z#f\\#b\\~\n"
        "\t####g\\:\\#\n"
        "}\n"
    )
    assert [without_line(p) for p in parse_gift(text)] == [q]


def test_true_false_writes_wrong_then_right_feedback_like_moodle() -> None:
    true_q = QuestionData(
        "truefalse", "Sky is blue", correct=True, feedback_true="Yes", feedback_false="No"
    )
    false_q = QuestionData("truefalse", "Grass is red", correct=False, feedback_true="No")
    right_only = QuestionData("truefalse", "Q", correct=True, feedback_true="Yes")
    assert write_gift([true_q]) == "Sky is blue{TRUE#No#Yes}\n"
    assert write_gift([false_q]) == "Grass is red{FALSE#No}\n"
    assert write_gift([right_only]) == "Q{TRUE##Yes}\n"


def test_numerical_answers_are_written_with_tolerance_and_the_catch_all_last() -> None:
    q = QuestionData(
        "numerical",
        "Pi?",
        numeric_answers=[
            NumericAnswer(3.14, 0.01, 1.0, "Good"),
            NumericAnswer(3.0, 0.5, 0.5),
            NumericAnswer(0.0, ANY_NUMBER_TOLERANCE, 0.0, "No"),
        ],
    )
    assert write_gift([q]) == "Pi?{#\n\t=3.14:0.01#Good\n\t=%50%3:0.5\n\t~#No\n}\n"


def test_a_catch_all_that_is_not_last_is_written_as_a_star_answer_to_keep_the_order() -> None:
    q = QuestionData(
        "numerical",
        "Q",
        numeric_answers=[
            NumericAnswer(0.0, ANY_NUMBER_TOLERANCE, 0.0, "any"),
            NumericAnswer(1.0, 0.0, 1.0),
        ],
    )
    assert "=%0%*#any" in write_gift([q])
    assert [without_line(p) for p in round_trip([q])] == [q]


def test_matching_pairs_and_distractors_are_written_with_arrows() -> None:
    q = QuestionData(
        "matching",
        "Capitals",
        pairs=[MatchPair("Canada", "Ottawa"), MatchPair("Italy", "Rome"), MatchPair("", "Paris")],
    )
    assert write_gift([q]) == (
        "Capitals{\n\t=Canada -> Ottawa\n\t=Italy -> Rome\n\t= -> Paris\n}\n"
    )


def test_a_missing_word_prompt_gets_its_braces_back_where_the_blank_is() -> None:
    q = parse_gift("Grant is {~buried =entombed ~living} in Grant's tomb.")[0]
    assert write_gift([q]) == "Grant is {\n\t~buried\n\t=entombed\n\t~living\n} in Grant's tomb.\n"


def test_categories_are_written_once_before_the_questions_they_start() -> None:
    qs = [
        QuestionData("essay", "A", category="one"),
        QuestionData("essay", "B", category="one"),
        QuestionData("essay", "C", category="two"),
    ]
    assert write_gift(qs) == "$CATEGORY: one\n\nA{}\n\nB{}\n\n$CATEGORY: two\n\nC{}\n"
    assert [without_line_and_warnings(q) for q in round_trip(qs)] == qs


def test_text_that_looks_like_a_format_prefix_is_protected_by_the_real_one() -> None:
    q = QuestionData(
        "single",
        "[html] is not the format here",
        choices=[Choice("[plain] text", 1.0, "[html]fb"), Choice("b", 0.0)],
    )
    text = write_gift([q])
    assert text.startswith("[markdown][html] is")
    assert [without_line(p) for p in parse_gift(text)] == [q]


def test_a_prompt_starting_with_two_slashes_is_not_written_as_a_comment() -> None:
    q = QuestionData("truefalse", "// is a comment marker", correct=True)
    assert [without_line(p) for p in round_trip([q])] == [q]


def test_an_answer_starting_with_a_percent_sign_gets_an_explicit_weight() -> None:
    q = QuestionData(
        "single", "Q", choices=[Choice("right", 1.0), Choice("%50% off", 0.0), Choice("%3%", 0.25)]
    )
    assert [without_line(p) for p in round_trip([q])] == [q]
    s = QuestionData("short", "Q", choices=[Choice("%9%", 1.0)])
    assert [without_line(p) for p in round_trip([s])] == [s]


def test_a_lone_short_answer_with_an_arrow_is_written_without_equals_so_it_stays_short() -> None:
    q = QuestionData("short", "Reaction?", choices=[Choice("A -> B", 1.0, "Yes -> right")])
    assert write_gift([q]) == "Reaction?{A -> B#Yes -> right}\n"
    assert [without_line(p) for p in round_trip([q])] == [q]


def test_weights_are_written_so_they_read_back_exactly() -> None:
    fractions = [1 / 3, -1 / 3, 0.1, 0.3333333, 1e-7, -0.875]
    q = QuestionData(
        "single",
        "Q",
        choices=[Choice("right", 1.0)] + [Choice(f"c{i}", f) for i, f in enumerate(fractions)],
    )
    assert [c.fraction for c in round_trip([q])[0].choices] == [1.0, *fractions]


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        (
            QuestionData("matching", "Q", pairs=[MatchPair("a->b", "c"), MatchPair("d", "e")]),
            "it contains '->'",
        ),
        (
            QuestionData("short", "Q", choices=[Choice("a->b", 1.0), Choice("c", 1.0)]),
            "matching question",
        ),
        (QuestionData("single", "Q", choices=[Choice("a", 0.5), Choice("b", 0)]), "worth 100%"),
        (QuestionData("description", "Q", general_feedback="g"), "general feedback"),
        (QuestionData("essay", "Q", id="a\nb"), "control character"),
        (QuestionData("essay", "Q", tags=["<b>"]), "'<'"),
        (QuestionData("essay", "Q", text_format="rtf"), "text format"),
        (QuestionData("poll", "Q"), "unknown question type"),
    ],
)
def test_what_gift_cannot_express_is_refused_rather_than_written_wrongly(
    question: QuestionData, reason: str
) -> None:
    with pytest.raises(ValueError, match=reason):
        write_gift([question])


def test_every_lesson_file_of_the_course_round_trips() -> None:
    files = sorted(LESSONS.glob("*.gift"))
    assert files
    for path in files:
        questions = assert_round_trips(path.read_text(encoding="utf-8"))
        assert all(not q.errors for q in questions), path


def test_a_file_using_every_feature_round_trips() -> None:
    text = r"""$CATEGORY: course/lesson

// [id:q1] [tag:difficulty-easy] [tag:anchor-a]
::Choice \: one::[html]<b>Pick</b> one{
=right#[html]<i>yes</i>
~%50%half#so-so
~%-100%wrong \{braces\}#no
####[html]general
}

// [id:q2]
::Multi::Pick two{~%50%a ~%50%b ~%-50%c ~%-50%d}

// [id:q3]
Escapes \~ \= \# \{ \} \: \\ and\nnew line{T#no#yes####gen}

// [id:q4]
[plain]Short{=%100%Frog#Good! =%50%Cat =%0%*#Wrong}

// [id:q5]
Numbers{#=1822:0#Exact =%50%1820..1824 ~#Nope}

// [id:q6]
Match{=a -> 1 =b -> 2 = -> 3 ####gf}

// [id:q7]
The {=cat =kitten} sat on the mat.

// [id:q8]
[moodle]Essay{####Model answer}

// [id:q9]
::Intro::Just some text.
"""
    questions = assert_round_trips(text)
    assert [q.type for q in questions] == [
        "single",
        "multi",
        "truefalse",
        "short",
        "numerical",
        "matching",
        "short",
        "essay",
        "description",
    ]
    assert all(not q.errors for q in questions)


def test_windows_and_bom_input_round_trips_to_plain_newlines() -> None:
    text = "\ufeff// [id:a]\r\nQ?{\r\n=yes\r\n~no\r\n}\r\n"
    out = write_gift(parse_gift(text))
    assert "\r" not in out and not out.startswith("\ufeff")
    assert_round_trips(text)


# --- property: any valid question survives write → parse, and parse → write → parse ---

_SAMPLES = st.sampled_from(
    [
        "~",
        "=",
        "#",
        "{",
        "}",
        ":",
        "::",
        "\\",
        "\\n",
        "\n",
        "%",
        "%50%",
        "[html]",
        "[moodle]",
        "_____",
        "//",
        "####",
        "->",
        "-",
        ">",
        "$CATEGORY:",
        "*",
        " ",
        "\t",
        "é",
        "→",
        "T",
        "TRUE",
    ]
)
_CHARS = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters="\r\ufeff" + "".join(chr(c) for c in range(0xFDD0, 0xFDD8)),
)
_RAW = st.lists(st.one_of(_SAMPLES, st.text(_CHARS, max_size=4)), max_size=6).map("".join)


def _clean(text: str) -> str:
    return text.strip()


_TEXT = _RAW.map(_clean)
_NONEMPTY = _TEXT.filter(bool)
_NO_ARROW = _NONEMPTY.filter(lambda t: "->" not in t)
_FEEDBACK = _TEXT
_FRACTION = st.floats(min_value=-1, max_value=1, allow_nan=False)
_LABEL = (
    st.text(
        st.characters(
            whitelist_categories=("L", "N"), whitelist_characters="-_.]: ", max_codepoint=0x2FF
        ),
        min_size=1,
        max_size=12,
    )
    .map(str.strip)
    .filter(bool)
)


@st.composite
def _choices_single(draw: st.DrawFn) -> list[Choice]:
    right = Choice(draw(_NONEMPTY.filter(lambda t: not t.startswith("%"))), 1.0, draw(_FEEDBACK))
    others = draw(
        st.lists(st.builds(Choice, _NONEMPTY, _FRACTION, _FEEDBACK), min_size=1, max_size=4)
    )
    position = draw(st.integers(0, len(others)))
    return [*others[:position], right, *others[position:]]


_SPLITS = st.sampled_from([[1.0], [0.5, 0.5], [0.25, 0.75], [1 / 3, 1 / 3, 1 / 3], [0.2] * 5])


@st.composite
def _choices_multi(draw: st.DrawFn, all_or_nothing: bool) -> list[Choice]:
    positives = [Choice(draw(_NONEMPTY), f, draw(_FEEDBACK)) for f in draw(_SPLITS)]
    rest = draw(
        st.lists(
            st.builds(Choice, _NONEMPTY, st.floats(-1, 0, allow_nan=False), _FEEDBACK),
            min_size=1,
            max_size=3,
        )
    )
    if not all_or_nothing:  # ticking every box must score nothing: one answer cancels all
        rest[0] = Choice(rest[0].text, -1.0, rest[0].feedback)
    return draw(st.permutations(positives + rest))


_RULE_ID = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}", fullmatch=True)
_SILENCES = st.dictionaries(_RULE_ID, st.one_of(st.just(""), _LABEL), max_size=2)


@st.composite
def _numeric_answers(draw: st.DrawFn) -> list[NumericAnswer]:
    number = st.floats(allow_nan=False, allow_infinity=False, width=64)
    tolerance = st.floats(min_value=0, max_value=1e300, allow_nan=False)
    right = NumericAnswer(draw(number), draw(tolerance), 1.0, draw(_FEEDBACK))
    others = draw(
        st.lists(st.builds(NumericAnswer, number, tolerance, _FRACTION, _FEEDBACK), max_size=2)
    )
    answers = draw(st.permutations([right, *others]))
    if draw(st.booleans()):
        answers.append(NumericAnswer(0.0, ANY_NUMBER_TOLERANCE, 0.0, draw(_FEEDBACK)))
    return answers


@st.composite
def _question(draw: st.DrawFn) -> QuestionData:
    kind = draw(
        st.sampled_from(
            [
                "single",
                "multi",
                "truefalse",
                "short",
                "numerical",
                "matching",
                "description",
                "essay",
            ]
        )
    )
    q = QuestionData(
        type=kind,
        prompt=draw(_NONEMPTY),
        title=draw(_TEXT),
        text_format=draw(st.sampled_from(["markdown", "html", "plain", "moodle"])),
        tags=draw(st.lists(_LABEL, max_size=3)),
        general_feedback="" if kind == "description" else draw(_FEEDBACK),
        lint_ok=draw(_SILENCES),
    )
    if kind == "single":
        q.choices = draw(_choices_single())
    elif kind == "multi":
        q.all_or_nothing = draw(st.booleans())
        q.choices = draw(_choices_multi(q.all_or_nothing))
    elif kind == "truefalse":
        q.correct = draw(st.booleans())
        q.feedback_true, q.feedback_false = draw(_FEEDBACK), draw(_FEEDBACK)
    elif kind == "short":
        right = Choice(draw(_NO_ARROW), 1.0, draw(_FEEDBACK.filter(lambda t: "->" not in t)))
        others = draw(
            st.lists(
                st.builds(
                    Choice,
                    _NO_ARROW,
                    _FRACTION,
                    _FEEDBACK.filter(lambda t: "->" not in t),
                ),
                max_size=3,
            )
        )
        q.choices = draw(st.permutations([right, *others]))
    elif kind == "numerical":
        q.numeric_answers = draw(_numeric_answers())
    elif kind == "matching":
        rows = draw(st.lists(st.builds(MatchPair, _NO_ARROW, _NONEMPTY), min_size=2, max_size=4))
        distractors = draw(st.lists(st.builds(MatchPair, st.just(""), _NONEMPTY), max_size=2))
        q.pairs = rows + distractors
    return q


@st.composite
def _files(draw: st.DrawFn) -> list[QuestionData]:
    questions = draw(st.lists(_question(), min_size=1, max_size=4))
    ids = draw(
        st.lists(st.one_of(st.none(), _LABEL), min_size=len(questions), max_size=len(questions))
    )
    seen: set[str] = set()
    category = None
    for question, id_ in zip(questions, ids, strict=True):
        if id_ is not None and id_ not in seen:
            question.id = id_
            seen.add(id_)
        if draw(st.booleans()):
            category = draw(_LABEL.map(lambda c: c.replace("]", "")).filter(bool))
        question.category = category
    return questions


@settings(max_examples=200, deadline=None)
@given(_files())
def test_any_valid_questions_survive_write_then_parse_and_a_second_round_is_identical(
    questions: list[QuestionData],
) -> None:
    try:
        text = write_gift(questions)
    except ValueError:
        assume(False)
    parsed = parse_gift(text)
    assert [q.errors for q in parsed] == [[] for _ in questions], text
    assert [without_line_and_warnings(q) for q in parsed] == [
        without_line_and_warnings(q) for q in questions
    ], text
    # parse → write → parse: equal in every field but `line`, warnings included.
    again = round_trip(parsed)
    assert [without_line(q) for q in again] == [without_line(q) for q in parsed]
