"""The unit of work: the one place where transactions begin, commit and roll back.

Every view and command that writes does it inside ``with unit_of_work():``.
The block opens the write transaction (on SQLite it takes the write lock at its
start), commits when the block ends, before the response is built, so a success
response always means the data is stored, and rolls back if anything in it
raises (the error then propagates to the caller). Services only flush. Reads
need nothing: they run in the session's ordinary transaction, which Flask-SQLAlchemy
ends after the request. Error handlers (``app.errors``) roll back a failed request.

SQLite: each connection runs in WAL mode with foreign keys on, and SQLAlchemy
(not the sqlite3 module) emits BEGIN, so that a unit of work that will write can
take the write lock at its start (``BEGIN IMMEDIATE``): concurrent writers then
wait for each other (``busy_timeout``) instead of failing half-way with
"database is locked", while read-only transactions stay ordinary deferred ones
and proceed under WAL while a writer holds the lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine

from app.extensions import db

_write_intent: ContextVar[bool] = ContextVar("write_intent", default=False)
_KEEP_LOADED = "milidip.keep_loaded"
_MEMO = "milidip.memo"
_WRITING = "milidip.writing"
SQLITE_BUSY_TIMEOUT_MS = 30_000
# What each SQLite connection must run with, as PRAGMA reads them back.
SQLITE_SETTINGS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": SQLITE_BUSY_TIMEOUT_MS,
    "synchronous": 1,  # NORMAL
}
# The key of PostgreSQL's advisory lock that start-up work (migrations, course load) takes.
STARTUP_LOCK_KEY = 7_244_107_311


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


@contextmanager
def unit_of_work(expire: bool = True) -> Iterator[None]:
    """Run the block as one write transaction: commit at its end, roll back on any error.

    Enter it before reading what the write depends on (on SQLite the write lock
    is taken on entry, so the reads inside see what the writers before us stored).
    `expire=False` is for a write that changes nothing the request has loaded (an
    INSERT of a new row, such as marking a lesson read): what `keep_loaded` kept
    (the logged-in user) stays loaded after the commit instead of being read again.
    """
    begin_write()
    try:
        yield
        session = db.session()
        previous = session.expire_on_commit
        session.expire_on_commit = expire and previous
        try:
            session.commit()
        finally:
            session.expire_on_commit = previous
    except BaseException:
        db.session.rollback()
        raise
    finally:
        db.session().info.pop(_WRITING, None)


@contextmanager
def savepoint() -> Iterator[None]:
    """Run the block in a SAVEPOINT of the current unit of work, flushing at its end.

    If the block (or its flush) raises, for example an IntegrityError from a unique
    constraint that a racing request satisfied first, only the block's changes are
    undone and the error propagates; the outer unit of work is still usable and
    can act on the outcome (send the loser to the winner's row).
    """
    with db.session.begin_nested():
        yield
        db.session.flush()


def keep_loaded(instance: Any) -> None:
    """Let `instance` stay loaded when a unit of work begins (the logged-in user).

    Everything else read before a unit of work is read again inside it, under
    the lock; the user is read once per request, and no write depends on its
    state having been read under the lock.
    """
    db.session.info.setdefault(_KEEP_LOADED, []).append(instance)


def request_memo() -> dict[str, Any]:
    """Return what this request read once to reuse (the course revision, overdue attempts).

    It lives in the request's session, so it ends with the request; a unit of work
    empties it, so what a write depends on is read again under the lock.
    """
    return db.session().info.setdefault(_MEMO, {})


def in_unit_of_work() -> bool:
    """Tell whether this request's session is inside a write transaction (not yet committed)."""
    return bool(db.session().info.get(_WRITING))


def begin_write() -> None:
    """Start the transaction that will write; on SQLite, take the write lock now.

    A read transaction that is already open (for example the one that loaded
    the logged-in user) holds no changes and is ended first, and what it loaded
    is expired (read again on use), so the new transaction sees fresh data; only
    what `keep_loaded` names stays as it was.
    """
    session = db.session()  # the request's Session behind the scoped proxy
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("a unit of work was started with unflushed changes pending")
        kept = session.info.get(_KEEP_LOADED, [])
        expire_on_commit = session.expire_on_commit
        session.expire_on_commit = False
        try:
            session.commit()
        finally:
            session.expire_on_commit = expire_on_commit
        for instance in list(session.identity_map.values()):
            if not any(instance is keep for keep in kept):
                session.expire(instance)
    session.info.pop(_MEMO, None)
    session.info[_WRITING] = True
    token = _write_intent.set(True)
    try:
        session.connection()
    finally:
        _write_intent.reset(token)


def database_settings_problems() -> list[str]:
    """Say which of SQLite's connection settings did not take (nothing on PostgreSQL).

    The server checks this before it serves: WAL lets readers work while a writer
    writes, the busy timeout makes writers wait instead of failing, foreign keys
    keep rows consistent, and synchronous=NORMAL is the durability WAL is meant with.
    """
    if db.engine.dialect.name != "sqlite":
        return []
    problems = []
    with db.engine.connect() as connection:
        for name, wanted in SQLITE_SETTINGS.items():
            found = connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            if str(found).lower() != str(wanted):
                problems.append(f"SQLite's {name} is {found!r}, not {wanted!r}")
    return problems


@contextmanager
def writing() -> Iterator[None]:
    """Let a transaction begun inside the block take SQLite's write lock at its start."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


def hold_startup_lock(connection: Connection) -> None:
    """Serialise start-up work (migrations, course load) between servers started together.

    On PostgreSQL, an advisory lock held until the transaction ends; on SQLite the
    transaction already began with BEGIN IMMEDIATE (`writing`, `unit_of_work`), which
    is the same guarantee. The second server waits, then finds the work done.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": STARTUP_LOCK_KEY})
