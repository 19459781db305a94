"""Between the question forms and the bank: fill a form, read it back, preview it.

A submitted form becomes a `QuestionData` (the bank's one shape), which is then
checked the way the bank checks questions: written as GIFT and read back, so
that whatever an instructor saves can be exported and re-imported unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from app.bank.gift import parse_gift, write_gift
from app.bank.grading import ANY_NUMBER_TOLERANCE, correct_answer_text, is_any_number
from app.bank.model import Choice, MatchPair, NumericAnswer, QuestionData
from app.bank.registry import KINDS, QuestionKind, display_order, matching_rows
from app.instructor.forms import (
    MAX_ROWS,
    QUESTION_FORMS,
    LessonTextForm,
    QuestionForm,
    clean,
    filled,
    parse_number,
    parse_percent,
)

PREVIEW_FIELD = "preview-q1"


def anchor_choices(anchors: list[str]) -> list[tuple[str, str]]:
    return [SelectChoice("", "— none —")] + [SelectChoice(anchor) for anchor in anchors]


def question_form(
    kind: str,
    anchors: list[str],
    formdata: MultiDict | None = None,
    data: QuestionData | None = None,
    base_version: int | None = None,
) -> QuestionForm:
    """Build the form for `kind`: from a submission, from a stored question, or blank."""
    form_class = QUESTION_FORMS[kind]
    if formdata is not None:
        form = form_class(formdata=formdata)
    elif data is not None:
        form = form_class(formdata=None, data=form_values(data))
        form.base_version.data = str(base_version or "")
        ensure_blank_row(form)
    else:
        form = form_class(formdata=None)
    form.anchor.choices = anchor_choices(anchors)
    if data is not None and data.anchor and data.anchor not in anchors:
        # Show the stored paragraph even though the lesson lost it; saving asks for another.
        form.anchor.choices.append(
            SelectChoice(data.anchor, f"{data.anchor} (no longer in the lesson)")
        )
        form.anchor.data = data.anchor
    _sync_correct_choices(form)
    return form


def ensure_blank_row(form: QuestionForm | LessonTextForm) -> None:
    rows = getattr(form, form.rows_name) if form.rows_name else None
    if rows is not None and len(rows) < MAX_ROWS and all(not e.form.is_blank() for e in rows):
        rows.append_entry()


def _sync_correct_choices(form: QuestionForm) -> None:
    if form.kind == "single":
        form.correct.choices = [
            SelectChoice(str(i), f"Choice {i + 1}") for i in range(len(form.choices.entries))
        ]


def apply_row_action(form: QuestionForm | LessonTextForm, formdata: MultiDict) -> str | None:
    """Add or remove an answer row if that button was pressed; say what happened.

    Returns None when the submission was not a row action.
    """
    rows = getattr(form, form.rows_name) if form.rows_name else None
    if rows is None:
        return None
    if form.add_row.data:
        if len(rows) >= MAX_ROWS:
            return f"A question has at most {MAX_ROWS} rows."
        rows.append_entry()
        if isinstance(form, QuestionForm):
            _sync_correct_choices(form)
        return "Added a row."
    removed = formdata.get("remove_row")
    if removed is None:
        return None
    if not removed.isdigit() or int(removed) >= len(rows):
        return "That row no longer exists."
    index = int(removed)
    rows.pop_entry(index)
    if isinstance(form, QuestionForm) and form.kind == "single":
        correct = form.correct.data or ""
        if correct.isdigit():
            position = int(correct)
            form.correct.data = (
                None if position == index else str(position - 1) if position > index else correct
            )
        _sync_correct_choices(form)
    if not len(rows):
        rows.append_entry()
    return f"Removed row {index + 1}."


# --- stored question -> form ---------------------------------------------------


def _percent(fraction: float) -> str:
    return f"{(Decimal(repr(fraction)) * 100).normalize():f}"


def form_values(data: QuestionData) -> dict[str, Any]:
    """Return the form's initial values for a stored question."""
    values: dict[str, Any] = {
        "title": data.title,
        "prompt": data.prompt,
        "general_feedback": data.general_feedback,
        "difficulty": data.difficulty or "",
        "anchor": data.anchor or "",
    }
    kind = data.type
    if kind == "single":
        right = next((i for i, c in enumerate(data.choices) if c.fraction >= 1), None)
        values["correct"] = None if right is None else str(right)
        values["choices"] = [
            {
                "text": c.text,
                "weight": "" if i == right or c.fraction == 0 else _percent(c.fraction),
                "feedback": c.feedback,
            }
            for i, c in enumerate(data.choices)
        ]
    elif kind == "multi":
        values["choices"] = [
            {
                "text": c.text,
                "weight": "" if c.fraction == 0 else _percent(c.fraction),
                "feedback": c.feedback,
            }
            for c in data.choices
        ]
    elif kind == "truefalse":
        values["correct"] = "true" if data.correct else "false"
        values["feedback_true"] = data.feedback_true
        values["feedback_false"] = data.feedback_false
    elif kind == "short":
        values["answers"] = [
            {"text": c.text, "weight": _percent(c.fraction), "feedback": c.feedback}
            for c in data.choices
        ]
    elif kind == "numerical":
        values["answers"] = [
            {
                "value": "*" if is_any_number(a) else _number(a.value),
                "tolerance": "0" if is_any_number(a) else _number(a.tolerance),
                "weight": _percent(a.fraction),
                "feedback": a.feedback,
            }
            for a in data.numeric_answers
        ]
    elif kind == "matching":
        values["pairs"] = [{"left": p.left, "right": p.right} for p in data.pairs]
    return values


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


# --- form -> QuestionData ------------------------------------------------------


def _fraction(text: str | None, default: int) -> float:
    return float(parse_percent(text, Decimal(default)) / 100)


def question_data(form: QuestionForm, points: float = 1.0) -> QuestionData:
    """Read a validated form into the bank's question shape."""
    difficulty, anchor = form.difficulty.data or "", form.anchor.data or ""
    tags = ([f"difficulty-{difficulty}"] if difficulty else []) + (
        [f"anchor-{anchor}"] if anchor else []
    )
    data = QuestionData(
        type=form.kind,
        prompt=clean(form.prompt.data),
        title=clean(form.title.data),
        general_feedback=clean(form.general_feedback.data),
        tags=tags,
        points=points,
    )
    if form.kind == "single":
        correct = int(form.correct.data)
        data.choices = [
            Choice(
                clean(row.text.data),
                1.0 if index == correct else _fraction(row.weight.data, 0),
                clean(row.feedback.data),
            )
            for index, row in filled(form.choices)
        ]
    elif form.kind == "multi":
        data.choices = [
            Choice(clean(row.text.data), _fraction(row.weight.data, 0), clean(row.feedback.data))
            for _, row in filled(form.choices)
        ]
    elif form.kind == "truefalse":
        data.correct = form.correct.data == "true"
        data.feedback_true = clean(form.feedback_true.data)
        data.feedback_false = clean(form.feedback_false.data)
    elif form.kind == "short":
        data.choices = [
            Choice(clean(row.text.data), _fraction(row.weight.data, 100), clean(row.feedback.data))
            for _, row in filled(form.answers)
        ]
    elif form.kind == "numerical":
        data.numeric_answers = [_numeric_answer(row) for _, row in filled(form.answers)]
        # A catch-all must come last: GIFT writes a final one as '~#feedback'.
        data.numeric_answers.sort(key=is_any_number)
    elif form.kind == "matching":
        data.pairs = [
            MatchPair(clean(row.left.data), clean(row.right.data)) for _, row in filled(form.pairs)
        ]
    return data


def _numeric_answer(row: Any) -> NumericAnswer:
    fraction = _fraction(row.weight.data, 100)
    feedback = clean(row.feedback.data)
    if row.is_any_number():
        return NumericAnswer(0.0, ANY_NUMBER_TOLERANCE, fraction, feedback)
    tolerance = parse_number(clean(row.tolerance.data) or "0")
    return NumericAnswer(parse_number(row.value.data), tolerance, fraction, feedback)


def bank_problems(data: QuestionData) -> list[str]:
    """Check a question as the bank would: it must survive a GIFT export and re-import."""
    try:
        text = write_gift([data])
    except ValueError as error:
        return [f"This question cannot be exported as GIFT: {error}."]
    parsed = parse_gift(text)
    if len(parsed) != 1:
        return ["This question would not read back as one question from GIFT."]
    back = parsed[0]
    problems = [f"As GIFT, {error}." for error in back.errors]
    if not problems and (
        back.type,
        back.title,
        back.prompt,
        back.payload(),
        back.general_feedback,
    ) != (data.type, data.title, data.prompt, data.payload(), data.general_feedback):
        problems.append("This question would change if exported as GIFT and imported again.")
    return problems


# --- preview -------------------------------------------------------------------


@dataclass
class PreviewResponse:
    """Stands in for an attempt's response, so the learner's partials render unchanged."""

    position: int
    choice_order: list[int]
    answer: Any = None


def preview_item(data: QuestionData) -> dict[str, Any]:
    """Return what the learner's question partial needs, for a question not yet saved."""
    kind: QuestionKind = KINDS[data.type]
    return {
        "question": data,
        "response": PreviewResponse(1, display_order(data, shuffle=False, rng=None)),
        "kind": kind,
        "name": PREVIEW_FIELD,
        "rows": [data.pairs[i] for i in matching_rows(data)],
        "correct_answer": correct_answer_text(data),
    }
