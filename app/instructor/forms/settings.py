"""The quiz settings form: a lesson's own values over the course defaults."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import Length

from app.bank.numbers import NUMBER
from app.course.settings import COUNTED_SCORE_RULES
from app.forms import EditorForm, clean

SCORE_RULE_LABELS = {
    "highest": "The highest attempt",
    "last": "The last attempt",
    "first": "The first attempt",
    "average": "The average of all attempts",
}


class QuizSettingsForm(EditorForm):
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
