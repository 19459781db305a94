"""Error pages in one place; every error page rolls the session back first.

The 500 handler is registered for `InternalServerError`, not `Exception`: Flask
turns an unhandled exception into one (and logs it) only when it does not
propagate it, so under `TESTING` or debug a failing view raises its traceback
instead of showing the friendly page.
"""

from __future__ import annotations

from flask import Flask, render_template
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db, limiter
from app.security import describe_wait, retry_after_seconds

RATE_LIMITED = "There were too many tries in a short time; we paused them to keep accounts safe."


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        db.session.rollback()
        message = (
            "Your form had expired or was sent from elsewhere. "
            "Go back, reload the page and try again."
        )
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(RateLimitExceeded)
    def too_many_requests(error: RateLimitExceeded) -> tuple[str, int, dict[str, str]]:
        db.session.rollback()
        try:
            seconds = retry_after_seconds(limiter.current_limit.window.reset_time)
        except Exception:  # the limit store is unreachable: a safe guess beats a 500
            seconds = 60
        page = render_template(
            "errors/error.html",
            code=429,
            message=RATE_LIMITED,
            retry_in=describe_wait(seconds),
        )
        return page, 429, {"Retry-After": str(seconds)}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        db.session.rollback()
        code = error.code or 500
        return render_template("errors/error.html", code=code, message=_message(error)), code

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError) -> tuple[str, int]:
        # Flask has logged the original exception already (Flask.log_exception).
        db.session.rollback()
        return render_template("errors/error.html", code=500, message=None), 500


def _message(error: HTTPException) -> str | None:
    description = error.description or ""
    # Werkzeug's stock descriptions are written for developers; ours are for learners.
    default = type(error).description
    return None if description == default else description
