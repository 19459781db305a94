"""The FSRS scheduler behind practice, wrapped in plain functions (pure, no Flask).

The maintained `fsrs` package does the scheduling (the algorithm Anki uses); this
module is the only one that imports it. A card's state travels as the library's own
dictionary (`Card.to_dict()`), so what the database stores is what the library reads.
Practice is day-scale: no learning or relearning steps, so every review schedules a
whole number of days ahead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fsrs import Card, Rating, Scheduler

from app.bank.grading import is_right

DEFAULT_RETENTION = 0.9
# FSRS accepts (0, 1]; below 0.7 reviews come too late to help, above 0.97 too often.
MIN_RETENTION = 0.7
MAX_RETENTION = 0.97


def retention_problem(value: object) -> str | None:
    """Say what is wrong with a desired retention, or None when it can be used."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "practice retention must be a number"
    if not MIN_RETENTION <= value <= MAX_RETENTION:
        return f"practice retention must be between {MIN_RETENTION} and {MAX_RETENTION}"
    return None


def usable_retention(value: object) -> float:
    """Return the stored retention if it can be used, else the default."""
    return float(value) if retention_problem(value) is None else DEFAULT_RETENTION  # type: ignore[arg-type]


def rating_for(fraction: float) -> Rating:
    """Rate an answer: right (`is_right`: fraction 1, less weight noise) is Good, else Again."""
    return Rating.Good if is_right(fraction) else Rating.Again


@dataclass(frozen=True)
class Scheduled:
    """One review's outcome: the card's new state, when it is due, and the rating given."""

    state: dict[str, Any]
    due: datetime
    rating: int


def review(
    state: dict[str, Any] | None,
    card_id: int,
    first_due: datetime,
    fraction: float,
    now: datetime,
    retention: float = DEFAULT_RETENTION,
    fuzzing: bool = True,
) -> Scheduled:
    """Review a card (a new one when `state` is None) and return its next schedule.

    `now` is the injected clock: tests pass a fake one, the views pass `now_utc()`.
    """
    scheduler = Scheduler(
        desired_retention=retention,
        learning_steps=(),
        relearning_steps=(),
        enable_fuzzing=fuzzing,
    )
    card = Card.from_dict(state) if state else Card(card_id=card_id, due=_utc(first_due))  # type: ignore[arg-type]
    rating = rating_for(fraction)
    card, _log = scheduler.review_card(card, rating, review_datetime=_utc(now))
    return Scheduled(dict(card.to_dict()), card.due, int(rating))


def _utc(value: datetime) -> datetime:
    """Return `value` in the UTC the library insists on (naive values are UTC already)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
