"""Which questions an attempt gets: the draw, as pure functions over a pool of versions.

`app.quizzes.attempts.start_attempt` reads the pool and draws from it; the demo class
(`app.demo.seeding`) draws the same way for its simulated attempts.
"""

from __future__ import annotations

import random
from typing import Any

from app.course.settings import QuizSettings


def draw_versions(pool: list[tuple[int, Any]], settings: QuizSettings, rng: random.Random) -> list:
    """Draw an attempt's questions from the pool, in order (pure: the demo class uses it too)."""
    if settings.final_exam:
        return draw_final_exam(pool, settings.draw, rng)
    versions = [v for _, v in pool]
    if settings.draw and settings.draw < len(versions):
        versions = rng.sample(versions, settings.draw)
        versions.sort(key=lambda v: v.id)
    if settings.shuffle_questions:
        rng.shuffle(versions)
    return versions


def draw_final_exam(pool: list[tuple[int, Any]], count: int, rng: random.Random) -> list[Any]:
    """Draw `count` items with at least one from each lesson (when count allows)."""
    by_lesson: dict[int, list[Any]] = {}
    for lesson_id, item in pool:
        by_lesson.setdefault(lesson_id, []).append(item)
    lessons = list(by_lesson)
    rng.shuffle(lessons)
    chosen = [rng.choice(by_lesson[lesson_id]) for lesson_id in lessons[:count]]
    chosen_ids = {id(item) for item in chosen}
    rest = [item for _, item in pool if id(item) not in chosen_ids]
    chosen += rng.sample(rest, min(len(rest), max(0, count - len(chosen))))
    rng.shuffle(chosen)
    return chosen
