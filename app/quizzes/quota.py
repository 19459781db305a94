"""How many attempts a learner may take: plain functions over plain numbers.

Attempt numbers are unique per learner and lesson in the database, so comparing
the next number with the limit is race-free: two requests that both read "next is
3" cannot both store an attempt 3 (`app.quizzes.attempts.start_attempt`).
"""

from __future__ import annotations


def attempt_limit(max_attempts: int, extra: int) -> int | None:
    """Return how many attempts the learner may take in all (None: no limit).

    `max_attempts` is the lesson's setting (0 means unlimited); `extra` the attempts
    an instructor gave this learner on top of it (`flask attempts grant`).
    """
    if max_attempts <= 0:
        return None
    return max_attempts + max(0, extra)


def may_start(next_number: int, limit: int | None) -> bool:
    """Tell whether the attempt numbered `next_number` is within the limit."""
    return limit is None or next_number <= limit


def attempts_left(used: int, limit: int | None) -> int | None:
    """Return how many more attempts the learner may start (None: no limit).

    `used` is the highest attempt number so far: every number started counts,
    whether it was graded, is still open or was abandoned.
    """
    if limit is None:
        return None
    return max(0, limit - used)


def out_of_attempts(used: int, limit: int | None) -> bool:
    """Tell whether a learner has used every attempt allowed (never, when unlimited).

    The review's "after the last attempt" waits for this.
    """
    return limit is not None and used >= limit


def limit_reached_message(limit: int) -> str:
    """Say why a new attempt is refused (the start page and its tests share it)."""
    return f"You have used all {limit} attempts allowed for this quiz."
