"""Matching: each item on the left gets one of the answers on the right."""

from __future__ import annotations

from typing import Any

from wtforms import StringField
from wtforms.validators import Length, ValidationError

from app.bank.gift_syntax import answer_block, escape, escape_part
from app.bank.grading import Grade, is_index, matching_rows, normalise_text
from app.bank.limits import MAX_ANSWER
from app.bank.lint import items
from app.bank.model import MatchPair, QuestionData
from app.bank.types.base import FormValues, QuestionType, display_index, one_value, shuffled
from app.bank.types.forms import QuestionForm, Row, duplicates, filled, rows
from app.forms import clean


def read_matching(
    form: FormValues, name: str, question: QuestionData, order: list[int]
) -> list[int | None] | None:
    answer: list[int | None] = []
    for row in range(len(matching_rows(question))):
        row_name = f"{name}-r{row}"
        value = one_value(form, row_name)
        answer.append(None if value in (None, "") else display_index(value, order, row_name))
    return answer if any(row is not None for row in answer) else None


def grade_matching(question: QuestionData, answer: Any) -> Grade:
    """Score the share of rows matched to the right text (equal texts count as right)."""
    answered_rows = matching_rows(question)
    if not answered_rows or not isinstance(answer, list | tuple):
        return Grade(0.0)
    pairs = question.pairs
    right = 0
    for position, row in enumerate(answered_rows):
        chosen = answer[position] if position < len(answer) else None
        if (
            is_index(chosen)
            and 0 <= chosen < len(pairs)
            and pairs[chosen].right == pairs[row].right
        ):
            right += 1
    return Grade(right / len(answered_rows))


def answer_order(question: QuestionData, shuffle: bool, rng: Any) -> list[int]:
    """Return the order of the right-hand answers offered in every row (each text once)."""
    seen: set[str] = set()
    order = []
    for index, pair in enumerate(question.pairs):
        if pair.right not in seen:
            seen.add(pair.right)
            order.append(index)
    return shuffled(order, shuffle, rng)


def store_pairs(question: QuestionData) -> dict[str, Any]:
    """Store ``{"pairs": [{"left", "right"}]}``; a pair with an empty ``left`` is a
    distractor: its ``right`` is offered in every row but matches no item."""
    return {"pairs": [{"left": p.left, "right": p.right} for p in question.pairs]}


def load_pairs(question: QuestionData, payload: dict[str, Any]) -> None:
    question.pairs = [MatchPair(**p) for p in payload.get("pairs", [])]


def _pair_right(question: QuestionData, index: Any) -> str:
    if isinstance(index, int) and 0 <= index < len(question.pairs):
        return question.pairs[index].right
    return "?"


def matched(question: QuestionData, answer: Any) -> str:
    """Say what the learner matched each item with ("—" for a row left open)."""
    parts = []
    for row, chosen in zip(matching_rows(question), answer, strict=False):
        right = _pair_right(question, chosen) if chosen is not None else "—"
        parts.append(f"{question.pairs[row].left} → {right}")
    return "; ".join(parts)


def right_pairs(question: QuestionData) -> str:
    """Say each item's right match."""
    return "; ".join(
        f"{question.pairs[row].left} → {question.pairs[row].right}"
        for row in matching_rows(question)
    )


def write_matching(question: QuestionData) -> str:
    """Write '=left -> right' pairs; a distractor has an empty left side."""
    fmt = question.text_format
    items = []
    for pair in question.pairs:
        if "->" in pair.left:
            raise ValueError(
                f"matching left side {pair.left!r} cannot be written in GIFT: it contains '->'"
            )
        items.append(f"={escape_part(pair.left, fmt)} -> {escape(pair.right)}")
    return answer_block(items, question)


class PairRow(Row):
    """A matching pair; a right side with an empty left side is a distractor."""

    left = StringField("Item", validators=[Length(max=MAX_ANSWER)])
    right = StringField("Its match", validators=[Length(max=MAX_ANSWER)])

    def is_blank(self) -> bool:
        return not clean(self.left.data) and not clean(self.right.data)

    def validate_left(self, field: StringField) -> None:
        if "->" in clean(field.data):
            raise ValidationError("An item cannot contain '->'.")

    def validate_right(self, field: StringField) -> None:
        if clean(self.left.data) and not clean(field.data):
            raise ValidationError("Give the match for this item.")


class MatchingForm(QuestionForm):
    kind = "matching"
    rows_name = "pairs"
    prompt_hint = None  # no missing word: the answers are the pairs
    pairs = rows(PairRow, "Pairs", 4)

    def validate_pairs(self, field: Any) -> None:
        filled_rows = filled(field)
        items = [clean(row.left.data) for _, row in filled_rows if clean(row.left.data)]
        if len(items) < 2:
            raise ValidationError(
                "Give at least 2 pairs with an item and its match "
                f"(found {len(items)}); a match without an item is only a distractor."
            )
        if duplicates(items):
            raise ValidationError("Two items are the same; each item must differ.")
        pairs = [(clean(row.left.data), clean(row.right.data)) for _, row in filled_rows]
        if len({(normalise_text(a), normalise_text(b)) for a, b in pairs}) != len(pairs):
            raise ValidationError("Two rows are the same; remove one.")

    @classmethod
    def values_for(cls, question: QuestionData) -> dict[str, Any]:
        return {"pairs": [{"left": p.left, "right": p.right} for p in question.pairs]}

    def fill(self, question: QuestionData) -> None:
        question.pairs = [
            MatchPair(clean(row.left.data), clean(row.right.data)) for _, row in filled(self.pairs)
        ]


TYPE = QuestionType(
    name="matching",
    label="Matching",
    add_label="Add a matching question",
    read_answer=read_matching,
    grade=grade_matching,
    write_gift=write_matching,
    form=MatchingForm,
    answer_text=matched,
    correct_answer_text=right_pairs,
    display_order=answer_order,
    store=store_pairs,
    load=load_pairs,
    lint_rules=(items.matching_no_spare, items.matching_shared_words, items.stem_says_lesson),
)
