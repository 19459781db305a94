"""What every question type's authoring form shares: the common fields and answer rows.

Each type's form (in its module) adds its own fields and knows how to fill
itself from a stored question (`values_for`) and how to fill a question from
itself (`fill`). Answer rows (choices, accepted answers, numbers, pairs) are
`FieldList`s of small row forms; a row whose text and feedback are empty is
ignored, so blank rows cost nothing. Rows are added and removed on the server
(see `app.instructor.authoring`), so the forms work without JavaScript.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.bank.grading import normalise_text
from app.bank.limits import (
    MAX_FEEDBACK,
    MAX_PROMPT,
    MAX_ROWS,
    MAX_SILENCES,
    MAX_SILENCES_TEXT,
    MAX_TITLE,
)
from app.bank.lint import RULES as LINT_RULES
from app.bank.lint.silences import RULES as SILENCE_RULES
from app.bank.lint.silences import parse_silence
from app.bank.model import DIFFICULTIES, Choice, QuestionData
from app.bank.numbers import parse_percent, percent_text, weight_in_range
from app.forms import EditorForm, clean

MISSING_WORD_HINT = "Markdown. For a missing-word question, write _____ where the answer goes."


class Row(Form):
    """A row of answer fields; the enclosing form carries the CSRF token."""

    def is_blank(self) -> bool:
        raise NotImplementedError


class WeightedRow(Row):
    """A row of text, weight (a percentage) and feedback: a choice or an accepted answer.

    Subclasses declare the three fields `text`, `weight` and `feedback`.
    """

    default_weight: ClassVar[int] = 0

    def is_blank(self) -> bool:
        return not clean(self.text.data) and not clean(self.feedback.data)

    def to_choice(self, fraction: float | None = None) -> Choice:
        """Read the row (its weight, unless `fraction` is given) into a choice."""
        if fraction is None:
            fraction = fraction_of(self.weight.data, self.default_weight)
        return Choice(clean(self.text.data), fraction, clean(self.feedback.data))

    @staticmethod
    def values_of(choice: Choice, weight: str) -> dict[str, str]:
        """Return a choice's row values, with its weight as the field shows it."""
        return {"text": choice.text, "weight": weight, "feedback": choice.feedback}


def rows(row: type[Row], label: str, blank_rows: int) -> FieldList:
    """Declare a list of answer rows, `blank_rows` of them on a new form."""
    return FieldList(FormField(row), label=label, min_entries=blank_rows, max_entries=MAX_ROWS)


def filled(entries: FieldList) -> list[tuple[int, Any]]:
    """Return (index, row form) for every row that is not blank."""
    return [(index, entry.form) for index, entry in enumerate(entries) if not entry.form.is_blank()]


def duplicates(texts: list[str]) -> bool:
    """Tell whether two texts say the same, as the graders compare them."""
    folded = [normalise_text(text) for text in texts]
    return len(set(folded)) != len(folded)


def weight_of(text: str | None, default: int) -> Decimal:
    """Read a row's weight in percent (raises ValueError when it is not a number)."""
    return parse_percent(clean(text), Decimal(default))


def fraction_of(text: str | None, default: int) -> float:
    """Read a row's weight as the fraction of the points it earns."""
    return float(weight_of(text, default) / 100)


def percent_field(fraction: float) -> str:
    """Show a stored fraction as the percentage a weight field holds."""
    return f"{(Decimal(repr(fraction)) * 100).normalize():f}"


def check_weight(data: str | None, default: int, example: str) -> None:
    """Refuse a weight that is not a percentage from -100 to 100 (blank means `default`)."""
    try:
        value = weight_of(data, default)
    except ValueError:
        raise ValidationError(f"Write the weight as a percentage, e.g. {example}.") from None
    if not weight_in_range(value):
        raise ValidationError("A weight goes from -100 to 100.")


def check_full_marks(best: Decimal) -> None:
    """Refuse answers of which none earns full marks."""
    if best <= 0:
        raise ValidationError("No correct answer: give one answer a weight of 100.")
    if best < 100:
        raise ValidationError(
            f"No answer earns full marks: the best is worth {percent_text(best)}. "
            "Give one answer a weight of 100."
        )


class QuestionForm(EditorForm):
    """The fields every question type has."""

    kind: ClassVar[str]
    rows_name: ClassVar[str | None] = None  # the type's list of answer rows, if any
    prompt_hint: ClassVar[str | None] = MISSING_WORD_HINT

    title = StringField(
        "Title",
        description="A short name for the bank; learners do not see it.",
        validators=[Optional(), Length(max=MAX_TITLE)],
    )
    prompt = TextAreaField(
        "Question", validators=[DataRequired("Write the question."), Length(max=MAX_PROMPT)]
    )
    general_feedback = TextAreaField(
        "General feedback",
        description="Shown to every learner with the result.",
        validators=[Optional(), Length(max=MAX_FEEDBACK)],
    )
    difficulty = SelectField(
        "Difficulty",
        choices=[SelectChoice("", "Not set")]
        + [SelectChoice(d, d.capitalize()) for d in DIFFICULTIES],
        default="medium",
        invalid_choice_message="Choose easy, medium or hard.",
    )
    anchor = SelectField(
        "Lesson paragraph it tests",
        choices=[SelectChoice("", "— none —")],
        invalid_choice_message="Choose one of the lesson's paragraphs.",
    )
    lint_ok = TextAreaField(
        "Silenced item-writing rules",
        description=(
            "One per line: the rule's id, a dash, and why it does not apply here "
            "(for example: key-length — the treaty's full name is the answer)."
        ),
        validators=[Optional(), Length(max=MAX_SILENCES_TEXT)],
    )
    base_version = HiddenField()
    preview = SubmitField("Preview")
    add_row = SubmitField("Add another row")
    submit = SubmitField("Save question")

    def validate_lint_ok(self, field: TextAreaField) -> None:
        """Each line silences one known rule and says why; a bad line is named."""
        lines = [line.strip() for line in (field.data or "").splitlines() if line.strip()]
        if len(lines) > MAX_SILENCES:
            raise ValidationError(f"Silence at most {MAX_SILENCES} rules.")
        for number, line in enumerate(lines, start=1):
            rule, reason = parse_silence(f"// lint-ok: {line}") or ("", "")
            if rule not in LINT_RULES or rule in SILENCE_RULES:
                raise ValidationError(
                    f"Line {number}: '{rule or line[:40]}' is not a rule of the item-writing "
                    "linter (the warnings name the rules by id)."
                )
            if not reason:
                raise ValidationError(f"Line {number}: say why '{rule}' does not apply.")

    @classmethod
    def values_for(cls, question: QuestionData) -> dict[str, Any]:
        """Return the initial values of this type's own fields for a stored question."""
        return {}

    def fill(self, question: QuestionData) -> None:
        """Copy this type's own fields of the validated form into `question`."""

    def rows_changed(self, removed: int | None = None) -> None:
        """Keep fields that refer to answer rows in step after a row was added or removed."""
