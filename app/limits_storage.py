"""Rate-limit counts in the app's own database: the `limits` library's storage for `database://`.

Without `RATELIMIT_STORAGE_URI` the limiter keeps its counts here, so every
worker and every app server on the same database shares them (`memory://`
counts per process: with two workers every limit doubles). Importing this
module registers the `database` scheme with `limits` (its `Storage` base class
registers each subclass under its `STORAGE_SCHEME`).

It supports the fixed-window strategy (Flask-Limiter's default), which needs
only a counter and its expiry per key: a window starts at a key's first hit and
lasts the limit's period, as in `limits`' memory and Redis storages. Each
counted hit is one statement, an `INSERT … ON CONFLICT DO UPDATE … RETURNING`
that starts a new window when the stored one has expired and otherwise adds to
it, so concurrent hits from any number of processes are each counted once.

Counts are written on their own connection and committed at once: they must
outlive the request's own transaction (a failed log-in rolls nothing back).
Time is the app server's clock (`time.time()`); servers sharing a database are
expected to keep theirs in step (NTP). Expired rows are deleted now and then
(about one hit in `PURGE_EVERY`), so keys from a spray of made-up emails do
not pile up.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable

from limits.storage import Storage
from sqlalchemy import Float, Integer, String, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from app.config import DATABASE_STORAGE_URI
from app.extensions import db

SCHEME = DATABASE_STORAGE_URI.split(":", 1)[0]
MAX_KEY_LENGTH = 200
PURGE_EVERY = 100


class RateLimitCounter(db.Model):
    """One rate-limit key's count in its current fixed window."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    # When the window ends, in seconds since the epoch (what `limits` reports as a reset time).
    expires_at: Mapped[float] = mapped_column(Float, index=True)

    def __repr__(self) -> str:
        return f"<RateLimitCounter {self.key} {self.count}>"


class DatabaseStorage(Storage):
    """Fixed-window counters in the `rate_limit_counters` table of the current app's database."""

    STORAGE_SCHEME = (SCHEME,)  # type: ignore[assignment]  # the registry takes any sequence

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.clock: Callable[[], float] = time.time
        self.purge_every = PURGE_EVERY

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    @property
    def engine(self) -> Engine:
        # The engine of the app handling the request: one limiter object serves every app
        # built in a process (tests build many), each on its own database.
        return db.engine

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Count `amount` hits on `key`, starting a new window if the stored one has ended."""
        now = self.clock()
        table = RateLimitCounter.__table__
        engine = self.engine
        insert = (postgresql if engine.dialect.name == "postgresql" else sqlite).insert
        statement = insert(table).values(key=_stored(key), count=amount, expires_at=now + expiry)
        expired = table.c.expires_at <= now
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "count": case((expired, statement.excluded.count), else_=table.c.count + amount),
                "expires_at": case(
                    (expired, statement.excluded.expires_at), else_=table.c.expires_at
                ),
            },
        ).returning(table.c.count)
        with engine.begin() as connection:
            count = connection.execute(statement).scalar_one()
        if self.purge_every and random.randrange(self.purge_every) == 0:
            self.purge_expired()
        return count

    def get(self, key: str) -> int:
        """Return the count in `key`'s current window (0 once it has ended)."""
        table = RateLimitCounter.__table__
        query = select(table.c.count).where(
            table.c.key == _stored(key), table.c.expires_at > self.clock()
        )
        with self.engine.connect() as connection:
            return connection.execute(query).scalar() or 0

    def get_expiry(self, key: str) -> float:
        """Return when `key`'s window ends (now, if it has none)."""
        now = self.clock()
        table = RateLimitCounter.__table__
        query = select(table.c.expires_at).where(
            table.c.key == _stored(key), table.c.expires_at > now
        )
        with self.engine.connect() as connection:
            return connection.execute(query).scalar() or now

    def check(self) -> bool:
        """Say whether the database answers."""
        try:
            with self.engine.connect() as connection:
                connection.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        """Forget every count; return how many keys there were."""
        with self.engine.begin() as connection:
            return connection.execute(delete(RateLimitCounter.__table__)).rowcount

    def clear(self, key: str) -> None:
        """Forget `key`'s count."""
        table = RateLimitCounter.__table__
        with self.engine.begin() as connection:
            connection.execute(delete(table).where(table.c.key == _stored(key)))

    def purge_expired(self) -> int:
        """Delete the rows of ended windows; return how many."""
        table = RateLimitCounter.__table__
        with self.engine.begin() as connection:
            ended = delete(table).where(table.c.expires_at <= self.clock())
            return connection.execute(ended).rowcount


def _stored(key: str) -> str:
    """Keep a key within the column: a long one (an odd client address) is stored hashed."""
    if len(key) <= MAX_KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
