"""The course settings form: the quiz defaults every lesson inherits, review options included."""

from __future__ import annotations

from typing import Any

from wtforms import BooleanField, SubmitField

from app.course.settings import CourseRules
from app.instructor.forms.settings import QuizSettingsForm


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
