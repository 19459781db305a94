"""The lesson text form: title, objectives, the Markdown body with its anchors, key terms."""

from __future__ import annotations

from typing import Any, ClassVar

from wtforms import HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.bank.limits import (
    MAX_KEY_DEFINITION,
    MAX_KEY_TERM,
    MAX_LESSON_BODY,
    MAX_LESSON_TITLE,
    MAX_OBJECTIVE,
    MAX_OBJECTIVES,
    MAX_OBJECTIVES_TEXT,
    MAX_SUMMARY,
)
from app.bank.types.forms import Row, rows
from app.forms import EditorForm, clean
from app.rendering import anchor_problems, anchors_in


class KeyTermRow(Row):
    term = StringField("Term", validators=[Length(max=MAX_KEY_TERM)])
    definition = StringField("Definition", validators=[Length(max=MAX_KEY_DEFINITION)])

    def is_blank(self) -> bool:
        return not clean(self.term.data) and not clean(self.definition.data)

    def validate_term(self, field: StringField) -> None:
        if not clean(field.data) and clean(self.definition.data):
            raise ValidationError("Give the term, or clear this row.")

    def validate_definition(self, field: StringField) -> None:
        if clean(self.term.data) and not clean(field.data):
            raise ValidationError("Give the definition.")


class LessonTextForm(EditorForm):
    title = StringField(
        "Title", validators=[DataRequired("Give the lesson a title."), Length(max=MAX_LESSON_TITLE)]
    )
    objectives = TextAreaField(
        "Objectives",
        description="One per line; learners read them as 'In this lesson you will…'.",
        validators=[Optional(), Length(max=MAX_OBJECTIVES_TEXT)],
    )
    body_md = TextAreaField(
        "Lesson text (Markdown)",
        description=(
            "A line '{#name}' right above a paragraph gives it an anchor that questions "
            "can point at (lowercase letters, digits and hyphens)."
        ),
        validators=[DataRequired("Write the lesson text."), Length(max=MAX_LESSON_BODY)],
        render_kw={"rows": 24, "spellcheck": "true"},
    )
    key_terms = rows(KeyTermRow, "Key terms", 2)
    summary = TextAreaField(
        "Summary", validators=[Optional(), Length(max=MAX_SUMMARY)], render_kw={"rows": 5}
    )
    base = HiddenField()
    preview = SubmitField("Preview")
    add_row = SubmitField("Add another row")
    submit = SubmitField("Save lesson")
    rows_name: ClassVar[str] = "key_terms"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Anchors questions point at, with those questions' ids (set by the view).
        self.anchors_in_use: dict[str, list[str]] = {}

    def objective_list(self) -> list[str]:
        return [line.strip() for line in clean(self.objectives.data).split("\n") if line.strip()]

    def validate_objectives(self, field: TextAreaField) -> None:
        lines = self.objective_list()
        if len(lines) > MAX_OBJECTIVES:
            raise ValidationError(f"Keep it to {MAX_OBJECTIVES} objectives or fewer.")
        if any(len(line) > MAX_OBJECTIVE for line in lines):
            raise ValidationError(f"Keep each objective under {MAX_OBJECTIVE} characters.")

    def validate_body_md(self, field: TextAreaField) -> None:
        body = clean(field.data)
        problems = anchor_problems(body)
        if problems:
            raise ValidationError(problems[0][1])
        missing = sorted(set(self.anchors_in_use) - set(anchors_in(body)))
        if missing:
            anchor = missing[0]
            uids = ", ".join(self.anchors_in_use[anchor][:5])
            raise ValidationError(
                f"The anchor '{{#{anchor}}}' is used by question(s) {uids}: keep it, or "
                "point those questions at another paragraph first."
            )
