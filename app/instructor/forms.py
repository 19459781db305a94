"""Question authoring forms: validation only, with messages next to each field."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    FormField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.bank.model import DIFFICULTIES

CHOICE_ROWS = 5


class ChoiceForm(FlaskForm):
    class Meta:
        csrf = False  # the enclosing form carries the token

    text = StringField("Choice text", validators=[Optional(), Length(max=500)])
    feedback = StringField("Feedback for this choice", validators=[Optional(), Length(max=1000)])


class SingleChoiceQuestionForm(FlaskForm):
    title = StringField("Title", validators=[Optional(), Length(max=200)])
    prompt = TextAreaField(
        "Question", validators=[DataRequired("Write the question."), Length(max=5000)]
    )
    choices = FieldList(FormField(ChoiceForm), min_entries=CHOICE_ROWS, max_entries=CHOICE_ROWS)
    correct = RadioField(
        "Correct choice",
        choices=[SelectChoice(str(i), f"Choice {i + 1}") for i in range(CHOICE_ROWS)],
        validators=[DataRequired("Mark which choice is correct.")],
    )
    general_feedback = TextAreaField("General feedback", validators=[Optional(), Length(max=5000)])
    difficulty = SelectField(
        "Difficulty",
        choices=[SelectChoice(d, d.capitalize()) for d in DIFFICULTIES],
        default="medium",
    )
    anchor = SelectField("Lesson paragraph it tests", validators=[Optional()])
    submit = SubmitField("Save question")

    def validate_choices(self, field: FieldList) -> None:
        texts = [
            entry.form.text.data.strip()
            for entry in field
            if entry.form.text.data and entry.form.text.data.strip()
        ]
        if len(texts) < 2:
            raise ValidationError("Give at least two choices.")
        lowered = [t.lower() for t in texts]
        if len(set(lowered)) != len(lowered):
            raise ValidationError("Two choices say the same thing; make each choice different.")

    def validate_correct(self, field: RadioField) -> None:
        if field.data is None or not field.data.isdigit():
            return
        entry = self.choices.entries[int(field.data)]
        if not (entry.form.text.data or "").strip():
            raise ValidationError("The choice marked correct is empty.")
