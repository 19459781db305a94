"""One log line per request (method, path, status, duration, request id), text or JSON.

The request id comes from a proxy's `X-Request-ID` when it looks like one, or is made
here; it is sent back in the response header and shown on the 500 page, so a learner's
"something went wrong" can be found in the log, traceback included.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from flask import Flask, g, has_request_context, request
from flask.logging import default_handler
from werkzeug.wrappers import Response

REQUEST_LOGGER = "milidip.requests"
REQUEST_ID_HEADER = "X-Request-ID"
LIMITER_LOGGER = "flask-limiter"
_GIVEN_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_FIELDS = ("method", "path", "status", "duration_ms")


SECRET_ARGUMENT_SUFFIX = "_token"  # a URL argument so named is a secret (reset, LTI hand-off)
REDACTED = "[redacted]"


def loggable_path() -> str:
    """This request's path with every secret URL argument (`<…_token>`) replaced, so a
    password-reset link or an LTI hand-off never lands in a log file, even once used."""
    path = request.path
    for name, value in (request.view_args or {}).items():
        if name.endswith(SECRET_ARGUMENT_SUFFIX) and isinstance(value, str) and value:
            path = path.replace(value, REDACTED)
    return path


def request_id() -> str:
    """Return this request's id ("-" outside a request)."""
    if not has_request_context():
        return "-"
    return g.get("request_id", "-")


class RequestIdFilter(logging.Filter):
    """Give every record the request id, so error logs and request lines can be joined."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id()
        return True


class TextLines(logging.Formatter):
    """Write a record as one line of text, tagged with its request id."""

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = request_id()
        return super().format(record)


class JsonLines(logging.Formatter):
    """Write each record as one JSON object on one line (for log collectors)."""

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = request_id()
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for name in _FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def formatter_for(log_format: str) -> logging.Formatter:
    """Return the formatter `LOG_FORMAT` asks for: "json", or plain text."""
    return JsonLines() if log_format == "json" else TextLines(TEXT_FORMAT)


def register_request_log(app: Flask) -> None:
    """Number each request, log it when it ends, and tag the app's own log with the id."""
    formatter = formatter_for(app.config.get("LOG_FORMAT", "text"))
    default_handler.setFormatter(formatter)
    if not any(isinstance(f, RequestIdFilter) for f in default_handler.filters):
        default_handler.addFilter(RequestIdFilter())
    logger = logging.getLogger(REQUEST_LOGGER)
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.addFilter(RequestIdFilter())
        logger.addHandler(handler)
        logger.propagate = False
    for handler in logger.handlers:
        handler.setFormatter(formatter)
    logger.setLevel(logging.INFO)
    # Flask-Limiter says when its store stops answering and it falls back to memory; its
    # logger only has a NullHandler, so without this the warning would go nowhere.
    limiter_log = logging.getLogger(LIMITER_LOGGER)
    if default_handler not in limiter_log.handlers:
        limiter_log.addHandler(default_handler)

    @app.before_request
    def start_request() -> None:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if _GIVEN_ID.fullmatch(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response: Response) -> Response:
        started = g.get("request_started")
        duration = round((time.perf_counter() - started) * 1000, 1) if started else None
        response.headers[REQUEST_ID_HEADER] = request_id()
        path = loggable_path()
        fields = {
            "method": request.method,
            "path": path,
            "status": response.status_code,
            "duration_ms": duration,
        }
        logger.info(
            "%s %s %s %sms", request.method, path, response.status_code, duration,
            extra=fields,
        )  # fmt: skip
        return response

    @app.context_processor
    def inject_request_id() -> dict[str, str]:
        return {"request_id": request_id()}
