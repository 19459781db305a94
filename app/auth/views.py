"""Register, log in, log out; the account page (name and password).

Registration is rate-limited per account (the submitted email) and per client
address. Log-in counts only failed tries: from a browser that has logged in to
the account before (its device cookie, `app.auth.devices`) per device; from any
other browser per account and per address. So nobody else's failures can lock
a learner's own browser out. A password change is limited like a log-in (failed
tries, per account and per address). Settings: `RATELIMIT_*` in `app.config`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from app.auth import devices, resets, services
from app.auth.forms import (
    LoginForm,
    NameForm,
    PasswordChangeForm,
    PasswordLoginForm,
    PasswordResetForm,
    RegisterForm,
)
from app.database import unit_of_work
from app.extensions import limiter
from app.security import account_key, address_key, form_came_back, reset_failed, token_key, user_key

bp = Blueprint("auth", __name__)


def _limit(setting: str):
    """Read a limit from the app's config at request time (so tests and deployments set it)."""
    return lambda: current_app.config[setting]


def _safe_next(target: str | None) -> str:
    """Only follow `next` to a path on this site."""
    if target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
        ):
            return target
    return url_for("course.index")


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_REGISTER"), key_func=account_key, methods=["POST"])
@limiter.limit(_limit("RATELIMIT_REGISTER_PER_ADDRESS"), key_func=address_key, methods=["POST"])
def register() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("course.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                user = services.create_user(
                    form.email.data, form.password.data, name=form.name.data
                )
        except services.AccountError as error:
            form.email.errors.append(str(error))
        else:
            session.clear()
            login_user(user)
            flash("Welcome! Your account is ready.", "success")
            response = redirect(url_for("course.index"))
            devices.remember_device(response, user.email)  # the browser it was made on
            return response
    return render_template("auth/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _limit("RATELIMIT_LOGIN"),
    key_func=account_key,
    methods=["POST"],
    deduct_when=form_came_back,
    exempt_when=devices.is_known_device,
)
@limiter.limit(
    _limit("RATELIMIT_LOGIN_PER_ADDRESS"),
    key_func=address_key,
    methods=["POST"],
    deduct_when=form_came_back,
    exempt_when=devices.is_known_device,
)
@limiter.limit(
    _limit("RATELIMIT_LOGIN_PER_DEVICE"),
    key_func=devices.device_key,
    methods=["POST"],
    deduct_when=form_came_back,
    exempt_when=devices.is_unknown_device,
)
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("course.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append("The email or the password is not right.")
        else:
            session.clear()  # a fresh session on log-in (no fixation)
            login_user(user)
            if not user.name_confirmed:
                flash("Please check the name your instructor sees, then save it.", "info")
                target = url_for("auth.account", next=_safe_next(request.args.get("next")))
            else:
                target = _safe_next(request.args.get("next"))
            response = redirect(target)
            devices.remember_device(response, user.email)
            return response
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    with unit_of_work():
        services.rotate_session_token(current_user)
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


def _account_page(
    name_form: NameForm, password_form: PasswordChangeForm | PasswordLoginForm | None = None
) -> str:
    """Show both account forms (one of them, after a refused POST, with its errors).

    An account made by an LMS launch has no password yet: it is offered a password
    log-in (an email and a password) instead of a password change.
    """
    if password_form is None:
        if current_user.password_hash:
            password_form = PasswordChangeForm(formdata=None)
        else:
            password_form = PasswordLoginForm(formdata=None, email=current_user.email or "")
    return render_template(
        "auth/account.html",
        name_form=name_form,
        password_form=password_form,
        next_url=_safe_next(request.args.get("next")) if request.args.get("next") else None,
    )


@bp.route("/account")
@login_required
def account() -> str:
    return _account_page(NameForm(formdata=None, name=current_user.name))


@bp.route("/account/name", methods=["POST"])
@login_required
def change_name() -> Response | str:
    form = NameForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.set_name(current_user, form.name.data)
        except services.AccountError as error:
            form.name.errors.append(str(error))
        else:
            flash("Your name is saved.", "success")
            return redirect(_safe_next(request.args.get("next") or url_for("auth.account")))
    return _account_page(form)


@bp.route("/account/password", methods=["POST"])
@login_required
@limiter.limit(
    _limit("RATELIMIT_PASSWORD_CHANGE"), key_func=user_key, methods=["POST"],
    deduct_when=form_came_back,
)  # fmt: skip
@limiter.limit(
    _limit("RATELIMIT_PASSWORD_CHANGE_PER_ADDRESS"), key_func=address_key, methods=["POST"],
    deduct_when=form_came_back,
)  # fmt: skip
def change_password() -> Response | str:
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.change_password(
                    current_user, form.current_password.data, form.new_password.data
                )
        except services.WrongPassword as error:
            form.current_password.errors.append(str(error))
        except services.AccountError as error:
            form.new_password.errors.append(str(error))
        else:
            # The rotation ended every session, this one too: carry on under the new token.
            session.clear()
            login_user(current_user._get_current_object())
            flash("Your password is changed. Other devices have been logged out.", "success")
            return redirect(url_for("auth.account"))
    return _account_page(NameForm(formdata=None, name=current_user.name), form)


@bp.route("/account/password-login", methods=["POST"])
@login_required
@limiter.limit(
    _limit("RATELIMIT_PASSWORD_CHANGE"), key_func=user_key, methods=["POST"],
    deduct_when=form_came_back,
)  # fmt: skip
def add_password_login() -> Response | str:
    """An LMS-made account adds an email and password; other sessions end, this one goes on."""
    if current_user.password_hash:
        abort(404)  # an account with a password changes it on the account page
    form = PasswordLoginForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.add_password_login(current_user, form.email.data, form.new_password.data)
        except services.EmailTaken as error:
            form.email.errors.append(str(error))
        except services.AccountError as error:
            form.new_password.errors.append(str(error))
        else:
            # The rotation ended every session: go on under the new token, keeping what
            # the LMS launch put in this one (the frame it may be shown in).
            login_user(current_user._get_current_object())
            flash("You can now also log in with your email and password.", "success")
            return redirect(url_for("auth.account"))
    return _account_page(NameForm(formdata=None, name=current_user.name), form)


@bp.route("/reset/<reset_token>", methods=["GET", "POST"])
@limiter.limit(
    _limit("RATELIMIT_PASSWORD_CHANGE"), key_func=token_key, methods=["POST"],
    deduct_when=reset_failed,
)  # fmt: skip
@limiter.limit(
    _limit("RATELIMIT_LOGIN_PER_ADDRESS"), key_func=address_key, methods=["POST"],
    deduct_when=reset_failed,
)  # fmt: skip
def reset_password(reset_token: str) -> Response | str:
    """Set a new password with a one-time link from an instructor (limited like a log-in).

    An unknown, expired or used link is a 404, as is a POST that lost the race for it.
    """
    if resets.account_for_reset(reset_token) is None:
        abort(404)
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                resets.use_reset(reset_token, form.new_password.data)
        except resets.ResetUnavailable:
            abort(404)
        except services.AccountError as error:
            form.new_password.errors.append(str(error))
        else:
            # The account's sessions ended with the rotation; another account's stays.
            flash("Your new password is set. Log in with it.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)
