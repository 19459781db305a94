"""Moodle's own GIFT tests, mirrored: question/format/gift/tests/giftformat_test.php.

Each `test_import_*` here feeds the same GIFT text as the Moodle test of the same
name and expects what Moodle expects, mapped onto `QuestionData`:

- Moodle's default text format (FORMAT_MOODLE, no prefix) is our default, markdown;
  an explicit ``[moodle]`` stays "moodle" with a warning.
- Moodle stores a format per answer and per feedback; we keep one format per
  question, so a differing ``[format]`` on a part is dropped with a warning.
- Moodle's multichoice ``single`` = 1/0 is our type "single"/"multi".
- A numerical ``*`` answer (and ``~#feedback``) is a catch-all `NumericAnswer`
  whose tolerance is `ANY_NUMBER_TOLERANCE`.
- Moodle's name is our title; idnumber our id ("" there is None here).

Each `test_export_*` reads Moodle's expected export output back and checks we get
the question Moodle exported, and where our writer's conventions match Moodle's,
that we write the same text (without Moodle's ``// question: N  name: X`` line).
"""

from __future__ import annotations

import pytest

from app.bank.gift import parse_gift, write_gift
from app.bank.grading import ANY_NUMBER_TOLERANCE
from app.bank.model import Choice, MatchPair, NumericAnswer, QuestionData


def read_one(gift: str) -> QuestionData:
    """Read the single question of a Moodle test's GIFT text."""
    questions = parse_gift(gift)
    assert len(questions) == 1, questions
    assert questions[0].errors == []
    return questions[0]


def test_import_essay() -> None:
    q = read_one("\n// essay\n::Q8:: How are you? {}")
    assert q.type == "essay"
    assert q.title == "Q8"
    assert q.prompt == "How are you?"
    assert q.text_format == "markdown"
    assert q.general_feedback == ""
    # Moodle imports it for manual grading; this app cannot grade essays.
    assert q.warnings == ["essay questions are kept but cannot be graded here: they earn no points"]


def test_import_match() -> None:
    q = read_one(
        "\n// question: 2  name: Moodle activities\n"
        "::Moodle activities::[html]Match the <b>activity</b> to the description.{\n"
        "    =[html]An activity supporting asynchronous discussions. -> Forum\n"
        "    =[moodle]A teacher asks a question and specifies a choice of multiple responses. "
        "-> Choice\n"
        "    =[plain]A bank of record entries which participants can add to. -> Database\n"
        "    =[markdown]A collection of web pages that anyone can add to or edit. -> Wiki\n"
        "    = -> Chat\n"
        "}"
    )
    assert q.type == "matching"
    assert q.title == "Moodle activities"
    assert q.prompt == "Match the <b>activity</b> to the description."
    assert q.text_format == "html"
    assert q.pairs == [
        MatchPair("An activity supporting asynchronous discussions.", "Forum"),
        MatchPair(
            "A teacher asks a question and specifies a choice of multiple responses.", "Choice"
        ),
        MatchPair("A bank of record entries which participants can add to.", "Database"),
        MatchPair("A collection of web pages that anyone can add to or edit.", "Wiki"),
        MatchPair("", "Chat"),
    ]
    # Moodle keeps [moodle], [plain] and [markdown] per row; we warn and use [html].
    assert len(q.warnings) == 3
    assert all("a matching left side is ignored" in w for w in q.warnings)


def test_import_multichoice() -> None:
    # Moodle runs this once per answer numbering style (abc, ABCD, 123, ...): that is
    # a site setting, not part of the GIFT text, so one run covers it here.
    q = read_one(
        "\n// multiple choice with specified feedback for right and wrong answers\n"
        "::Q2:: What's between orange and green in the spectrum?\n"
        "{\n"
        "    =yellow # right; good!\n"
        "    ~red # [html]wrong, it's yellow\n"
        "    ~[plain]blue # wrong, it's yellow\n"
        "}"
    )
    assert q.type == "single"
    assert q.title == "Q2"
    assert q.prompt == "What's between orange and green in the spectrum?"
    assert q.text_format == "markdown"
    assert q.choices == [
        Choice("yellow", 1.0, "right; good!"),
        Choice("red", 0.0, "wrong, it's yellow"),
        Choice("blue", 0.0, "wrong, it's yellow"),
    ]
    assert len(q.warnings) == 2  # the [html] feedback and the [plain] answer


def test_import_multichoice_multi() -> None:
    q = read_one(
        "\n// multiple choice, multiple response with specified feedback for right and wrong "
        "answers\n"
        "::colours:: What's between orange and green in the spectrum?\n"
        "{\n"
        "    ~%50%yellow # right; good!\n"
        "    ~%-100%red # [html]wrong\n"
        "    ~%50%off-beige # right; good!\n"
        "    ~%-100%[plain]blue # wrong\n"
        "}"
    )
    assert q.type == "multi"
    assert q.title == "colours"
    assert q.prompt == "What's between orange and green in the spectrum?"
    assert q.choices == [
        Choice("yellow", 0.5, "right; good!"),
        Choice("red", -1.0, "wrong"),
        Choice("off-beige", 0.5, "right; good!"),
        Choice("blue", -1.0, "wrong"),
    ]


def test_import_multichoice_multi_tricky() -> None:
    q = read_one(
        "\n// multiple choice, multiple response with specified feedback for right and wrong "
        "answers\n"
        "::colours:: What's between orange and green in the spectrum?\n"
        "{\n"
        "    ~%100%yellow # right; good!\n"
        "    ~%-50%red # wrong\n"
        "    ~%-50%blue # wrong\n"
        "}"
    )
    # One answer at 100% but no '=': Moodle makes it multiple response (single = 0).
    assert q.type == "multi"
    assert q.choices == [
        Choice("yellow", 1.0, "right; good!"),
        Choice("red", -0.5, "wrong"),
        Choice("blue", -0.5, "wrong"),
    ]
    assert q.warnings == []


def test_import_numerical() -> None:
    q = read_one(
        "\n// math range question\n::Q5:: What is a number from 1 to 5? {#3:2~#Completely wrong}"
    )
    assert q.type == "numerical"
    assert q.title == "Q5"
    assert q.prompt == "What is a number from 1 to 5?"
    assert q.numeric_answers == [
        NumericAnswer(3.0, 2.0, 1.0, ""),
        NumericAnswer(0.0, ANY_NUMBER_TOLERANCE, 0.0, "Completely wrong"),  # Moodle's '*'
    ]


def test_import_numerical_refuses_what_moodle_reads_as_any_number() -> None:
    # Not a Moodle test: Moodle's importer has `$ans = '*'` where it means `==`, so
    # '{#ten}' imports as "any number is right". We refuse it instead.
    (q,) = parse_gift("::Q:: What is ten? {#ten}")
    assert q.errors == ["numerical answer 'ten' is not a number"]


SHORTANSWER = (
    "\n// question: 666  name: Shortanswer\n"
    "::Shortanswer::Which is the best animal?{\n"
    "    =Frog#Good!\n"
    "    =%50%Cat#What is it with Moodlers and cats?\n"
    "    =%0%*#Completely wrong\n"
)
SHORTANSWER_CHOICES = [
    Choice("Frog", 1.0, "Good!"),
    Choice("Cat", 0.5, "What is it with Moodlers and cats?"),
    Choice("*", 0.0, "Completely wrong"),
]


def test_import_shortanswer() -> None:
    q = read_one(SHORTANSWER + "}")
    assert q.type == "short"
    assert q.title == "Shortanswer"
    assert q.prompt == "Which is the best animal?"
    assert q.general_feedback == ""
    assert q.choices == SHORTANSWER_CHOICES


def test_import_shortanswer_with_general_feedback() -> None:
    q = read_one(SHORTANSWER + "    ####[html]Here is some general feedback!\n}")
    assert q.type == "short"
    assert q.choices == SHORTANSWER_CHOICES
    assert q.general_feedback == "Here is some general feedback!"
    # Moodle keeps FORMAT_HTML for the general feedback alone; we warn and drop it.
    assert len(q.warnings) == 1 and "[html]" in q.warnings[0]


def test_import_truefalse() -> None:
    q = read_one(
        "\n// true/false\n"
        "::Q1:: 42 is the Absolute Answer to everything.{\n"
        "FALSE#42 is the Ultimate Answer.#You gave the right answer.}"
    )
    assert q.type == "truefalse"
    assert q.title == "Q1"
    assert q.prompt == "42 is the Absolute Answer to everything."
    assert q.correct is False
    assert q.feedback_true == "42 is the Ultimate Answer."
    assert q.feedback_false == "You gave the right answer."


def test_import_truefalse_true_answer1() -> None:
    q = read_one("// name 0-11\n::2-08 TSL::TSL is blablabla.{T}")
    assert (q.type, q.title, q.prompt, q.correct) == (
        "truefalse",
        "2-08 TSL",
        "TSL is blablabla.",
        True,
    )
    assert (q.feedback_true, q.feedback_false) == ("", "")


def test_import_truefalse_true_answer2() -> None:
    q = read_one("// name 0-11\n::2-08 TSL::TSL is blablabla.{TRUE}")
    assert (q.type, q.title, q.prompt, q.correct) == (
        "truefalse",
        "2-08 TSL",
        "TSL is blablabla.",
        True,
    )
    assert (q.feedback_true, q.feedback_false) == ("", "")


def test_import_backslash() -> None:
    # MDL-34171: '\\' in a file is one backslash in the text.
    q = read_one("\n// essay\n::double backslash:: A \\\\ B \\\\\\\\ C{}")
    assert q.type == "essay"
    assert q.title == "double backslash"
    assert q.prompt == "A \\ B \\\\ C"


def test_import_pre_content() -> None:
    q = read_one(
        "\n::Q001::[html]<p>What would running the test method print?</p>\n"
        "<pre>\n"
        "    public void test() \\{\n"
        "        method1();\n"
        "        method2();\n"
        "        method3();\n"
        "    \\}\n"
        "</pre>\n"
        "{}"
    )
    assert q.type == "essay"
    assert q.title == "Q001"
    assert q.text_format == "html"
    assert q.prompt == (
        "<p>What would running the test method print?</p>\n"
        "<pre>\n"
        "    public void test() {\n"
        "        method1();\n"
        "        method2();\n"
        "        method3();\n"
        "    }\n"
        "</pre>"
    )


def test_import_question_with_tags() -> None:
    q = read_one(
        "\n// This question is to test importing tags: [tag:tag] [tag:other-tag].\n"
        "// And an idnumber: [id:myid].\n"
        "::Question name:: How are you? {}"
    )
    assert q.type == "essay"
    assert q.title == "Question name"
    assert q.prompt == "How are you?"
    assert q.tags == ["tag", "other-tag"]
    assert q.id == "myid"
    assert q.line == 3  # the [id:] comment line


# Moodle's extract_idnumber_and_tags_from_comment_testcases(): (idnumber, tags, comment).
# Moodle tests the comment helper directly; we read the comment above a question.
# 'split over line': Moodle's comment continues on a line that is not a comment of
# its own; in a file both lines must start with '//' to belong to the question.
EXTRACT_CASES = {
    "blank comment": ("", [], ""),
    "nothing in comment": ("", [], "// A basic comment."),
    "idnumber only": ("frog", [], "// A comment with [id:frog] <-- an idnumber."),
    "tags only": ("", ["frog", "toad"], "// Look tags: [tag:frog] [tag:toad]."),
    "everything": ("four", ["add", "basic"], "// [tag:add] [tag:basic] [id:four]"),
    "everything mixed up": (
        "four",
        ["basic", "add"],
        "// [tag:  basic] Here is  \n// a [id:   four   ] que[tag:add   ]stion.",
    ),
    "split over line": ("", [], "// Ceci n\\'est pas une [tag:\n// \\ frog]."),
    "escape ] idnumber": ("i]d", [], "// [id:i\\]d]."),
    "escape ] tag": ("", ["t]ag"], "// [tag:t\\]ag]."),
}


@pytest.mark.parametrize(
    ("idnumber", "tags", "comment"), EXTRACT_CASES.values(), ids=EXTRACT_CASES.keys()
)
def test_extract_idnumber_and_tags_from_comment(
    idnumber: str, tags: list[str], comment: str
) -> None:
    text = f"{comment}\nQ{{T}}" if comment else "Q{T}"
    q = read_one(text)
    assert q.id == (idnumber or None)
    assert q.tags == tags


# --- Moodle's export tests: their output reads back, and ours matches where it can ---


def test_export_essay() -> None:
    moodle = "// question: 666  name: Q8\n::Q8::How are you?{}\n\n"
    q = read_one(moodle)
    assert (q.type, q.title, q.prompt) == ("essay", "Q8", "How are you?")
    assert write_gift([q]) == "::Q8::How are you?{}\n"


def test_export_match() -> None:
    moodle = (
        "// question: 666  name: Moodle activities\n"
        "::Moodle activities::[html]Match the <b>activity</b> to the description.{\n"
        '\t=<div class\\="frog">An activity supporting asynchronous discussions.</div> -> Forum\n'
        "\t=[moodle]A teacher asks a question and specifies a choice of multiple responses. "
        "-> Choice\n"
        "\t=[plain]A bank of record entries which participants can add to. -> Database\n"
        "\t=[markdown]A collection of web pages that anyone can add to or edit. -> Wiki\n"
        "\t= -> Chat\n"
        "}\n\n"
    )
    q = read_one(moodle)
    assert q.type == "matching"
    assert q.text_format == "html"
    assert q.pairs[0] == MatchPair(
        '<div class="frog">An activity supporting asynchronous discussions.</div>', "Forum"
    )
    assert [p.right for p in q.pairs] == ["Forum", "Choice", "Database", "Wiki", "Chat"]
    assert q.pairs[-1].left == ""


def test_export_multichoice() -> None:
    moodle = (
        "// question: 666  name: Q8\n"
        "::Q8::What's between orange and green in the spectrum?{\n"
        "\t=yellow#right; good!\n"
        "\t~red#[html]wrong, it's yellow\n"
        "\t~[plain]blue#wrong, it's yellow\n"
        "}\n\n"
    )
    q = read_one(moodle)
    assert q.type == "single"
    assert q.choices == [
        Choice("yellow", 1.0, "right; good!"),
        Choice("red", 0.0, "wrong, it's yellow"),
        Choice("blue", 0.0, "wrong, it's yellow"),
    ]


def test_export_multichoice_multi_tricky() -> None:
    moodle = (
        "// question: 666  name: Q8\n"
        "::Q8::What's between orange and green in the spectrum?{\n"
        "\t~%100%yellow#right; good!\n"
        "\t~%-50%red#wrong, it's yellow\n"
        "\t~%-50%blue#wrong, it's yellow\n"
        "}\n\n"
    )
    q = read_one(moodle)
    assert q.type == "multi"
    assert [c.fraction for c in q.choices] == [1.0, -0.5, -0.5]
    assert write_gift([q]) == moodle.split("\n", 1)[1].removesuffix("\n")


def test_export_numerical() -> None:
    moodle = (
        "// question: 666  name: Q5\n"
        "::Q5::What is a number from 1 to 5?{#\n"
        "\t=%100%3:2#\n"
        "\t~#Completely wrong\n"
        "}\n\n"
    )
    q = read_one(moodle)
    assert q.numeric_answers == [
        NumericAnswer(3.0, 2.0, 1.0, ""),
        NumericAnswer(0.0, ANY_NUMBER_TOLERANCE, 0.0, "Completely wrong"),
    ]
    # We write a 100% answer as plain '=' and no empty '#'; Moodle reads both the same.
    assert (
        write_gift([q])
        == "::Q5::What is a number from 1 to 5?{#\n\t=3:2\n\t~#Completely wrong\n}\n"
    )


def test_export_shortanswer() -> None:
    moodle = (
        "// question: 666  name: Shortanswer\n"
        "::Shortanswer::Which is the best animal?{\n"
        "\t=%100%Frog#Good!\n"
        "\t=%50%Cat#What is it with Moodlers and cats?\n"
        "\t=%0%*#Completely wrong\n"
        "}\n\n"
    )
    q = read_one(moodle)
    assert q.choices == SHORTANSWER_CHOICES


def test_export_shortanswer_with_general_feedback() -> None:
    moodle = (
        "// question: 666  name: Shortanswer\n"
        "::Shortanswer::Which is the best animal?{\n"
        "\t=%100%Frog#Good!\n"
        "\t=%50%Cat#What is it with Moodlers and cats?\n"
        "\t=%0%*#Completely wrong\n"
        "\t####[html]Here is some general feedback!\n"
        "}\n\n"
    )
    q = read_one(moodle)
    assert q.choices == SHORTANSWER_CHOICES
    assert q.general_feedback == "Here is some general feedback!"


def test_export_truefalse() -> None:
    moodle = (
        "// question: 666  name: Q1\n"
        "::Q1::42 is the Absolute Answer to everything.{TRUE#[html]42 is the Ultimate Answer."
        "#You gave the right answer.}\n\n"
    )
    q = read_one(moodle)
    assert q.correct is True
    assert q.feedback_true == "You gave the right answer."
    assert q.feedback_false == "42 is the Ultimate Answer."


def test_export_backslash() -> None:
    q = QuestionData("essay", "A \\ B \\\\ C", title="backslash")
    assert write_gift([q]) == "::backslash::A \\\\ B \\\\\\\\ C{}\n"


def test_export_question_with_tags_and_idnumber() -> None:
    moodle = (
        "// question: 42  name: True/false question\n"
        "// [id:myid] [tag:tag1] [tag:tag2]\n"
        "::True/false question::[html]The answer is true.{TRUE#This is the wrong answer."
        "#This is the right answer.####You should have selected true.}\n\n"
    )
    q = read_one(moodle)
    assert (q.id, q.tags, q.text_format, q.correct) == ("myid", ["tag1", "tag2"], "html", True)
    assert q.feedback_true == "This is the right answer."
    assert q.feedback_false == "This is the wrong answer."
    assert q.general_feedback == "You should have selected true."
    assert write_gift([q]) == moodle.split("\n", 1)[1].removesuffix("\n")
