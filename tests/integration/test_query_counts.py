"""Pages cost a fixed number of queries however much data a learner has (no N+1)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app.content.loading import load_course
from app.course.files import read_course
from app.course.models import Lesson
from app.quizzes.grades import recompute_lesson_grades
from app.quizzes.models import LessonGrade
from app.timeutil import now_utc
from tests.support import empty_all_tables, log_in, make_user, quiz_fields, start_quiz


def _course_with(tmp_path: Path, lessons: int, questions: int) -> Path:
    (tmp_path / "lessons").mkdir(parents=True)
    slugs = [f"lesson-{n}" for n in range(1, lessons + 1)]
    (tmp_path / "course.toml").write_text(
        'title = "Sized"\n[quiz_defaults]\n[[modules]]\nslug = "m"\ntitle = "M"\n'
        f"lessons = {slugs!r}\n".replace("'", '"')
    )
    for slug in slugs:
        (tmp_path / "lessons" / f"{slug}.md").write_text(
            f'+++\ntitle = "{slug}"\n+++\n{{#one}}\nText.\n'
        )
        bank = "\n\n".join(
            f"// [id:{slug}-{q}] [tag:anchor-one]\nQuestion {q} of {slug}?{{=Yes#y ~No#n}}"
            for q in range(1, questions + 1)
        )
        (tmp_path / "lessons" / f"{slug}.gift").write_text(bank)
    return tmp_path


def _queries_for(client, count_queries, paths: list[str]) -> list[int]:
    counts = []
    for path in paths:
        with count_queries() as counter:
            assert client.get(path).status_code == 200
        counts.append(counter.count)
    return counts


def _take_every_quiz(client, lessons: int) -> str:
    url = ""
    for n in range(1, lessons + 1):
        url = start_quiz(client, f"lesson-{n}")
        assert client.post(url + "/submit", data=quiz_fields(client, url)).status_code == 302
    return url


def _measure(client, learner, db, count_queries, tmp_path, lessons, questions):
    load_course(read_course(_course_with(tmp_path, lessons, questions)))
    db.session.commit()
    last = _take_every_quiz(client, lessons)
    return _queries_for(
        client, count_queries, ["/", "/lessons/lesson-1", "/progress", last + "/result"]
    )


# The result page's statements: one more than before review options (the learner's
# standing in the lessons its questions come from, read in one statement).
RESULT_PAGE_BUDGET = {"sqlite": 10, "postgresql": 9}


def test_page_queries_stay_flat_as_lessons_attempts_and_questions_grow(
    client, learner, db, count_queries, tmp_path, backend
):
    small = _measure(client, learner, db, count_queries, tmp_path / "small", 2, 2)
    db.session.rollback()
    empty_all_tables()  # start again with far more lessons, questions and attempts
    make_user("learner@example.com")
    log_in(client, "learner@example.com")
    large = _measure(client, learner, db, count_queries, tmp_path / "large", 12, 15)
    assert large == small, f"queries grew with the data: small={small} large={large}"
    assert large[3] <= RESULT_PAGE_BUDGET[backend], f"the result page took {large[3]}"


def _learners_with_attempts(db, lesson, learners: int) -> None:
    from app.quizzes.models import Attempt
    from tests.support import new_user

    for n in range(learners):
        user = new_user(f"l{n}-{learners}@example.com")
        db.session.add(user)
        db.session.flush()
        for number, score in ((1, 1.0), (2, 2.0)):
            db.session.add(
                Attempt(user_id=user.id, lesson_id=lesson.id, number=number, state="submitted",
                        score=score, max_score=2.0, submitted_at=now_utc())
            )  # fmt: skip
    db.session.commit()


def test_recomputing_a_lessons_grades_costs_the_same_for_few_or_many_learners(
    course, db, count_queries
):
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "first-lesson"))
    counts = []
    for learners in (3, 30):
        _learners_with_attempts(db, lesson, learners)
        with count_queries() as first:
            recompute_lesson_grades(lesson)  # stores grades for the new learners
            db.session.commit()
        assert first.count <= 8
        with count_queries() as counter:
            recompute_lesson_grades(lesson)
            db.session.commit()
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    grades = list(db.session.scalars(select(LessonGrade)))
    assert len(grades) == 33 and all(g.percent == 100 and g.passed for g in grades)
