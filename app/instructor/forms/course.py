"""The course settings form: the quiz defaults every lesson inherits, review options included."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import Length

from app.instructor.forms.settings import QuizSettingsForm
from app.practice.scheduling import MAX_RETENTION, MIN_RETENTION, retention_problem


class CourseSettingsForm(QuizSettingsForm):
    """The lesson settings' fields, as course-wide defaults (`validate_settings` judges)."""

    submit = SubmitField("Save course settings")


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
