"""Account forms: they validate input; services do the writing."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from app.auth.services import (
    MAX_NAME_LENGTH,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    name_problem,
    password_problem,
)

# Far above any name, so an absurd paste is refused before the rule reads it character by
# character (the rule itself counts characters after normalising).
_NAME_INPUT_CAP = 4 * MAX_NAME_LENGTH


def _name_field() -> StringField:
    return StringField(
        "Your name",
        description="As your instructor should see it, in any script (up to "
        f"{MAX_NAME_LENGTH} characters).",
        validators=[
            Length(max=_NAME_INPUT_CAP, message=f"Use at most {MAX_NAME_LENGTH} characters.")
        ],
    )


def _check_name(field: StringField) -> None:
    problem = name_problem(field.data)
    if problem:
        raise ValidationError(problem)


class RegisterForm(FlaskForm):
    name = _name_field()
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(
        "Password",
        description=f"At least {MIN_PASSWORD_LENGTH} characters.",
        validators=[DataRequired()],
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
    )
    submit = SubmitField("Create account")

    def validate_name(self, field: StringField) -> None:
        _check_name(field)

    def validate_password(self, field: PasswordField) -> None:
        problem = password_problem(self.email.data, field.data)
        if problem:
            raise ValidationError(problem)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    submit = SubmitField("Log in")


class NameForm(FlaskForm):
    """Change (or confirm) the display name on the account page."""

    name = _name_field()
    submit_name = SubmitField("Save name")

    def validate_name(self, field: StringField) -> None:
        _check_name(field)


class NewPasswordFields(FlaskForm):
    """A new password typed twice: the account page and a reset link ask for it alike."""

    new_password = PasswordField(
        "New password",
        description=f"At least {MIN_PASSWORD_LENGTH} characters. Other devices will be logged out.",
        validators=[DataRequired()],
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[
            DataRequired(),
            EqualTo("new_password", message="The passwords do not match."),
        ],
    )


class PasswordChangeForm(NewPasswordFields):
    """Change the password: the current one first, then the new one twice."""

    current_password = PasswordField(
        "Current password", validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    submit_password = SubmitField("Change password")


class PasswordResetForm(NewPasswordFields):
    """Set a new password with a reset link an instructor passed on."""

    submit = SubmitField("Set password")


class PasswordLoginForm(NewPasswordFields):
    """An account made by an LMS launch adds an email and password to log in without the LMS."""

    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    submit_password_login = SubmitField("Set up a password log-in")
