"""How `make serve` runs the app under gunicorn: every setting from the environment.

    WEB_CONCURRENCY  worker processes (default: 2 per CPU core, at least 2)
    HOST, PORT       where to listen (default 127.0.0.1:5000)
    TRUSTED_PROXIES  read by the app (ProxyFix); set it when a reverse proxy is in front

Each worker checks the database settings before it serves (SQLite's WAL, busy timeout,
foreign keys, synchronous=NORMAL); a worker that finds them missing stops the server
rather than serve with weaker guarantees.
"""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or max(2, 2 * multiprocessing.cpu_count()))
worker_class = "sync"
timeout = 30  # a request that takes longer is a bug: the worker is restarted
graceful_timeout = 30  # on SIGTERM, finish the requests in flight first
keepalive = 2
# Refuse oversized request lines and headers before the app sees them.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
# The app writes one line per request itself (with its request id): no second access log.
accesslog = None
errorlog = "-"
# gunicorn's control socket lives in one place per user; several servers must not share it.
control_socket_disable = True
wsgi_app = "app:create_app()"


def post_worker_init(worker):
    """Refuse to serve when the database's connection settings did not take."""
    from app.database import database_settings_problems

    app = worker.wsgi
    # Only our app has a database to check (gunicorn also reads this file when it serves
    # something else from this folder, such as the benchmark's bare Flask endpoint).
    if "sqlalchemy" in getattr(app, "extensions", {}):
        with app.app_context():
            problems = database_settings_problems()
        if problems:
            worker.log.critical("refusing to serve: %s", "; ".join(problems))
            raise SystemExit(3)  # gunicorn stops when a worker cannot boot
