"""Account forms: they validate input; services do the writing."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

MIN_PASSWORD_LENGTH = 12


class RegisterForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(
        "Password",
        description=f"At least {MIN_PASSWORD_LENGTH} characters.",
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=f"Use at least {MIN_PASSWORD_LENGTH} characters (and at most 200).",
            ),
        ],
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
    )
    submit = SubmitField("Create account")

    def validate_password(self, field: PasswordField) -> None:
        if (
            self.email.data
            and field.data
            and field.data.strip().lower() == self.email.data.strip().lower()
        ):
            raise ValidationError("Choose a password that is not your email address.")


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    submit = SubmitField("Log in")
