"""Multiple response that cannot be gamed: ticking every box scores nothing unless every
choice is right, whatever weights a reader accepts (or the question is all-or-nothing)."""

from __future__ import annotations

from hypothesis import event, example, given
from hypothesis import strategies as st

from app.bank.aiken import parse_aiken
from app.bank.gift import parse_gift, write_gift
from app.bank.model import Choice, QuestionData
from app.bank.types import from_stored, grade, payload
from app.bank.types.multi import tick_everything_problem

_PERCENT = st.integers(min_value=-100, max_value=100)


@st.composite
def _splits(draw: st.DrawFn) -> list[int]:
    """Positive whole percentages adding up to 100, as a valid question needs."""
    cuts = sorted(draw(st.sets(st.integers(1, 99), max_size=4)))
    return [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]


@st.composite
def _weightings(draw: st.DrawFn) -> tuple[list[int], bool]:
    """Weights for a multiple-response question: cancelling, plausible, or anything at all."""
    kind = draw(st.sampled_from(["cancelling", "plausible", "anything"]))
    if kind == "cancelling":  # wrong answers take back at least what the right ones give
        wrong = [-w for w in draw(_splits())] + draw(st.lists(st.integers(-100, 0), max_size=2))
        weights = draw(st.permutations(draw(_splits()) + wrong))
    elif kind == "plausible":
        wrong = draw(st.lists(st.integers(-100, 0), min_size=0, max_size=4))
        weights = draw(st.permutations(draw(_splits()) + wrong))
    else:
        weights = draw(st.lists(_PERCENT, min_size=2, max_size=6))
    return weights, draw(st.booleans())


def _gift(weights: list[int], all_or_nothing: bool) -> str:
    tag = "// [tag:all-or-nothing]\n" if all_or_nothing else ""
    answers = " ".join(f"~%{w}%choice {i}" for i, w in enumerate(weights))
    return f"{tag}Pick the right ones.{{{answers}}}"


def _tick_everything(question: QuestionData) -> float:
    return grade(question, list(range(len(question.choices)))).fraction


@given(_weightings())
@example(([50, 50, 0], False))
@example(([50, 50, -50, -50], False))
@example(([50, 50, -25, -25], False))
@example(([50, 50, 0, 0], True))
@example(([34, 33, 33, -100], False))
@example(([100, 0], False))
@example(([60, 40], False))
def test_whatever_the_gift_reader_accepts_ticking_every_box_scores_nothing(weighting):
    weights, all_or_nothing = weighting
    (question,) = parse_gift(_gift(weights, all_or_nothing))
    event("refused" if question.errors else "accepted")
    if question.errors:
        return  # refused: nothing to grade
    assert question.type == "multi"
    every_choice_right = all(choice.fraction > 0 for choice in question.choices)
    score = _tick_everything(question)
    assert score == 0 or every_choice_right, (weights, all_or_nothing, score)
    # The same holds for the stored version, which keeps the all-or-nothing mark.
    stored = from_stored("multi", question.prompt, payload(question))
    assert _tick_everything(stored) == score


@given(_weightings())
def test_the_rule_refuses_exactly_the_weights_under_which_ticking_every_box_scores(weighting):
    weights, all_or_nothing = weighting
    question = QuestionData(
        type="multi",
        prompt="Pick.",
        choices=[Choice(f"c{i}", w / 100) for i, w in enumerate(weights)],
        all_or_nothing=all_or_nothing,
    )
    some_choice_wrong = any(choice.fraction <= 0 for choice in question.choices)
    games = some_choice_wrong and _tick_everything(question) > 0
    assert (tick_everything_problem(question) is not None) == games


@given(st.lists(st.booleans(), min_size=2, max_size=6), st.data())
def test_an_all_or_nothing_question_scores_only_the_exact_set_of_right_answers(rights, data):
    if not any(rights):
        rights = [True, *rights[1:]]
    share = 1 / sum(rights)
    question = QuestionData(
        type="multi",
        prompt="Pick.",
        choices=[Choice(f"c{i}", share if right else 0.0) for i, right in enumerate(rights)],
        all_or_nothing=True,
    )
    picked = data.draw(st.sets(st.integers(0, len(rights) - 1)))
    exact = picked == {i for i, right in enumerate(rights) if right}
    assert grade(question, sorted(picked)).fraction == (1.0 if exact else 0.0)


def test_all_or_nothing_round_trips_through_the_writer_and_the_stored_payload():
    (question,) = parse_gift(_gift([50, 50, 0, 0], True))
    assert payload(question)["all_or_nothing"] is True
    assert "// [tag:all-or-nothing]" in write_gift([question])
    (again,) = parse_gift(write_gift([question]))
    assert again.all_or_nothing and again.tags == []
    plain = QuestionData(type="multi", prompt="P", choices=[Choice("a", 1.0), Choice("b", -1.0)])
    assert "all_or_nothing" not in payload(plain)  # stored payloads of other questions unchanged


def test_aiken_cannot_express_multiple_response_so_it_cannot_be_gamed():
    (question,) = parse_aiken("Pick two.\nA. one\nB. two\nC. three\nANSWER: A, B\n")
    assert question.type == "single"
    assert question.errors == [
        "line 5: 'ANSWER: A, B' must name exactly one letter (Aiken has one right answer)"
    ]


def test_the_course_loader_refuses_a_gameable_multiple_response(tmp_path):
    import shutil

    import pytest

    from app.course.files import CourseFileError, read_course
    from tests.support import FIXTURE_COURSE

    course = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, course)
    gift = next((course / "lessons").glob("*.gift"))
    gift.write_text(
        gift.read_text(encoding="utf-8")
        + "\n// [id:gameable-1]\nPick the two.{~%50%a ~%50%b ~c ~d}\n",
        encoding="utf-8",
    )
    with pytest.raises(CourseFileError, match="ticking every box scores 100%") as error:
        read_course(course)
    assert error.value.path == str(gift)
    assert error.value.line == gift.read_text(encoding="utf-8").count("\n") - 1
