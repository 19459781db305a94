"""The course settings form: the quiz defaults every lesson inherits, review options included."""

from __future__ import annotations

from wtforms import SubmitField

from app.instructor.forms.settings import QuizSettingsForm


class CourseSettingsForm(QuizSettingsForm):
    """The lesson settings' fields, as course-wide defaults (`validate_settings` judges)."""

    submit = SubmitField("Save course settings")
