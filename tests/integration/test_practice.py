"""Practice: what a learner missed comes back on an FSRS schedule, and never moves a grade."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.bank.models import STATUS_RETIRED, Question
from app.practice import services
from app.practice.models import PracticeCard, PracticeReview
from app.quizzes.models import Attempt, LessonGrade
from app.timeutil import as_utc
from tests.support import log_in, make_user, post_form
from tests.support.practice import answer_card, miss_quiz, practice_answer, shown_card
from tests.support.reviews import show_everything_in_reviews


def _grades(db):
    db.session.expire_all()
    grades = [
        (g.lesson_id, g.score, g.percent, g.passed) for g in db.session.scalars(select(LessonGrade))
    ]
    attempts = [(a.id, a.score, a.state) for a in db.session.scalars(select(Attempt))]
    return grades, attempts


def test_a_missed_question_is_due_and_a_right_answer_sends_it_days_away(
    client, course, learner, db
):
    assert services.due_count(learner.id) == 0
    assert "All caught up" in client.get("/practice").get_data(as_text=True)
    miss_quiz(client, "first-lesson")
    due = services.due_count(learner.id)
    assert due >= 1  # every question of the quiz was missed
    page = client.get("/practice").get_data(as_text=True)
    assert f"{due} question" in page and "due now" in page
    before = _grades(db)

    answered = answer_card(client, learner.id, right=True)
    assert answered.status_code == 302
    assert answered.headers["X-Practice-Outcome"] == "reviewed"
    review = client.get(answered.headers["Location"])
    text = review.get_data(as_text=True)
    assert review.status_code == 200 and "<h1>Right</h1>" in text
    assert services.due_count(learner.id) == due - 1
    card = db.session.scalar(select(PracticeCard))
    assert card.reviews == 1 and as_utc(card.due) - as_utc(card.last_review) >= timedelta(days=1)
    assert _grades(db) == before  # practice never changes a score or a grade


def test_the_schedule_with_a_fake_clock(client, course, learner, db):
    miss_quiz(client, "first-lesson")
    question_id, _ = shown_card(client)
    card = services.deck_card(learner.id, question_id)
    now = card.due + timedelta(minutes=5)  # due since the quiz was graded
    assert services.due_count(learner.id, now) >= 1

    def review(right: bool, at):
        current = services.deck_card(learner.id, question_id)
        done = services.record_review(
            learner.id,
            current,
            current.reviews,
            None,
            [],
            1.0 if right else 0.0,
            at,
            fuzzing=False,
        )
        db.session.commit()
        return as_utc(done.due_after) - at

    first = review(True, now)
    second = review(True, now + first)
    assert first >= timedelta(days=1) and second > first  # right answers push it further out
    wrong = review(False, now + first + second)
    assert wrong < second  # a wrong one brings it back sooner
    reviewed_at = now + first + second
    assert services.deck_card(learner.id, question_id).due - reviewed_at == wrong
    stored = list(db.session.scalars(select(PracticeReview).order_by(PracticeReview.number)))
    assert [r.rating for r in stored] == [3, 3, 1]  # Good, Good, Again


def test_a_resent_answer_reviews_the_card_once(client, course, learner, db):
    miss_quiz(client, "first-lesson")
    question_id, fields = shown_card(client)
    answer = practice_answer(learner.id, question_id, right=False)
    path = f"/practice/questions/{question_id}"
    first = client.post(path, data={**fields, **answer})
    again = client.post(path, data={**fields, **answer})
    assert first.headers["X-Practice-Outcome"] == "reviewed"
    assert again.headers["X-Practice-Outcome"] == "already-reviewed"
    assert again.headers["Location"].endswith("/practice")
    assert len(list(db.session.scalars(select(PracticeReview)))) == 1
    assert db.session.scalar(select(PracticeCard.reviews)) == 1


def test_a_retired_question_leaves_the_deck(client, course, learner, db):
    miss_quiz(client, "first-lesson")
    before = services.due_count(learner.id)
    question_id, fields = shown_card(client)
    db.session.get(Question, question_id).status = STATUS_RETIRED
    db.session.commit()
    assert services.due_count(learner.id) == before - 1
    refused = client.post(f"/practice/questions/{question_id}", data=fields)
    assert refused.status_code == 404


def test_practice_keeps_the_key_hidden_until_the_review_options_show_it(
    client, course, learner, db
):
    miss_quiz(client, "first-lesson")  # default options: the key waits for a pass
    answered = answer_card(client, learner.id, right=False)
    hidden = client.get(answered.headers["Location"]).get_data(as_text=True)
    assert "Not right yet" in hidden and "Correct answer" not in hidden

    show_everything_in_reviews()
    shown = client.get(answered.headers["Location"]).get_data(as_text=True)
    assert "<dt>Correct answer</dt>" in shown


def test_another_learners_review_is_not_found(app, client, course, learner, db):
    miss_quiz(client, "first-lesson")
    answered = answer_card(client, learner.id, right=True)
    review_path = answered.headers["Location"]
    make_user("other@example.com")
    other = app.test_client()
    log_in(other, "other@example.com")
    assert other.get(review_path).status_code == 404
    question_id = db.session.scalar(select(PracticeCard.question_id))
    refused = post_form(
        other, f"/practice/questions/{question_id}", {"reviews": "0"}, token_from="/practice"
    )
    assert refused.status_code == 404  # not in their deck: they never missed it


def test_a_malformed_answer_is_refused_and_stores_nothing(client, course, learner, db):
    miss_quiz(client, "first-lesson")
    question_id, fields = shown_card(client)
    bad = client.post(f"/practice/questions/{question_id}", data={**fields, "q1": "x" * 50})
    missing = client.post(f"/practice/questions/{question_id}", data={**fields, "reviews": ""})
    assert bad.status_code == 400 and missing.status_code == 400  # the first card: one choice
    assert db.session.scalar(select(PracticeCard)) is None
    assert db.session.scalar(select(PracticeReview)) is None


def test_the_instructor_sets_practice_retention_on_the_course_settings_page(
    course, instructor_client, db
):
    page = instructor_client.get("/instructor/course/settings").get_data(as_text=True)
    assert 'name="retention"' in page and 'value="90"' in page  # the default, 0.9
    saved = post_form(
        instructor_client,
        "/instructor/course/practice",
        {"retention": "80"},
        token_from="/instructor/course/settings",
    )
    assert saved.status_code == 302
    assert services.practice_retention() == 0.8
    for bad in ("150", "abc", "nan", "69"):
        refused = post_form(
            instructor_client,
            "/instructor/course/practice",
            {"retention": bad},
            token_from="/instructor/course/settings",
        )
        assert refused.status_code == 200, bad
        assert "practice retention must be" in refused.get_data(as_text=True).lower()
    db.session.expire_all()
    assert services.practice_retention() == 0.8  # nothing stored by a refusal


def test_a_question_a_final_exam_drew_keeps_the_final_exams_rule_in_practice(
    client, course, learner, db
):
    from app.bank.models import QuestionVersion
    from app.course.models import Course, Lesson
    from app.course.services import bump_content_revision
    from app.quizzes.models import Response

    show_everything_in_reviews()  # every lesson shows keys at once ...
    exam = db.session.scalar(select(Lesson).where(Lesson.slug == "final-review"))
    exam.quiz_settings = {**exam.quiz_settings, "review_correct_answer": "never"}  # ... not it
    the_course = db.session.scalar(select(Course))  # the exam opens before every lesson passes
    the_course.quiz_defaults = {
        **the_course.quiz_defaults,
        "final_exam_requires_all_passed": False,
    }
    bump_content_revision()
    db.session.commit()

    miss_quiz(client, "first-lesson")
    lesson_only = answer_card(client, learner.id, right=False)
    shown = client.get(lesson_only.headers["Location"]).get_data(as_text=True)
    assert "<dt>Correct answer</dt>" in shown  # its lesson's review shows it too

    exam_quiz = miss_quiz(client, "final-review")
    exam_attempt = int(exam_quiz.rstrip("/").rsplit("/", 1)[-1])
    drawn = set(
        db.session.scalars(
            select(QuestionVersion.question_id)
            .join(Response, Response.question_version_id == QuestionVersion.id)
            .where(Response.attempt_id == exam_attempt)
        )
    )
    reviewed = set(db.session.scalars(select(PracticeCard.question_id)))
    target = min(drawn - reviewed)
    card = services.deck_card(learner.id, target)
    db.session.rollback()
    _, fields = shown_card(client)
    fields["reviews"] = str(card.reviews)
    answer = practice_answer(learner.id, target, right=False)
    answered = client.post(f"/practice/questions/{target}", data={**fields, **answer})
    assert answered.headers["X-Practice-Outcome"] == "reviewed"
    hidden = client.get(answered.headers["Location"]).get_data(as_text=True)
    assert "Not right yet" in hidden and "<dt>Correct answer</dt>" not in hidden


def test_a_card_not_yet_due_cannot_be_answered_again_on_demand(client, course, learner, db):
    miss_quiz(client, "first-lesson")
    question_id, fields = shown_card(client)
    answer = practice_answer(learner.id, question_id, right=False)
    path = f"/practice/questions/{question_id}"
    assert client.post(path, data={**fields, **answer}).headers["X-Practice-Outcome"] == "reviewed"
    # The next review count, sent at once: the card is due tomorrow, so nothing is graded.
    early = client.post(path, data={**fields, **answer, "reviews": "1"})
    assert early.headers["X-Practice-Outcome"] == "not-due"
    assert len(list(db.session.scalars(select(PracticeReview)))) == 1
