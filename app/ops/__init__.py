"""Running the app for real: request logs with ids, a health check, the proxy, backups.

Nothing here is about the course; it is what an operator needs to run several
stateless servers and find out what happened when something went wrong.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.ops.health import bp as health_bp
from app.ops.requestlog import register_request_log

__all__ = ["register_ops"]


def register_ops(app: Flask) -> None:
    """Log every request, answer /healthz, and trust `TRUSTED_PROXIES` proxies' headers."""
    register_request_log(app)
    app.register_blueprint(health_bp)
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if proxies:
        # The client's address (rate limits, logs) and scheme come from the last N proxies.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
