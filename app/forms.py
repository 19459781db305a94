"""Forms and form helpers shared across features."""

from flask_wtf import FlaskForm


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for POST-only buttons."""


def clean(text: str | None) -> str:
    """Normalise a submitted text: browser line endings, surrounding blanks."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
