"""Error pages in one place; every error page rolls the session back first.

The 500 handler is registered for `InternalServerError`, not `Exception`: Flask
turns an unhandled exception into one (and logs it) only when it does not
propagate it, so under `TESTING` or debug a failing view raises its traceback
instead of showing the friendly page.
"""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from app.extensions import db, limiter
from app.security import describe_wait, retry_after_seconds

# The database could not take a write (disk full, read-only, locked too long, gone away).
NOT_SAVED = "Your last answers are not saved yet. Keep this page open and try again in a moment."
NOT_SUBMITTED = (
    "Your answers were not submitted yet: nothing was graded. Try again in a moment; "
    "your answers saved before are safe."
)
NOT_STORED = "We could not store that just now, so nothing was changed. Try again in a moment."
NOT_ANSWERING = "The database is not answering just now. Try again in a moment."
UNAVAILABLE_SECONDS = 30
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

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError) -> tuple[Response | str, int, dict]:
        # The unit of work rolled back already: nothing of the request is stored. Say so,
        # never "saved", and log it with the request id the page shows.
        db.session.rollback()
        current_app.logger.error("the database refused the request: %s", error.orig)
        message = {"quizzes.save": NOT_SAVED, "quizzes.submit": NOT_SUBMITTED}.get(
            request.endpoint or "", NOT_STORED if request.method == "POST" else NOT_ANSWERING
        )
        headers = {"Retry-After": str(UNAVAILABLE_SECONDS)}
        if request.accept_mimetypes.best == "application/json":
            return jsonify(status="not-saved", message=message), 503, headers
        page = render_template("errors/error.html", code=503, message=message)
        return page, 503, headers

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
