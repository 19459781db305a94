"""Import GIFT or Aiken files into a lesson, and export the bank as GIFT.

An upload is read, checked question by question and shown as a preview; only
a confirmation writes it, all questions or none. Between the two requests the
uploaded text waits in the `import_previews` table under a random token (it may
be bigger than a form field can carry), tied to the instructor and the lesson,
for at most a day. A confirmation first claims the token with one conditional
UPDATE (only one request can), then checks the text again: the bank may have
changed meanwhile.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.orm import selectinload

from app.bank import lint
from app.bank.aiken import parse_aiken
from app.bank.gift import parse_gift, write_gift
from app.bank.lint import Finding, Silenced
from app.bank.model import DIFFICULTIES, QuestionData
from app.bank.models import STATUS_ACTIVE, STATUS_RETIRED, Question
from app.course.models import Lesson
from app.extensions import db
from app.instructor import services
from app.instructor.models import ImportPreview
from app.rendering import anchors_in
from app.timeutil import now_utc

FORMATS: dict[str, tuple[str, Callable[[str, int | None], list[QuestionData]]]] = {
    "gift": ("GIFT", parse_gift),
    "aiken": ("Aiken", parse_aiken),
}
UID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")
TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
UPLOAD_MAX_AGE_SECONDS = 24 * 60 * 60
NO_QUESTIONS = "The file has no questions."


# --- waiting uploads ---------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    token: str
    user_id: int
    lesson_slug: str
    format: str
    fresh_ids: bool
    filename: str
    text: str


def _as_upload(row: ImportPreview, lesson: Lesson) -> Upload:
    return Upload(
        token=row.token,
        user_id=row.user_id,
        lesson_slug=lesson.slug,
        format=row.format,
        fresh_ids=row.fresh_ids,
        filename=row.filename,
        text=row.text,
    )


def _cutoff() -> datetime:
    return now_utc() - timedelta(seconds=UPLOAD_MAX_AGE_SECONDS)


def keep_upload(
    user_id: int, lesson: Lesson, fmt: str, fresh_ids: bool, filename: str, text: str
) -> str:
    """Store an uploaded text until it is confirmed; return its token (flush only)."""
    db.session.execute(delete(ImportPreview).where(ImportPreview.created_at <= _cutoff()))
    token = secrets.token_urlsafe(32)
    db.session.add(
        ImportPreview(
            token=token,
            user_id=user_id,
            lesson_id=lesson.id,
            format=fmt,
            fresh_ids=fresh_ids,
            filename=filename[:200],
            text=text,
        )
    )
    db.session.flush()
    return token


def _waiting(token: str, user_id: int, lesson: Lesson):
    """The conditions that make a preview usable: this instructor's, this lesson's,
    unclaimed and less than a day old."""
    return (
        ImportPreview.token == token,
        ImportPreview.user_id == user_id,
        ImportPreview.lesson_id == lesson.id,
        ImportPreview.claimed_at.is_(None),
        ImportPreview.created_at > _cutoff(),
    )


def find_upload(token: str, user_id: int, lesson: Lesson) -> Upload | None:
    """Return the upload if it is waiting, fresh, and this instructor's for this lesson."""
    if not TOKEN.match(token):
        return None
    row = db.session.scalar(select(ImportPreview).where(*_waiting(token, user_id, lesson)))
    if row is None or row.format not in FORMATS:
        return None
    return _as_upload(row, lesson)


def claim_upload(token: str, user_id: int, lesson: Lesson) -> Upload | None:
    """Claim a waiting upload for this request's import, or return None (flush only).

    One conditional UPDATE decides: of many confirmations at once, only the one
    whose UPDATE changed the row imports; the others change nothing and get None.
    If the importing transaction rolls back, so does the claim.
    """
    if not TOKEN.match(token):
        return None
    claimed = db.session.execute(
        update(ImportPreview)
        .where(*_waiting(token, user_id, lesson))
        .values(claimed_at=now_utc())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return None
    row = db.session.get(ImportPreview, token, populate_existing=True)
    if row is None or row.format not in FORMATS:
        return None
    return _as_upload(row, lesson)


# --- reading and checking ----------------------------------------------------------


@dataclass
class ImportItem:
    """One parsed question and what importing it would do."""

    data: QuestionData
    uid: str | None  # None: a fresh id is made when it is stored
    status: str = STATUS_ACTIVE
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # What the item-writing linter says of it, in its lesson among the course's questions.
    lint: list[Finding] = field(default_factory=list)
    silenced: list[Silenced] = field(default_factory=list)


@dataclass
class ImportPlan:
    items: list[ImportItem]
    file_error: str | None = None

    @property
    def error_count(self) -> int:
        return sum(1 for item in self.items if item.errors)

    @property
    def ok(self) -> bool:
        return self.file_error is None and bool(self.items) and self.error_count == 0


def parse_upload(text: str, fmt: str) -> tuple[list[QuestionData], str | None]:
    """Parse the text in its format; say so when it holds no question, or too many.

    The readers apply the question size limits (`app.bank.limits`) themselves and
    stop reading one question past `IMPORT_MAX_QUESTIONS`, so a file of a hundred
    thousand questions is refused after reading a few hundred.
    """
    limit = current_app.config["IMPORT_MAX_QUESTIONS"]
    questions = FORMATS[fmt][1](text, limit)
    if not questions or (len(questions) == 1 and "the file has no question" in questions[0].errors):
        return [], NO_QUESTIONS
    if len(questions) > limit:
        return [], (
            f"The file has more than {limit:,} questions; import at most {limit:,} at a "
            "time (split the file into smaller ones)."
        )
    return questions, None


def plan_import(text: str, fmt: str, lesson: Lesson, fresh_ids: bool) -> ImportPlan:
    """Check every question of an upload against the lesson and the bank."""
    questions, file_error = parse_upload(text, fmt)
    if file_error:
        return ImportPlan([], file_error)
    anchors = set(anchors_in(lesson.body_md))
    taken = services.existing_uids(sorted({q.id for q in questions if q.id}))
    items = []
    for question in questions:
        item = ImportItem(data=question, uid=question.id)
        item.errors.extend(question.errors)
        item.warnings.extend(question.warnings)
        _check_tags(item, anchors)
        _check_id(item, taken, fresh_ids)
        items.append(item)
    _lint_items(items, lesson.slug)
    return ImportPlan(items)


def _lint_items(items: list[ImportItem], lesson_slug: str) -> None:
    """Lint the readable questions together with the course, once, and hand out the findings.

    One run over everything (not one per question) keeps a big upload linear in the
    linter's own cost.
    """
    readable = [item for item in items if not item.errors]
    if not readable:
        return
    banks = services.course_banks()
    banks[lesson_slug] = [*banks.get(lesson_slug, []), *(item.data for item in readable)]
    owner = {id(item.data): item for item in readable}
    active, silenced = lint.split(lint.lint_course(banks))
    for finding in active:
        if item := _first_owner(finding.subjects, owner):
            item.lint.append(finding)
    for entry in silenced:
        if item := _first_owner(entry.finding.subjects, owner):
            item.silenced.append(entry)


def _first_owner(
    subjects: tuple[QuestionData, ...], owner: dict[int, ImportItem]
) -> ImportItem | None:
    return next((owner[id(s)] for s in subjects if id(s) in owner), None)


def _check_tags(item: ImportItem, anchors: set[str]) -> None:
    question = item.data
    if question.difficulty is not None and question.difficulty not in DIFFICULTIES:
        item.errors.append(f"difficulty '{question.difficulty}' is not easy, medium or hard")
    anchor = question.anchor
    if anchor is not None and anchor not in anchors:
        known = ", ".join(sorted(anchors)) or "none"
        item.errors.append(
            f"anchor '{anchor}' is not a paragraph of this lesson (its anchors: {known})"
        )
    if STATUS_RETIRED in question.tags:
        item.status = STATUS_RETIRED
        item.warnings.append("tagged 'retired': it is imported as retired")


def _check_id(item: ImportItem, taken: dict[str, str], fresh_ids: bool) -> None:
    uid = item.uid
    if uid is None:
        return
    if not UID.match(uid):
        item.errors.append(
            f"id '{uid[:60]}' is not usable here: use up to 100 letters, digits, "
            "'-', '_', '.' or ':'"
        )
    elif uid in taken:
        where = f"lesson '{taken[uid]}'"
        if fresh_ids:
            item.warnings.append(f"id '{uid}' is already used in {where}: imported with a new id")
            item.uid = None
        else:
            item.errors.append(
                f"id '{uid}' already exists in {where}; it is not overwritten. Remove the "
                "[id:…] comment, or tick 'give questions whose id is already taken a new id'"
            )


def commit_import(plan: ImportPlan, lesson: Lesson, author_id: int) -> list[Question]:
    """Add every question of a checked plan to the lesson (flush only)."""
    if not plan.ok:
        raise ValueError("only a plan without errors can be imported")
    position = services.next_position(lesson)
    created = []
    for offset, item in enumerate(plan.items):
        created.append(
            services.create_question(
                lesson,
                item.data,
                author_id,
                uid=item.uid or services.new_uid("imp"),
                status=item.status,
                position=position + offset,
            )
        )
    return created


# --- export ------------------------------------------------------------------------


def export_gift(lesson: Lesson | None = None) -> str:
    """Write a lesson's questions (or the whole bank, by lesson) as GIFT with ids and tags."""
    stmt = (
        select(Question)
        .join(Lesson, Lesson.id == Question.lesson_id)
        .options(selectinload(Question.current), selectinload(Question.lesson))
        .order_by(Lesson.position, Question.position, Question.id)
    )
    if lesson is not None:
        stmt = stmt.where(Question.lesson_id == lesson.id)
    questions = list(db.session.scalars(stmt))
    data = [services.stored_data(q, category=None if lesson else q.lesson.slug) for q in questions]
    try:
        return write_gift(data)
    except ValueError:
        return _export_one_by_one(data)


def _export_one_by_one(questions: list[QuestionData]) -> str:
    """Write what GIFT can express and name, in comments, what it cannot."""
    parts: list[str] = []
    category: str | None = None
    for question in questions:
        if question.category is not None and question.category != category:
            parts.append(f"$CATEGORY: {question.category}")
            category = question.category
        try:
            parts.append(write_gift([_without_category(question)]).rstrip("\n"))
        except ValueError as error:
            reason = " ".join(str(error).split())
            parts.append(f"// question {question.id} is not exported: {reason}")
    return "\n\n".join(parts) + "\n" if parts else ""


def _without_category(question: QuestionData) -> QuestionData:
    return replace(question, category=None)
