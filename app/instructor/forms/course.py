"""The course settings form: the quiz defaults every lesson inherits, review options included."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import Length

from app.course.settings import CourseRules
from app.instructor.forms.settings import QuizSettingsForm
from app.practice.scheduling import MAX_RETENTION, MIN_RETENTION, retention_problem


class CourseSettingsForm(QuizSettingsForm):
    """The lesson settings' fields, as course-wide defaults (`validate_settings` judges)."""

    # The course rules (`CourseRules`): course-wide only, never a lesson's own setting.
    sequential = BooleanField("Sequential mode: a quiz opens once the lesson before it is passed")
    final_exam_requires_all_passed = BooleanField(
        "The final exam opens only once every other lesson is passed"
    )
    submit = SubmitField("Save course settings")

    def rules(self) -> dict[str, Any]:
        """Return the course rules as stored beside the quiz defaults."""
        return {
            "sequential": bool(self.sequential.data),
            "final_exam_requires_all_passed": bool(self.final_exam_requires_all_passed.data),
        }


def rules_data(rules: CourseRules) -> dict[str, Any]:
    """Return the form's data for the course rules as they apply now."""
    return {
        "sequential": rules.sequential,
        "final_exam_requires_all_passed": rules.final_exam_requires_all_passed,
    }


class PracticeSettingsForm(FlaskForm):
    """How well learners should remember what they practise (FSRS's desired retention)."""

    retention = StringField(
        "Practice retention (%)",
        validators=[Length(max=10)],
        description=(
            "How likely a learner should still know a practised question when it comes back: "
            "higher brings questions back sooner and more often."
        ),
    )
    submit = SubmitField("Save practice setting")

    def retention_value(self) -> tuple[float | None, str | None]:
        """Return the retention as a fraction, or why it cannot be used."""
        text = (self.retention.data or "").strip().rstrip("%").strip()
        try:
            value = float(text) / 100
        except ValueError:
            return None, "practice retention must be a number"
        if value != value:  # NaN
            return None, "practice retention must be a number"
        if retention_problem(round(value, 4)):
            low, high = f"{MIN_RETENTION * 100:g}", f"{MAX_RETENTION * 100:g}"
            return None, f"practice retention must be between {low} and {high} (per cent)"
        return round(value, 4), None
