"""The bank's filters (a GET form: nothing changes)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional

from app.bank.model import DIFFICULTIES
from app.bank.models import STATUS_ACTIVE, STATUS_RETIRED
from app.bank.types import TYPES
from app.forms import clean
from app.instructor.services import NO_DIFFICULTY

STATUS_CHOICES = [
    SelectChoice("", "Any status"),
    SelectChoice(STATUS_ACTIVE, "Active"),
    SelectChoice(STATUS_RETIRED, "Retired"),
]


class BankFilterForm(FlaskForm):
    """Filters of the bank pages, read from the query string."""

    class Meta:
        csrf = False

    q = StringField("Search question text", validators=[Optional(), Length(max=200)])
    type = SelectField(
        "Type",
        choices=[SelectChoice("", "Any type")]
        + [SelectChoice(name, kind.label) for name, kind in TYPES.items()],
        validators=[Optional()],
    )
    difficulty = SelectField(
        "Difficulty",
        choices=[SelectChoice("", "Any difficulty")]
        + [SelectChoice(d, d.capitalize()) for d in DIFFICULTIES]
        + [SelectChoice(NO_DIFFICULTY, "Not set")],
        validators=[Optional()],
    )
    status = SelectField("Status", choices=STATUS_CHOICES, validators=[Optional()])

    def filters(self) -> dict[str, str | None]:
        """Return the chosen filters, None for 'any'."""
        return {
            "type": self.type.data or None,
            "difficulty": self.difficulty.data or None,
            "status": self.status.data or None,
            "text": clean(self.q.data) or None,
        }
