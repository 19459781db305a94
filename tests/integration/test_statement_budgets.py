"""Statement budgets: what each learner page costs the database, on both databases.

A logged-in learner with data (graded attempts in every lesson, an open one in
progress) opens each page; the statements it sends, leaving out transaction control
(BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE), stay within the page's budget and do
not grow with the number of lessons, questions, attempts or learners.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from app.auth.models import User
from app.content.loading import load_course
from app.course.files import read_course
from app.practice.models import PracticeReview
from app.practice.services import due_count
from app.quizzes.models import Attempt
from tests.support import empty_all_tables, log_in, make_user, quiz_fields, start_quiz
from tests.support.answers import form_answers
from tests.support.courses import write_sized_course
from tests.support.practice import practice_answer, shown_card

# The budgets of issue 11 (the result page has one more for review options, issue 16);
# issue 13: a lesson's first view adds its one INSERT (marking it read), My progress and a
# lesson's score history; practice: a card GET ≤ 5, an answer POST ≤ 7, the page after an
# answer ≤ 5, and `due_count`, which other pages call, is one statement. Issue 12: submit
# ≤ 11 (it bumps the lesson's graded revision for the item statistics). Issue 17: submit ≤ 12
# (one INSERT … SELECT queues the grade for the learner's LMS, none when not linked).
BUDGETS = {
    "lesson": 4, "lesson first view": 5, "outline": 4, "quiz": 5, "autosave": 4, "submit": 12,
    "result": 7, "my progress": 6, "score history": 5,
    "practice": 5, "practice answer": 7, "practice review": 5, "due count": 1,
}  # fmt: skip


def _lesson_id(slug: str) -> int:
    from sqlalchemy import select

    from app.course.models import Lesson
    from app.extensions import db

    return db.session.scalar(select(Lesson.id).where(Lesson.slug == slug))


def _other_learners_take_quizzes(app, learners: int) -> None:
    for n in range(learners):
        email = f"other{n}@example.com"
        make_user(email)
        other = app.test_client()
        log_in(other, email)
        url = start_quiz(other, "lesson-1")
        assert other.post(url + "/submit", data=quiz_fields(other, url)).status_code == 302


def _costs(app, client, count_queries, folder: Path, lessons: int, questions: int, learners):
    """Load a course of this size, give the learners data, and count each page's statements."""
    from app.extensions import db

    load_course(read_course(write_sized_course(folder, lessons, questions)))
    db.session.commit()
    _other_learners_take_quizzes(app, learners)
    for n in range(1, lessons + 1):  # the learner's history: a graded attempt in each lesson
        url = start_quiz(client, f"lesson-{n}")
        assert client.post(url + "/submit", data=quiz_fields(client, url)).status_code == 302
    quiz = start_quiz(client, "lesson-1")  # and one in progress
    fields = quiz_fields(client, quiz)
    answers = {f"q{p}": "0" for p in range(1, questions + 1)}
    costs: dict[str, int] = {}

    def count(name: str, send, expected_status: int) -> None:
        with count_queries() as counter:
            response = send()
        assert response.status_code == expected_status, (name, response.status_code)
        costs[name] = counter.count

    from sqlalchemy import delete

    from app.quizzes.models import LessonRead

    db.session.execute(delete(LessonRead).where(LessonRead.lesson_id == _lesson_id("lesson-2")))
    db.session.commit()  # lesson-2 unread again: its next view is a first view
    count("lesson first view", lambda: client.get("/lessons/lesson-2"), 200)
    count("lesson", lambda: client.get("/lessons/lesson-2"), 200)
    count("outline", lambda: client.get("/"), 200)
    count("quiz", lambda: client.get(quiz), 200)
    count(
        "autosave",
        lambda: client.post(
            quiz + "/save", data={**fields, **answers}, headers={"Accept": "application/json"}
        ),
        200,
    )
    # The submit answers every question right: a passing grade is the costlier submit
    # (it checks whether the course is now complete), and the same one at every size.
    right = form_answers(db.session.get(Attempt, int(quiz.rsplit("/", 1)[1])), right=True)
    submitted = {**fields, **right, "seq": str(int(fields["seq"]) + 1)}
    count("submit", lambda: client.post(quiz + "/submit", data=submitted), 302)
    count("result", lambda: client.get(quiz + "/result"), 200)
    count("my progress", lambda: client.get("/progress"), 200)
    count("score history", lambda: client.get("/progress/lessons/lesson-1"), 200)

    # Practice: every quiz above was submitted unanswered, so the deck holds every question.
    learner_id = db.session.scalar(select(User.id).where(User.email == "learner@example.com"))
    db.session.rollback()
    count("practice", lambda: client.get("/practice"), 200)
    question_id, hidden = shown_card(client)
    answer = practice_answer(learner_id, question_id, right=True)
    count(
        "practice answer",
        lambda: client.post(f"/practice/questions/{question_id}", data={**hidden, **answer}),
        302,
    )
    reviewed = db.session.scalar(select(func.max(PracticeReview.id)))
    db.session.rollback()
    count("practice review", lambda: client.get(f"/practice/reviews/{reviewed}"), 200)
    with count_queries() as counter:
        due = due_count(learner_id)
    db.session.rollback()
    assert due == lessons * questions - 1  # one question answered right is no longer due
    costs["due count"] = counter.count
    return costs


def test_each_page_stays_within_its_budget_however_much_data_there_is(
    app, client, learner, count_queries, tmp_path
):
    small = _costs(app, client, count_queries, tmp_path / "small", 2, 2, learners=1)
    print("statement costs:", small)
    over = {page: cost for page, cost in small.items() if cost > BUDGETS[page]}
    assert not over, f"over budget: {over} (budgets {BUDGETS}; all costs {small})"

    empty_all_tables()  # again with more lessons, questions, attempts and learners
    make_user("learner@example.com")
    log_in(client, "learner@example.com")
    large = _costs(app, client, count_queries, tmp_path / "large", 6, 12, learners=4)
    assert large == small, f"statements grew with the data: small={small} large={large}"


def _practice_costs(app, client, count_queries, folder: Path, questions: int) -> dict[str, int]:
    """Miss every question of a one-lesson quiz, give all but one a reviewed card, count."""
    from datetime import timedelta

    from app.bank.models import Question
    from app.extensions import db
    from app.practice.models import PracticeCard
    from app.practice.scheduling import review
    from app.timeutil import now_utc

    load_course(read_course(write_sized_course(folder, 1, questions)))
    db.session.commit()
    url = start_quiz(client, "lesson-1")
    assert client.post(url + "/submit", data=quiz_fields(client, url)).status_code == 302
    learner_id = db.session.scalar(select(User.id).where(User.email == "learner@example.com"))
    past = now_utc() - timedelta(days=10)
    for question_id in list(db.session.scalars(select(Question.id).order_by(Question.id)))[1:]:
        done = review(None, question_id, past, 0.0, past, fuzzing=False)  # due 9 days ago
        db.session.add(
            PracticeCard(
                user_id=learner_id,
                question_id=question_id,
                state=done.state,
                due=done.due,
                reviews=1,
                last_review=past,
            )
        )
    db.session.commit()
    costs: dict[str, int] = {}

    def count(name: str, send, expected_status: int) -> None:
        with count_queries() as counter:
            response = send()
        assert response.status_code == expected_status, (name, response.status_code)
        costs[name] = counter.count

    count("practice", lambda: client.get("/practice"), 200)
    question_id, hidden = shown_card(client)
    answer = practice_answer(learner_id, question_id, right=False)
    count(
        "practice answer",
        lambda: client.post(f"/practice/questions/{question_id}", data={**hidden, **answer}),
        302,
    )
    reviewed = db.session.scalar(select(func.max(PracticeReview.id)))
    db.session.rollback()
    count("practice review", lambda: client.get(f"/practice/reviews/{reviewed}"), 200)
    with count_queries() as counter:
        assert due_count(learner_id) == questions - 1
    db.session.rollback()
    costs["due count"] = counter.count
    return costs


def test_practice_costs_the_same_with_one_card_or_two_hundred(
    app, client, learner, count_queries, tmp_path
):
    one = _practice_costs(app, client, count_queries, tmp_path / "one", 1)
    over = {page: cost for page, cost in one.items() if cost > BUDGETS[page]}
    assert not over, f"over budget: {over} (budgets {BUDGETS}; all costs {one})"

    empty_all_tables()
    make_user("learner@example.com")
    log_in(client, "learner@example.com")
    many = _practice_costs(app, client, count_queries, tmp_path / "many", 200)
    assert many == one, f"statements grew with the deck: one={one} many={many}"
