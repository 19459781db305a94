"""Forms and form helpers shared across features."""

from typing import Any

from flask_wtf import FlaskForm


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for POST-only buttons."""


class EditorForm(FlaskForm):
    """A form that can also name problems belonging to no single field (shown above it)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.problems: list[str] = []


def clean(text: str | None) -> str:
    """Normalise a submitted text: browser line endings, surrounding blanks."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
