"""Military Diplomacy in Diplomatic Channels: a lesson-and-quiz web app."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from app.config import PROJECT_ROOT, build_config
from app.ops import register_ops
from app.routing import register_converters
from app.security import register_security


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Assemble the app; no schema, data or network work happens here."""
    instance_path = Path(os.environ.get("INSTANCE_PATH", PROJECT_ROOT / "instance"))
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(instance_path),
        instance_relative_config=True,
    )
    app.config.from_mapping(build_config(instance_path, config))
    register_ops(app)  # first: every request gets its id before anything can refuse it
    register_security(app)
    register_extensions(app)
    register_converters(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_commands(app)
    from app.errors import register_error_handlers

    register_error_handlers(app)
    return app


def register_extensions(app: Flask) -> None:
    from app import (
        database,  # noqa: F401 - registers the SQLite connection rules
        limits_storage,  # noqa: F401 - registers the database:// rate-limit storage
    )
    from app.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)  # reads the RATELIMIT_* settings that register_security filled in
    # One Limiter serves every app a process builds (the tests build many): a store that an
    # earlier app found unreachable must not send this app's counts to the memory fallback.
    limiter._storage_dead = False
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(token: str):
        from app.database import keep_loaded
        from app.quizzes.learner import load_session_user

        user = load_session_user(token)
        if user is not None:
            keep_loaded(user)  # a unit of work later in the request does not read it again
        return user


def register_blueprints(app: Flask) -> None:
    from app.auth.views import bp as auth_bp
    from app.instructor.views import bp as instructor_bp
    from app.learn.views import bp as course_bp
    from app.lti.views import bp as lti_bp
    from app.practice.views import bp as practice_bp
    from app.progress.views import bp as progress_bp  # with the certificate routes
    from app.quizzes.views import bp as quizzes_bp

    blueprints = (auth_bp, course_bp, quizzes_bp, progress_bp, practice_bp, instructor_bp, lti_bp)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    from app.lti import outbox

    outbox.connect()  # grades stored → scores queued for the LMS, in the same transaction


def register_template_helpers(app: Flask) -> None:
    from app.rendering import render_inline, render_markdown

    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["inline"] = render_inline

    @app.context_processor
    def inject_helpers() -> dict[str, Any]:
        return {"token_form": _request_form, "logout_form": _request_form}


def _request_form() -> Any:
    """Return the request's one token-only form (the log-out form and others), built once.

    Never bound to the request's body: error pages (a 413 for one) render it too.
    """
    from flask import g

    from app.forms import EmptyForm

    form = g.get("_token_form")
    if form is None:
        form = g._token_form = EmptyForm(formdata=None)
    return form


def register_commands(app: Flask) -> None:
    from app.cli import attempts_cli, backup_command, bank_cli, course_cli, demo_cli, users_cli
    from app.cli_lti import lti_cli

    for group in (course_cli, users_cli, attempts_cli, bank_cli, demo_cli, backup_command, lti_cli):
        app.cli.add_command(group)
