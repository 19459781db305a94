"""Between the question forms and the bank: fill a form, read it back, preview it.

Each question type's form (found from its type, `app.bank.types`) reads and
fills its own fields; the fields every question has are handled here. A
submitted form becomes a `QuestionData` (the bank's one shape), which is then
checked the way the bank checks questions: written as GIFT and read back, so
that whatever an instructor saves can be exported and re-imported unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from app.bank.gift import parse_gift, write_gift
from app.bank.grading import matching_rows
from app.bank.limits import MAX_ROWS
from app.bank.lint import Finding, Silenced, lint_one
from app.bank.lint.silences import parse_silence
from app.bank.model import QuestionData
from app.bank.types import correct_answer_text, display_order, payload, question_type
from app.bank.types.forms import QuestionForm
from app.forms import clean
from app.instructor.forms.lessons import LessonTextForm
from app.rendering import LiveTexts

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
    form_class = question_type(kind).form
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
    return form


def ensure_blank_row(form: QuestionForm | LessonTextForm) -> None:
    rows = getattr(form, form.rows_name) if form.rows_name else None
    if rows is not None and len(rows) < MAX_ROWS and all(not e.form.is_blank() for e in rows):
        rows.append_entry()
        _rows_changed(form)


def _rows_changed(form: QuestionForm | LessonTextForm, removed: int | None = None) -> None:
    if isinstance(form, QuestionForm):
        form.rows_changed(removed)


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
        _rows_changed(form)
        return "Added a row."
    removed = formdata.get("remove_row")
    if removed is None:
        return None
    if not removed.isdigit() or int(removed) >= len(rows):
        return "That row no longer exists."
    index = int(removed)
    rows.pop_entry(index)
    _rows_changed(form, removed=index)
    if not len(rows):
        rows.append_entry()
    return f"Removed row {index + 1}."


def form_values(data: QuestionData) -> dict[str, Any]:
    """Return the form's initial values for a stored question."""
    return {
        "title": data.title,
        "prompt": data.prompt,
        "general_feedback": data.general_feedback,
        "difficulty": data.difficulty or "",
        "anchor": data.anchor or "",
        "lint_ok": silences_text(data.lint_ok),
        **question_type(data.type).form.values_for(data),
    }


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
        lint_ok=read_silences(form.lint_ok.data or ""),
    )
    form.fill(data)
    return data


@dataclass
class ItemWarnings:
    """What the item-writing linter and the GIFT reader say about a question being written.

    Warnings never stop a save: the author decides, and may silence a rule with a reason.
    """

    findings: list[Finding]
    silenced: list[Silenced]
    reader: list[str]

    def __bool__(self) -> bool:
        return bool(self.findings or self.silenced or self.reader)


def item_warnings(
    data: QuestionData, lesson_slug: str, banks: dict[str, list[QuestionData]]
) -> ItemWarnings:
    """Lint `data` as it would stand in its lesson's quiz, among the course's questions."""
    findings, silenced = lint_one(data, banks, lesson_slug)
    reread = parse_gift(write_gift([data])) if not data.errors else []
    reader = list(reread[0].warnings) if len(reread) == 1 else []
    return ItemWarnings(findings, silenced, reader)


def silences_text(lint_ok: dict[str, str]) -> str:
    """Write a question's silences one per line, as the form shows them."""
    return "\n".join(f"{rule} — {reason}" for rule, reason in lint_ok.items())


def read_silences(text: str) -> dict[str, str]:
    """Read the form's silences field (already validated) into rule -> reason."""
    silences: dict[str, str] = {}
    for line in text.splitlines():
        parsed = parse_silence(f"// lint-ok: {line.strip()}") if line.strip() else None
        if parsed is not None:
            silences[parsed[0]] = parsed[1]
    return silences


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
        payload(back),
        back.general_feedback,
    ) != (data.type, data.title, data.prompt, payload(data), data.general_feedback):
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
    return {
        "question": data,
        "response": PreviewResponse(1, display_order(data, shuffle=False, rng=None)),
        "kind": question_type(data.type),
        "name": PREVIEW_FIELD,
        "rows": [data.pairs[i] for i in matching_rows(data)],
        "correct_answer": correct_answer_text(data),
        "html": LiveTexts(data.text_format),  # not stored yet: rendered for the preview
    }
