"""Measure the demo class at scale: seeding N learners, and one lesson's statistics.

Builds a fresh database (a temporary SQLite file, or DATABASE_URL — an empty one),
loads the real course, runs the seeding `flask demo seed` runs, then computes the
first lesson's statistics over every attempt ("all") and over first attempts,
reporting the attempts analysed, the statements sent and the time.
Run: .venv/bin/python scripts/statistics_bench.py [--learners 10000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=10_000)
    args = parser.parse_args()
    from flask_migrate import upgrade
    from sqlalchemy import select

    from app import create_app
    from app.content.loading import load_course
    from app.course.files import read_course
    from app.course.models import Lesson, Module
    from app.database import unit_of_work
    from app.demo.seeding import seed_demo
    from app.extensions import db
    from app.instructor.statistics_reads import compute_statistics
    from tests.support.queries import QueryCounter

    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "statistics-bench-key-1"})
        with app.app_context():
            upgrade()
            with unit_of_work():
                load_course(read_course(ROOT / "questions"))
            started = time.perf_counter()
            with unit_of_work():
                report = seed_demo(args.learners, "bench password", force=True)
            print(
                f"seeded {report.learners} learners, {report.attempts} attempts, "
                f"{report.responses} answers in {time.perf_counter() - started:.1f} s"
            )
            lesson = db.session.scalars(
                select(Lesson).join(Module).order_by(Module.position, Lesson.position)
            ).first()
            lesson_id, slug = lesson.id, lesson.slug
            for attempt_set in ("all", "first"):
                db.session.rollback()
                started = time.perf_counter()
                with QueryCounter(db.engine) as counter:
                    figures = compute_statistics(lesson_id, attempt_set)
                print(
                    f"statistics of {slug} ({attempt_set}): "
                    f"{figures['quiz']['attempts']} attempts, {counter.count} statements, "
                    f"{time.perf_counter() - started:.2f} s"
                )


if __name__ == "__main__":
    main()
