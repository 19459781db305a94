"""Quiz settings: course-wide defaults overridden per lesson."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

COUNTED_SCORE_RULES = ("highest", "last", "first", "average")
FINAL_EXAM_DRAW = 20


class InvalidSettings(ValueError):
    """A quiz setting has a value the quiz cannot use."""


@dataclass(frozen=True)
class QuizSettings:
    pass_mark: float = 70.0
    max_attempts: int = 0  # 0 = unlimited
    time_limit_minutes: int = 0  # 0 = none
    draw: int = 0  # 0 = all active scored questions
    shuffle_questions: bool = True
    shuffle_choices: bool = True
    counted_score: str = "highest"
    final_exam: bool = False


def resolve_settings(defaults: dict[str, Any], overrides: dict[str, Any]) -> QuizSettings:
    """Merge a lesson's overrides onto the course defaults and validate the result."""
    merged: dict[str, Any] = {}
    known = {f.name: f for f in fields(QuizSettings)}
    for source in (defaults or {}, overrides or {}):
        for key, value in source.items():
            if key in known:
                merged[key] = value
    settings = QuizSettings(**merged)
    problems = validate_settings(settings)
    if problems:
        raise InvalidSettings("; ".join(problems))
    if settings.final_exam and not settings.draw:
        settings = QuizSettings(**{**merged, "draw": FINAL_EXAM_DRAW})
    return settings


def validate_settings(settings: QuizSettings) -> list[str]:
    """List what is wrong with the settings, in words an instructor understands."""
    problems = []
    if isinstance(settings.pass_mark, bool) or not isinstance(settings.pass_mark, int | float):
        problems.append("pass mark must be a number")
    elif not 0 <= settings.pass_mark <= 100:
        problems.append("pass mark must be between 0 and 100")
    for name in ("max_attempts", "time_limit_minutes", "draw"):
        value = getattr(settings, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.append(f"{name.replace('_', ' ')} must be a whole number, 0 or more")
    for name in ("shuffle_questions", "shuffle_choices", "final_exam"):
        if not isinstance(getattr(settings, name), bool):
            problems.append(f"{name.replace('_', ' ')} must be true or false")
    if settings.counted_score not in COUNTED_SCORE_RULES:
        problems.append("counted score must be one of " + ", ".join(COUNTED_SCORE_RULES))
    return problems
