"""`GET /healthz`: is this server able to serve? For load balancers and uptime checks.

200 when the database answers within a short timeout, 503 otherwise. Redis is reported
but never makes it 503: without Redis the rate limits fall back to each process's memory
and log-in still works. No session, no rate limit, nothing stored.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from werkzeug.wrappers import Response

from app.extensions import db, limiter

bp = Blueprint("ops", __name__)
log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 2


@bp.get("/healthz")
@limiter.exempt
def healthz() -> tuple[Response, int]:
    database = database_status()
    body = {
        "status": "ok" if database == "ok" else "down",
        "database": database,
        "redis": redis_status(current_app.config.get("RATELIMIT_STORAGE_URI", "")),
    }
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if database == "ok" else 503


def database_status() -> str:
    """Return "ok" if the database answers `SELECT 1` within the timeout, else "down".

    A connection of its own (closed, so rolled back, at the end): the check never
    touches the request's session.
    """
    try:
        with db.engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                timeout = TIMEOUT_SECONDS * 1000
                connection.exec_driver_sql(f"SET LOCAL statement_timeout = {timeout}")
            connection.execute(text("SELECT 1"))
        return "ok"
    except Exception as error:  # any failure to answer is "down", and logged
        log.warning("health check: the database did not answer: %s", error)
        return "down"


def redis_status(storage_uri: str) -> str:
    """Return "ok" or "down" for a Redis rate-limit store, "not used" for any other store."""
    if not storage_uri.startswith(("redis://", "rediss://")):
        return "not used"
    import redis

    client = redis.Redis.from_url(
        storage_uri, socket_timeout=TIMEOUT_SECONDS / 4, socket_connect_timeout=TIMEOUT_SECONDS / 4
    )
    try:
        client.ping()
        return "ok"
    except redis.RedisError as error:
        log.warning("health check: Redis did not answer: %s", error)
        return "down"
    finally:
        client.close()
