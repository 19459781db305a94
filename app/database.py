"""Transaction rules shared by every view and command.

SQLite: each connection runs in WAL mode with foreign keys on, and SQLAlchemy
(not the sqlite3 module) emits BEGIN, so that a unit of work that will write can
take the write lock at its start (``BEGIN IMMEDIATE``): concurrent writers then
wait for each other (``busy_timeout``) instead of failing half-way with
"database is locked", while read-only transactions stay ordinary deferred ones
and proceed under WAL while a writer holds the lock.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.extensions import db

_write_intent: ContextVar[bool] = ContextVar("write_intent", default=False)
SQLITE_BUSY_TIMEOUT_MS = 30_000


@event.listens_for(Engine, "connect")
def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    if not _is_sqlite_dbapi(dbapi_connection):
        return
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin_sqlite_transaction(connection: Any) -> None:
    if connection.dialect.name != "sqlite":
        return
    connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


def _is_sqlite_dbapi(dbapi_connection: Any) -> bool:
    return type(dbapi_connection).__module__.startswith(("sqlite3", "pysqlite"))


def begin_write() -> None:
    """Start a unit of work that will write; on SQLite, take the write lock now.

    Call it before reading what the write depends on. A read transaction that
    is already open (for example the one that loaded the logged-in user) holds
    no changes and is ended first, so the new transaction sees fresh data.
    """
    session = db.session()  # the request's Session behind the scoped proxy
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_write() called with unflushed changes pending")
        session.commit()
    token = _write_intent.set(True)
    try:
        session.connection()
    finally:
        _write_intent.reset(token)
