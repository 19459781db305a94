"""Where a launch lands: the course, a lesson or a lesson's quiz.

A deep-linked resource link carries its target in the custom parameter `target`
(`course`, `lesson:<slug>`, `quiz:<slug>`); a link without one opens the course.
The same strings name the deep-linking choices, so the two cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

COURSE = "course"
LESSON = "lesson"
QUIZ = "quiz"
MAX_TARGET = 200


@dataclass(frozen=True)
class Target:
    kind: str  # COURSE, LESSON or QUIZ
    slug: str = ""

    def __str__(self) -> str:
        return self.kind if self.kind == COURSE else f"{self.kind}:{self.slug}"


def parse_target(value: object) -> Target | None:
    """Read a `target` custom parameter; None when it names nothing we know how to open."""
    if value is None or value == "":
        return Target(COURSE)
    if not isinstance(value, str) or len(value) > MAX_TARGET:
        return None
    if value == COURSE:
        return Target(COURSE)
    kind, _, slug = value.partition(":")
    if kind in (LESSON, QUIZ) and slug and slug.isascii() and slug.replace("-", "").isalnum():
        return Target(kind, slug)
    return None


def target_url(target: Target) -> str:
    """The page a launch for this target opens (a missing lesson there is a plain 404)."""
    if target.kind == LESSON:
        return url_for("course.lesson", slug=target.slug)
    if target.kind == QUIZ:
        # A quiz starts by a POST (the attempt limit is checked there): open the lesson
        # at its quiz section, whose button starts or resumes the attempt.
        return url_for("course.lesson", slug=target.slug, _anchor="quiz-heading")
    return url_for("course.index")
