"""The `database://` rate-limit store: fixed windows in the app's database, on both backends."""

from __future__ import annotations

import pytest
from limits import RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from app.limits_storage import DatabaseStorage, RateLimitCounter
from tests.support.live import released_together


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def storage(app, clock) -> DatabaseStorage:
    store = storage_from_string("database://")
    assert isinstance(store, DatabaseStorage)  # the scheme is registered with `limits`
    store.clock = clock
    store.purge_every = 0  # purging is tested on its own
    return store


def test_hits_are_counted_in_a_window_that_starts_at_the_first_hit(storage, clock):
    assert storage.get("k") == 0
    assert storage.get_expiry("k") == clock.now  # no window: it "resets" now
    assert storage.incr("k", 60) == 1
    clock.now += 59
    assert storage.incr("k", 60, amount=2) == 3
    assert storage.get("k") == 3
    assert storage.get_expiry("k") == 1_000_060.0  # a later hit does not stretch the window


def test_a_new_window_starts_once_the_old_one_has_ended(storage, clock):
    storage.incr("k", 60)
    storage.incr("k", 60)
    clock.now += 60
    assert storage.get("k") == 0
    assert storage.incr("k", 60) == 1
    assert storage.get_expiry("k") == 1_000_120.0


def test_keys_are_counted_apart_and_cleared_one_by_one_or_all(storage):
    storage.incr("a", 60)
    storage.incr("b", 60)
    storage.incr("b", 60)
    storage.clear("a")
    assert (storage.get("a"), storage.get("b")) == (0, 2)
    assert storage.reset() == 1
    assert storage.get("b") == 0
    assert storage.check() is True


def test_a_counted_hit_is_one_statement(storage, count_queries):
    storage.incr("k", 60)
    with count_queries() as counter:
        assert storage.incr("k", 60) == 2
    # SQLite's connections send their own BEGIN (app/database.py); nothing else is sent.
    statements = [s for s in counter.statements if s.strip().upper() != "BEGIN"]
    assert len(statements) == 1
    assert statements[0].lstrip().upper().startswith("INSERT")
    assert "ON CONFLICT" in statements[0].upper()


def test_concurrent_hits_are_each_counted_once(app, storage):
    def hit(_: int) -> int:
        with app.app_context():
            return storage.incr("race", 60)

    counts = released_together(12, hit)
    assert sorted(counts) == list(range(1, 13))
    assert storage.get("race") == 12


def test_the_fixed_window_strategy_allows_exactly_the_limit(storage):
    limiter = FixedWindowRateLimiter(storage)
    five = RateLimitItemPerMinute(5)
    assert [limiter.hit(five, "account") for _ in range(7)] == [True] * 5 + [False] * 2
    assert limiter.test(five, "other") is True


def test_a_long_key_is_stored_hashed(storage, db):
    key = "address:" + "f" * 400
    assert storage.incr(key, 60) == 1
    assert storage.get(key) == 1
    stored = db.session.scalar(db.select(RateLimitCounter.key))
    assert stored.startswith("sha256:") and len(stored) <= 255


def test_ended_windows_are_purged(storage, clock, db):
    storage.incr("old", 60)
    clock.now += 30
    storage.incr("new", 60)
    clock.now += 31
    assert storage.purge_expired() == 1
    assert db.session.scalars(db.select(RateLimitCounter.key)).all() == ["new"]
