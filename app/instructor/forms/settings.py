"""The quiz settings form: a lesson's own values over the course defaults."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import Length

from app.bank.numbers import NUMBER
from app.course.settings import COUNTED_SCORE_RULES, REVIEW_PARTS, REVIEW_TIMINGS, QuizSettings
from app.forms import EditorForm, clean

SCORE_RULE_LABELS = {
    "highest": "The highest attempt",
    "last": "The last attempt",
    "first": "The first attempt",
    "average": "The average of all attempts",
}


REVIEW_PART_LABELS = {
    "answers": "Their answers",
    "marks": "Right and wrong marks",
    "points": "Points per question",
    "lesson_link": "The “Review this in the lesson” link",
    "choice_feedback": "The feedback for their choice",
    "general_feedback": "General feedback",
    "correct_answer": "The correct answer",
}
REVIEW_TIMING_LABELS = {
    "immediately": "Right after each attempt",
    "after_pass": "Once they pass",
    "after_last_attempt": "After their last attempt",
    "after_pass_or_last_attempt": "Once they pass, or after their last attempt",
    "never": "Never",
}


def _review_field(part: str) -> SelectField:
    return SelectField(
        REVIEW_PART_LABELS[part],
        choices=[SelectChoice(t, REVIEW_TIMING_LABELS[t]) for t in REVIEW_TIMINGS],
        validate_choice=False,  # validate_settings judges, in the instructor's words
    )


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
    # What a learner sees of each question after an attempt, and when.
    review_answers = _review_field("answers")
    review_marks = _review_field("marks")
    review_points = _review_field("points")
    review_lesson_link = _review_field("lesson_link")
    review_choice_feedback = _review_field("choice_feedback")
    review_general_feedback = _review_field("general_feedback")
    review_correct_answer = _review_field("correct_answer")
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
        for part in REVIEW_PARTS:
            values["review_" + part] = getattr(self, "review_" + part).data
        for name in self.LIMITS:
            values[name] = _maybe_number(getattr(self, name).data, int)
        return values

    def review_fields(self) -> list[SelectField]:
        return [getattr(self, "review_" + part) for part in REVIEW_PARTS]

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


def settings_data(settings: QuizSettings) -> dict[str, Any]:
    """Return the form's data for settings as they apply now (a lesson's or the course's)."""
    return {
        "pass_mark": f"{settings.pass_mark:g}",
        "max_attempts": str(settings.max_attempts),
        "time_limit_minutes": str(settings.time_limit_minutes),
        "draw": str(settings.draw),
        "shuffle_questions": settings.shuffle_questions,
        "shuffle_choices": settings.shuffle_choices,
        "counted_score": settings.counted_score,
        **{"review_" + part: settings.review_timing(part) for part in REVIEW_PARTS},
    }


def _maybe_number(text: str | None, kind: type) -> Any:
    text = clean(text).replace(",", ".")
    if kind is int and re.fullmatch(r"[+-]?\d{1,9}", text):
        return int(text)
    if kind is float and NUMBER.fullmatch(text):
        return float(text)
    return text
