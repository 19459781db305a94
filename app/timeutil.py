"""Timezone-aware UTC time, called at use (never evaluated at import)."""

from datetime import UTC, datetime


def now_utc() -> datetime:
    """Return the current time in UTC, timezone-aware."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Treat a naive datetime read back from SQLite as the UTC it was stored as."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
