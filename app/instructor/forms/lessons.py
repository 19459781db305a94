"""The lesson editor's forms: the lesson text (with key terms) and the quiz settings."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.bank.numbers import NUMBER
from app.bank.types.forms import Row, rows
from app.course.settings import COUNTED_SCORE_RULES
from app.forms import clean
from app.rendering import anchor_problems, anchors_in

MAX_LESSON_BODY = 200_000


class KeyTermRow(Row):
    term = StringField("Term", validators=[Length(max=200)])
    definition = StringField("Definition", validators=[Length(max=2_000)])

    def is_blank(self) -> bool:
        return not clean(self.term.data) and not clean(self.definition.data)

    def validate_term(self, field: StringField) -> None:
        if not clean(field.data) and clean(self.definition.data):
            raise ValidationError("Give the term, or clear this row.")

    def validate_definition(self, field: StringField) -> None:
        if clean(self.term.data) and not clean(field.data):
            raise ValidationError("Give the definition.")


class LessonTextForm(FlaskForm):
    title = StringField(
        "Title", validators=[DataRequired("Give the lesson a title."), Length(max=200)]
    )
    objectives = TextAreaField(
        "Objectives",
        description="One per line; learners read them as 'In this lesson you will…'.",
        validators=[Optional(), Length(max=10_000)],
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
        "Summary", validators=[Optional(), Length(max=10_000)], render_kw={"rows": 5}
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
        self.problems: list[str] = []

    def objective_list(self) -> list[str]:
        return [line.strip() for line in clean(self.objectives.data).split("\n") if line.strip()]

    def validate_objectives(self, field: TextAreaField) -> None:
        lines = self.objective_list()
        if len(lines) > 30:
            raise ValidationError("Keep it to 30 objectives or fewer.")
        if any(len(line) > 500 for line in lines):
            raise ValidationError("Keep each objective under 500 characters.")

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


SCORE_RULE_LABELS = {
    "highest": "The highest attempt",
    "last": "The last attempt",
    "first": "The first attempt",
    "average": "The average of all attempts",
}


class QuizSettingsForm(FlaskForm):
    """Quiz settings as typed; `validate_settings` judges the values (see the view)."""

    pass_mark = StringField("Pass mark (%)", validators=[Length(max=20)])
    max_attempts = StringField(
        "Attempts allowed", description="0 means unlimited.", validators=[Length(max=20)]
    )
    time_limit_minutes = StringField(
        "Time limit (minutes)", description="0 means no limit.", validators=[Length(max=20)]
    )
    draw = StringField(
        "Questions drawn per attempt",
        description="0 means every active question.",
        validators=[Length(max=20)],
    )
    shuffle_questions = BooleanField("Shuffle the questions")
    shuffle_choices = BooleanField("Shuffle the choices")
    counted_score = SelectField(
        "Score that counts",
        choices=[
            SelectChoice(rule, SCORE_RULE_LABELS.get(rule, rule)) for rule in COUNTED_SCORE_RULES
        ],
        validate_choice=False,
    )
    base = HiddenField()
    submit = SubmitField("Save settings")

    # Upper bounds the quiz pages can honour (a longer time limit overflows dates).
    LIMITS: ClassVar[dict[str, int]] = {
        "max_attempts": 1_000,
        "time_limit_minutes": 7 * 24 * 60,
        "draw": 1_000,
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.problems: list[str] = []

    def values(self) -> dict[str, Any]:
        """Return the typed values, numbers where they read as numbers (else the text)."""
        values: dict[str, Any] = {
            "pass_mark": _maybe_number(self.pass_mark.data, float),
            "shuffle_questions": bool(self.shuffle_questions.data),
            "shuffle_choices": bool(self.shuffle_choices.data),
            "counted_score": self.counted_score.data,
        }
        for name in self.LIMITS:
            values[name] = _maybe_number(getattr(self, name).data, int)
        return values

    def add_problems(self, problems: list[str]) -> None:
        """Put each problem from `validate_settings` next to the field it names."""
        fields = {name.replace("_", " "): getattr(self, name) for name in self.values()}
        for problem in problems:
            field = next((f for label, f in fields.items() if problem.startswith(label)), None)
            if field is None:
                self.problems.append(problem)
            else:
                field.errors = [*field.errors, problem[0].upper() + problem[1:] + "."]
        for name, limit in self.LIMITS.items():
            value = self.values()[name]
            field = getattr(self, name)
            if isinstance(value, int) and value > limit and not field.errors:
                field.errors = [*field.errors, f"Keep it at {limit} or less."]
        self._errors = None  # the errors above were added after validation


def _maybe_number(text: str | None, kind: type) -> Any:
    text = clean(text).replace(",", ".")
    if kind is int and re.fullmatch(r"[+-]?\d{1,9}", text):
        return int(text)
    if kind is float and NUMBER.fullmatch(text):
        return float(text)
    return text
