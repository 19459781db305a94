"""Read the course folder (`questions/`) into plain data, or fail naming file and line.

Nothing here touches the database: `app.content.loading` writes what this reads.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from app.bank.gift import parse_gift
from app.bank.limits import MAX_FRONT_MATTER, lesson_limit_problems
from app.bank.model import DIFFICULTIES, QuestionData
from app.bank.types import payload
from app.course.settings import COURSE_RULE_KEYS, InvalidSettings, QuizSettings, resolve_settings
from app.rendering import anchor_problems, anchors_in
from app.textfile import NotText, decode_text

FENCE = "+++"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
QUIZ_SETTING_KEYS = frozenset(f.name for f in fields(QuizSettings))


class CourseFileError(Exception):
    """A course file is malformed; the message names the file and the line."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


@dataclass
class LessonSource:
    slug: str
    title: str
    body_md: str
    objectives: list[str]
    key_terms: list[dict[str, str]]
    summary: str
    quiz_settings: dict[str, Any]
    source_hash: str
    path: Path
    gift_path: Path | None = None
    questions: list[QuestionData] = field(default_factory=list)

    @property
    def anchors(self) -> list[str]:
        return anchors_in(self.body_md)


@dataclass
class ModuleSource:
    slug: str
    title: str
    lessons: list[LessonSource]


@dataclass
class CourseSource:
    title: str
    quiz_defaults: dict[str, Any]
    modules: list[ModuleSource]
    source_hash: str


def content_hash(value: Any) -> str:
    """Hash JSON-able data canonically, so formatting-only edits leave it unchanged."""
    canonical = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def question_hash(question: QuestionData) -> str:
    """Hash everything a load would store for a question."""
    stored = {
        "type": question.type,
        "title": question.title,
        "prompt": question.prompt,
        "payload": payload(question),
        "points": question.points,
        "general_feedback": question.general_feedback,
        "tags": sorted(question.tags),
    }
    if question.text_format != "markdown":  # so hashes of Markdown questions never change
        stored["text_format"] = question.text_format
    return content_hash(stored)


def read_course(course_dir: Path) -> CourseSource:
    """Read and validate the whole course folder."""
    course_file = course_dir / "course.toml"
    data = _read_toml(course_file)
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise CourseFileError(course_file, None, "'title' must be a non-empty string")
    defaults = data.get("quiz_defaults", {})
    _check_quiz_settings(course_file, defaults, COURSE_RULE_KEYS)
    try:
        resolve_settings(defaults, {})
    except InvalidSettings as error:
        raise CourseFileError(course_file, None, f"quiz defaults: {error}") from error
    modules_data = data.get("modules")
    if not isinstance(modules_data, list) or not modules_data:
        raise CourseFileError(course_file, None, "no [[modules]] listed")

    modules: list[ModuleSource] = []
    seen_lessons: set[str] = set()
    seen_modules: set[str] = set()
    seen_question_ids: dict[str, str] = {}
    for number, module_data in enumerate(modules_data, start=1):
        where = f"module #{number}"
        slug = module_data.get("slug")
        if not isinstance(slug, str) or not SLUG.match(slug):
            raise CourseFileError(course_file, None, f"{where}: 'slug' must be a lowercase slug")
        if slug in seen_modules:
            raise CourseFileError(course_file, None, f"{where}: module slug '{slug}' repeats")
        seen_modules.add(slug)
        module_title = module_data.get("title")
        if not isinstance(module_title, str) or not module_title.strip():
            raise CourseFileError(course_file, None, f"module '{slug}': 'title' is missing")
        lesson_slugs = module_data.get("lessons")
        if not isinstance(lesson_slugs, list) or not lesson_slugs:
            raise CourseFileError(course_file, None, f"module '{slug}': no lessons listed")
        lessons = []
        for lesson_slug in lesson_slugs:
            if not isinstance(lesson_slug, str) or not SLUG.match(lesson_slug):
                raise CourseFileError(
                    course_file, None, f"module '{slug}': lesson {lesson_slug!r} is not a slug"
                )
            if lesson_slug in seen_lessons:
                raise CourseFileError(course_file, None, f"lesson '{lesson_slug}' is listed twice")
            seen_lessons.add(lesson_slug)
            lesson = read_lesson(course_dir / "lessons", lesson_slug)
            try:
                resolve_settings(defaults, lesson.quiz_settings)
            except InvalidSettings as error:
                raise CourseFileError(lesson.path, None, f"quiz settings: {error}") from error
            for question in lesson.questions:
                assert question.id is not None
                if question.id in seen_question_ids:
                    raise CourseFileError(
                        lesson.gift_path or lesson.path,
                        question.line,
                        f"question id '{question.id}' is already used in "
                        f"{seen_question_ids[question.id]}",
                    )
                seen_question_ids[question.id] = f"{lesson.gift_path}:{question.line}"
            lessons.append(lesson)
        modules.append(ModuleSource(slug=slug, title=module_title.strip(), lessons=lessons))
    return CourseSource(
        title=title.strip(),
        quiz_defaults=defaults,
        modules=modules,
        source_hash=content_hash({"title": title, "quiz_defaults": defaults}),
    )


def read_lesson(lessons_dir: Path, slug: str) -> LessonSource:
    """Read one lesson's Markdown file and, if present, its GIFT bank."""
    path = lessons_dir / f"{slug}.md"
    text = _read_text(path)
    front = split_front_matter(text)
    if front is None:
        raise CourseFileError(
            path, 1, "the file must start with TOML front matter between +++ lines"
        )
    front_matter, body_start = front
    if len(front_matter) > MAX_FRONT_MATTER:
        raise CourseFileError(
            path,
            2,
            f"the front matter is {len(front_matter):,} characters long; the limit is "
            f"{MAX_FRONT_MATTER:,}",
        )
    try:
        meta = tomllib.loads(front_matter)
    except tomllib.TOMLDecodeError as error:
        raise CourseFileError(path, _toml_error_line(error, offset=1), str(error)) from error
    rest = text[body_start:]
    body = rest.strip() + "\n"
    body_line = _line_of(text, body_start + len(rest) - len(rest.lstrip()))

    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        raise CourseFileError(path, 2, "front matter needs a 'title'")
    objectives = meta.get("objectives", [])
    if not isinstance(objectives, list) or not all(isinstance(o, str) for o in objectives):
        raise CourseFileError(path, 2, "'objectives' must be a list of strings")
    key_terms = meta.get("key_terms", [])
    if not isinstance(key_terms, list) or not all(
        isinstance(t, dict)
        and isinstance(t.get("term"), str)
        and isinstance(t.get("definition"), str)
        for t in key_terms
    ):
        raise CourseFileError(path, 2, "each [[key_terms]] entry needs a 'term' and a 'definition'")
    summary = meta.get("summary", "")
    if not isinstance(summary, str):
        raise CourseFileError(path, 2, "'summary' must be a string")
    quiz_settings = meta.get("quiz", {})
    _check_quiz_settings(path, quiz_settings)
    # The lesson editor's limits, checked before the body is rendered to find its anchors.
    too_long = lesson_limit_problems(title, body, objectives, key_terms, summary)
    if too_long:
        in_body = too_long[0].startswith("the lesson text")
        raise CourseFileError(path, body_line if in_body else 2, "; ".join(too_long))
    _check_anchors(path, body, first_line=body_line)

    lesson = LessonSource(
        slug=slug,
        title=title.strip(),
        body_md=body,
        objectives=[o.strip() for o in objectives],
        key_terms=[
            {"term": t["term"].strip(), "definition": t["definition"].strip()} for t in key_terms
        ],
        summary=summary.strip(),
        quiz_settings=quiz_settings,
        source_hash="",
        path=path,
    )
    lesson.source_hash = content_hash(
        {
            "title": lesson.title,
            "body": lesson.body_md,
            "objectives": lesson.objectives,
            "key_terms": lesson.key_terms,
            "summary": lesson.summary,
            "quiz": lesson.quiz_settings,
        }
    )
    gift_path = lessons_dir / f"{slug}.gift"
    if gift_path.exists():
        lesson.gift_path = gift_path
        lesson.questions = read_bank(gift_path, set(lesson.anchors))
    return lesson


def split_front_matter(text: str) -> tuple[str, int] | None:
    """Find the TOML between a first line '+++' and the next such line: (TOML, body offset).

    One pass over the lines (a lazy regular expression did this in time that grew
    faster than the file); None when the file does not start so or never closes it.
    """
    end = text.find("\n")
    if end < 0 or not _is_fence(text[:end]):
        return None
    start = position = end + 1
    while True:
        end = text.find("\n", position)
        line_end = len(text) if end < 0 else end
        if _is_fence(text[position:line_end]):
            return text[start:position], line_end if end < 0 else end + 1
        if end < 0:
            return None
        position = end + 1


def _is_fence(line: str) -> bool:
    """Tell a '+++' line (trailing spaces, tabs and a carriage return allowed)."""
    return line.startswith(FENCE) and not line[len(FENCE) :].removesuffix("\r").strip(" \t")


def read_bank(path: Path, anchors: set[str]) -> list[QuestionData]:
    """Parse a lesson's GIFT file; fail on the first question with an error."""
    questions = parse_gift(_read_text(path))
    seen: set[str] = set()
    for question in questions:
        if question.errors:
            raise CourseFileError(path, question.line, "; ".join(question.errors))
        if not question.id:
            raise CourseFileError(
                path, question.line, "question has no id: add '// [id:…]' on the line above it"
            )
        if question.id in seen:
            raise CourseFileError(path, question.line, f"question id '{question.id}' repeats")
        seen.add(question.id)
        if question.difficulty is not None and question.difficulty not in DIFFICULTIES:
            raise CourseFileError(
                path,
                question.line,
                f"difficulty '{question.difficulty}' is not easy, medium or hard",
            )
        if question.anchor is not None and question.anchor not in anchors:
            raise CourseFileError(
                path, question.line, f"anchor '{question.anchor}' is not a paragraph of the lesson"
            )
    return questions


def _check_quiz_settings(path: Path, settings: Any, also: frozenset[str] = frozenset()) -> None:
    """Refuse unknown keys (the course's defaults `also` take the course rules)."""
    if not isinstance(settings, dict):
        raise CourseFileError(path, None, "quiz settings must be a table")
    for key in also & set(settings):
        if not isinstance(settings[key], bool):
            raise CourseFileError(path, None, f"{key} must be true or false")
    unknown = set(settings) - QUIZ_SETTING_KEYS - also
    if unknown:
        raise CourseFileError(path, None, f"unknown quiz setting(s): {', '.join(sorted(unknown))}")


def _check_anchors(path: Path, body: str, first_line: int) -> None:
    """Refuse an anchor the renderer would not keep (its links would point at nothing)."""
    problems = anchor_problems(body)
    if problems:
        line, message = problems[0]
        raise CourseFileError(path, first_line + line - 1, message)


def _line_of(text: str, offset: int) -> int:
    """Return the 1-based line of `offset` in `text`."""
    return text.count("\n", 0, offset) + 1


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as error:
        raise CourseFileError(path, None, "file not found") from error
    try:
        text = decode_text(raw, allow_nul=False)
    except NotText as error:
        reason = "not valid UTF-8 text" if not error.nul else error.reason
        raise CourseFileError(path, error.line, reason) from error
    return text.replace("\r\n", "\n")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(_read_text(path))
    except tomllib.TOMLDecodeError as error:
        raise CourseFileError(path, _toml_error_line(error, offset=0), str(error)) from error


def _toml_error_line(error: tomllib.TOMLDecodeError, offset: int) -> int | None:
    match = re.search(r"line (\d+)", str(error))
    return int(match.group(1)) + offset if match else None
