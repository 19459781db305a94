"""Forms shared across features."""

from flask_wtf import FlaskForm


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for POST-only buttons."""
