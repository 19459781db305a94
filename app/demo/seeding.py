"""`flask demo seed` and `flask demo clear`: a simulated class, stored in bulk.

The attempts are made the way real ones are: questions drawn by the quizzes' own draw
(`draw_versions` over `question_pool`), choices ordered by each type's `display_order`,
answers stored as `read_answer` stores them and graded by the real graders
(`grade_points`), and each learner's counted grade stored by the real counted-score
rule (`recompute_lesson_grades`). Only the answers are simulated
(`app.demo.simulation`). Rows go in with executemany INSERTs, a few hundred learners
at a time; services flush, the command's unit of work commits.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, text, update
from werkzeug.security import generate_password_hash

from app.auth.models import ROLE_INSTRUCTOR, ROLE_LEARNER, PasswordReset, User
from app.auth.services import name_key
from app.bank.model import QuestionData
from app.bank.models import Question, QuestionVersion
from app.bank.types import display_order
from app.course.models import Lesson, Module
from app.course.services import settings_for
from app.demo import simulation as sim
from app.extensions import db
from app.instructor.models import ImportPreview
from app.practice.models import PracticeCard, PracticeReview
from app.quizzes.attempts import draw_versions, question_pool
from app.quizzes.grades import (
    attempt_total,
    bump_graded_revision,
    grade_points,
    recompute_lesson_grades,
)
from app.quizzes.models import (
    STATE_OPEN,
    STATE_SUBMITTED,
    Attempt,
    AttemptAllowance,
    Completion,
    LessonGrade,
    LessonRead,
    Response,
)
from app.timeutil import now_utc

DEMO_DOMAIN = "demo.invalid"  # RFC 2606: never a real mailbox
INSTRUCTOR_EMAIL = f"demo-instructor@{DEMO_DOMAIN}"
DEFAULT_LEARNERS = 300
DEFAULT_SEED = 2026
BATCH = 250  # learners per round of INSERTs
IN_PROGRESS = 0.04  # share of learner-lessons left with an open attempt
SPREAD_DAYS = 90


class DemoRefused(Exception):
    """The demo would mix with real learners (without --force)."""


@dataclass(frozen=True)
class SeedReport:
    created: bool
    learners: int
    attempts: int
    responses: int
    broken: dict[str, str]  # question uid -> behaviour


def demo_learner_count() -> int:
    return (
        db.session.scalar(
            select(func.count()).where(User.is_demo.is_(True), User.role == ROLE_LEARNER)
        )
        or 0
    )


def real_learner_count() -> int:
    return (
        db.session.scalar(
            select(func.count()).where(User.is_demo.is_(False), User.role == ROLE_LEARNER)
        )
        or 0
    )


def seed_demo(
    learners: int,
    password: str,
    seed: int = DEFAULT_SEED,
    force: bool = False,
    broken_lesson: str | None = None,
) -> SeedReport:
    """Create the demo class, unless it is there already (then change nothing).

    The broken questions go in `broken_lesson` (a slug), by default the first lesson.
    """
    existing = demo_learner_count()
    if existing:
        return SeedReport(False, existing, 0, 0, {})
    if real_learner_count() and not force:
        raise DemoRefused(
            "This database has real learners: the demo class would mix with them. "
            "Use --force to seed it anyway (statistics leave demo learners out)."
        )
    rng = random.Random(seed)
    lessons = _lessons()
    if not lessons:
        raise DemoRefused("No course is loaded: run `flask course load` first.")
    db.session.add(_account(INSTRUCTOR_EMAIL, "Demo Instructor", ROLE_INSTRUCTOR,
                            generate_password_hash(password)))  # fmt: skip
    # The learners cannot log in: one hash of a random secret nobody keeps.
    unusable = generate_password_hash(random.SystemRandom().randbytes(24).hex())
    plans = [(lesson, settings_for(lesson)) for lesson in lessons]
    pools = {lesson.id: question_pool(lesson, settings) for lesson, settings in plans}
    chosen = next((lesson for lesson, _ in plans if lesson.slug == broken_lesson), None)
    if broken_lesson is not None and chosen is None:
        raise DemoRefused(f"There is no lesson {broken_lesson!r} for the broken questions.")
    broken = _broken_questions(pools[(chosen or plans[0][0]).id])
    behaviours = {version_id: behaviour for version_id, (_, behaviour) in broken.items()}
    # Each version's plain question, made once (to_data per answer was a fifth of the time).
    questions = {v.id: v.to_data() for pool in pools.values() for _, v in pool}
    people = sim.learners(learners, rng, DEMO_DOMAIN)
    attempts = responses = 0
    now = now_utc()
    for start in range(0, len(people), BATCH):
        batch = people[start : start + BATCH]
        ids = _insert_returning(User, [
            _account_row(p.email, p.name, unusable, now - timedelta(days=SPREAD_DAYS + 1))
            for p in batch
        ])  # fmt: skip
        made = list(_simulate(batch, ids, plans, pools, behaviours, questions, rng, now))
        attempt_ids = _insert_returning(Attempt, [row for row, _ in made])
        response_rows = [
            {**r, "attempt_id": attempt_id}
            for attempt_id, (_, rows) in zip(attempt_ids, made, strict=True)
            for r in rows
        ]
        if response_rows:
            db.session.execute(insert(Response.__table__), response_rows)  # Core: no ORM work
        attempts += len(made)
        responses += len(response_rows)
    for lesson, _ in plans:
        recompute_lesson_grades(lesson)
    bump_graded_revision([lesson.id for lesson, _ in plans])
    db.session.flush()
    refresh_planner_statistics()
    return SeedReport(True, learners, attempts, responses,
                      {uid: behaviour for uid, behaviour in broken.values()})  # fmt: skip


# The tables a seed fills in bulk (children of attempts too: the statistics page joins them).
SEEDED_TABLES = ("users", "attempts", "responses", "lesson_grades")


def refresh_planner_statistics() -> None:
    """Bring PostgreSQL's planner statistics up to date with the rows just inserted.

    Tens of thousands of rows arrive in a moment; autovacuum analyses them later. Until
    then the planner believes the tables are tiny, and the statistics page's streamed
    read (a cursor, planned for its first rows) chose a nested loop over every response:
    8 s instead of 0.1 s for a lesson's "all attempts" at 1,000 learners. ANALYZE runs
    in this transaction and sees its own rows. SQLite plans without such statistics.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(f"ANALYZE {', '.join(SEEDED_TABLES)}"))


def _lessons() -> list[Lesson]:
    return list(
        db.session.scalars(
            select(Lesson).join(Module).order_by(Module.position, Lesson.position, Lesson.id)
        )
    )


def _broken_questions(pool: list[tuple[int, Any]]) -> dict[int, tuple[str, str]]:
    """Pick a lesson's broken questions: version id -> (uid, behaviour).

    A wrong key on its first single-choice question with a distractor; a giveaway on
    the first other question.
    """
    versions = [version for _, version in pool]
    uids = dict(
        db.session.execute(
            select(Question.id, Question.uid).where(
                Question.id.in_([v.question_id for v in versions])
            )
        ).all()
    )
    broken: dict[int, tuple[str, str]] = {}
    wrong_key = next((v for v in versions if v.type == "single" and len(v.to_data().choices) > 1),
                     None)  # fmt: skip
    if wrong_key is not None:
        broken[wrong_key.id] = (uids[wrong_key.question_id], sim.WRONG_KEY)
    giveaway = next((v for v in versions if v.id not in broken), None)
    if giveaway is not None:
        broken[giveaway.id] = (uids[giveaway.question_id], sim.GIVEAWAY)
    return broken


def _simulate(
    batch: list[sim.SimulatedLearner],
    user_ids: list[int],
    plans: list,
    pools: dict[int, list],
    behaviours: dict[int, str],
    questions: dict[int, QuestionData],
    rng: random.Random,
    now: datetime,
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Yield (attempt row, its response rows) for each learner's attempts, lesson by lesson."""
    for person, user_id in zip(batch, user_ids, strict=True):
        moment = now - timedelta(days=rng.uniform(5, SPREAD_DAYS))
        for lesson, settings in plans:
            if not pools[lesson.id]:
                continue
            limit = settings.max_attempts or 3
            tries = 1 + sum(1 for _ in range(limit - 1) if rng.random() < 0.35)
            for number in range(1, min(tries, limit) + 1):
                moment += timedelta(hours=rng.uniform(2, 72))
                is_open = number == tries and rng.random() < IN_PROGRESS
                started = now - timedelta(minutes=rng.uniform(1, 20)) if is_open else moment
                yield _attempt(person, user_id, lesson, settings, pools[lesson.id], number,
                               started, is_open, behaviours, questions, rng)  # fmt: skip
                if is_open:
                    break
            if rng.random() > person.persistence:
                break


def _attempt(
    person, user_id, lesson, settings, pool, number, started, is_open, behaviours, questions, rng
):
    versions = draw_versions(pool, settings, rng)
    rows, earned = [], []
    for position, version in enumerate(versions, start=1):
        question = questions[version.id]
        row = {"position": position, "question_version_id": version.id,
               "choice_order": display_order(question, settings.shuffle_choices, rng),
               "answer": None, "fraction": None, "points": None}  # fmt: skip
        if not is_open:
            behaviour = behaviours.get(version.id, sim.NORMAL)
            right = sim.answers_right(person.ability, version.difficulty, behaviour, rng)
            answer = sim.stored_answer(question, right, rng, lure=behaviour == sim.WRONG_KEY)
            fraction, points = grade_points(question, answer)
            row.update(answer=answer, fraction=fraction, points=points)
            earned.append(points)
        rows.append(row)
    deadline = (
        started + timedelta(minutes=settings.time_limit_minutes)
        if settings.time_limit_minutes else None
    )  # fmt: skip
    attempt = {
        "user_id": user_id, "lesson_id": lesson.id, "number": number,
        "state": STATE_OPEN if is_open else STATE_SUBMITTED, "started_at": started,
        "deadline": deadline,
        "submitted_at": None if is_open else started + timedelta(minutes=rng.uniform(3, 25)),
        "score": None if is_open else attempt_total(earned),
        "max_score": sum(v.points for v in versions), "seed": rng.randrange(2**31),
        "save_seq": 0,
    }  # fmt: skip
    return attempt, rows


def _account(email: str, name: str, role: str, password_hash: str) -> User:
    return User(**{**_account_row(email, name, password_hash, now_utc()), "role": role})


def _account_row(email: str, name: str, password_hash: str, created: datetime) -> dict[str, Any]:
    return {"email": email, "name": name, "name_key": name_key(name), "name_confirmed": True,
            "password_hash": password_hash, "role": ROLE_LEARNER, "is_demo": True,
            "created_at": created}  # fmt: skip


def _insert_returning(model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows in one executemany and return their ids in the rows' order."""
    if not rows:
        return []
    table = model.__table__
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(db.session.execute(statement, rows).scalars())


def clear_demo() -> int:
    """Remove every demo account and its data; return how many accounts went."""
    demo_ids = select(User.id).where(User.is_demo.is_(True))
    lesson_ids = list(
        db.session.scalars(
            select(Attempt.lesson_id).where(Attempt.user_id.in_(demo_ids)).distinct()
        )
    )
    demo_attempts = select(Attempt.id).where(Attempt.user_id.in_(demo_ids))
    # Everything that points at a demo account goes first (foreign keys), newest features too:
    # practice reviews and cards, read marks, completions, password-reset links.
    db.session.execute(delete(PracticeReview).where(PracticeReview.user_id.in_(demo_ids)))
    db.session.execute(delete(PracticeCard).where(PracticeCard.user_id.in_(demo_ids)))
    db.session.execute(delete(LessonRead).where(LessonRead.user_id.in_(demo_ids)))
    db.session.execute(delete(Completion).where(Completion.user_id.in_(demo_ids)))
    db.session.execute(
        delete(PasswordReset).where(
            PasswordReset.user_id.in_(demo_ids) | PasswordReset.issued_by.in_(demo_ids)
        )
    )
    db.session.execute(delete(Response).where(Response.attempt_id.in_(demo_attempts)))
    db.session.execute(delete(LessonGrade).where(LessonGrade.user_id.in_(demo_ids)))
    db.session.execute(delete(AttemptAllowance).where(AttemptAllowance.user_id.in_(demo_ids)))
    db.session.execute(delete(Attempt).where(Attempt.user_id.in_(demo_ids)))
    db.session.execute(delete(ImportPreview).where(ImportPreview.user_id.in_(demo_ids)))
    db.session.execute(  # questions the demo instructor wrote stay, unsigned
        update(QuestionVersion)
        .where(QuestionVersion.created_by_id.in_(demo_ids))
        .values(created_by_id=None)
    )
    removed = db.session.execute(delete(User).where(User.is_demo.is_(True))).rowcount or 0
    if lesson_ids:
        bump_graded_revision(lesson_ids)
    return removed
