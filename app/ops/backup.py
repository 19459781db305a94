"""A consistent copy of the SQLite database taken while the app serves.

SQLite's online backup API copies pages under its own locking, so the copy is a
database as it was at one moment even while learners keep saving; copying the
file (and its -wal) by hand could catch a write half-way. PostgreSQL has its own
tool for this (`pg_dump`), so the command refuses there.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import Engine


class BackupRefused(Exception):
    """The backup cannot be made (wrong database, or the target is not writable)."""


def backup_sqlite(engine: Engine, target: Path) -> int:
    """Copy the database behind `engine` to `target`; return the copy's size in bytes."""
    if engine.dialect.name != "sqlite":
        raise BackupRefused(
            "This database is PostgreSQL: back it up with pg_dump "
            '(for example `pg_dump --format=custom --file=milidip.dump "$DATABASE_URL"`).'
        )
    if target.exists():
        raise BackupRefused(f"{target} already exists; choose a new file name.")
    if not target.parent.is_dir():
        raise BackupRefused(f"The folder {target.parent} does not exist.")
    partial = target.with_name(target.name + ".partial")
    raw = engine.raw_connection()
    try:
        source = raw.driver_connection
        with sqlite3.connect(partial) as copy:
            source.backup(copy, pages=1024)  # in steps: writers are not held up for long
            problem = copy.execute("PRAGMA integrity_check").fetchone()[0]
        if problem != "ok":
            raise BackupRefused(f"The copy failed its integrity check: {problem}")
        partial.replace(target)  # the file appears only when it is whole
    finally:
        raw.close()
        partial.unlink(missing_ok=True)
    return target.stat().st_size
