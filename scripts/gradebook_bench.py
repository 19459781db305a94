"""Measure the gradebook at class scale: one page, and the whole CSV, for N learners.

Builds a fresh database (a temporary SQLite file, or DATABASE_URL), loads the real
course, bulk-inserts N learners with a counted grade in every lesson, then reports
the statements, time and peak Python memory (tracemalloc) of reading one gradebook
page and of reading and streaming the whole CSV.
Run: .venv/bin/python scripts/gradebook_bench.py [--learners 10000]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _fill(learners: int) -> None:
    from sqlalchemy import insert, select

    from app.auth.models import User
    from app.auth.services import name_key
    from app.content.loading import load_course
    from app.course.files import read_course
    from app.course.models import Lesson
    from app.extensions import db
    from app.quizzes.models import LessonGrade
    from app.timeutil import now_utc

    load_course(read_course(ROOT / "questions"))
    rng = random.Random(12)
    now = now_utc()
    users = []
    for n in range(learners):
        name = f"Learner {n:05d}"
        users.append(
            {"email": f"l{n}@example.com", "password_hash": "x", "role": "learner",
             "name": name, "name_key": name_key(name), "name_confirmed": True,
             "session_token": f"t{n}", "created_at": now}
        )  # fmt: skip
    db.session.execute(insert(User), users)
    ids = list(db.session.scalars(select(User.id)))
    lesson_ids = list(db.session.scalars(select(Lesson.id)))
    grades = []
    for user_id in ids:
        for lesson_id in lesson_ids:
            percent = rng.uniform(20, 100)
            grades.append(
                {"user_id": user_id, "lesson_id": lesson_id, "attempt_id": None,
                 "score": percent / 10, "max_score": 10.0, "percent": percent,
                 "passed": percent >= 70, "attempts_graded": 1, "updated_at": now}
            )  # fmt: skip
    db.session.execute(insert(LessonGrade).execution_options(render_nulls=True), grades)
    db.session.commit()


def _measure(label: str, work) -> None:
    """Time the work, then run it again under tracemalloc for its peak (which slows it)."""
    from app.extensions import db
    from tests.support.queries import QueryCounter

    started = time.perf_counter()
    with QueryCounter(db.engine) as counter:
        result = work()
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label}: {counter.count} statements, {elapsed:.2f} s, peak {peak / 2**20:.1f} MiB"
          f" ({result})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=10_000)
    args = parser.parse_args()
    from flask_migrate import upgrade

    from app import create_app
    from app.instructor.gradebook_csv import csv_chunks
    from app.instructor.gradebook_reads import read_gradebook

    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "gradebook-bench-key-123"})
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            _fill(args.learners)
            print(f"{args.learners} learners stored in {time.perf_counter() - started:.1f} s")
            _measure("one page", lambda: f"{len(read_gradebook('', 1).rows)} rows")

            def whole_csv() -> str:
                size = sum(len(chunk.encode()) for chunk in csv_chunks(read_gradebook("", None)))
                return f"{size / 2**20:.1f} MiB of CSV"

            _measure("whole CSV", whole_csv)


if __name__ == "__main__":
    main()
