"""My progress, lessons read, the next step and the score history, through HTTP (both DBs)."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import func, select

from app.content.loading import load_course
from app.course.files import read_course
from app.quizzes.allowances import grant_extra_attempts
from app.quizzes.models import Attempt, LessonRead
from tests.support import log_in, make_user, quiz_fields, start_quiz
from tests.support.answers import form_answers


def _take(client, db, slug: str, right: bool) -> str:
    """Take the lesson's quiz, answering every question right or wrong; return the quiz URL."""
    url = start_quiz(client, slug)
    attempt = db.session.get(Attempt, int(url.rsplit("/", 1)[1]))
    data = {**quiz_fields(client, url), **form_answers(attempt, right=right)}
    assert client.post(url + "/submit", data=data).status_code == 302
    return url


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_my_scores_now_leads_to_my_progress(client, course, learner):
    response = client.get("/scores")
    assert response.status_code == 302 and response.headers["Location"] == "/progress"
    page = client.get("/progress").get_data(as_text=True)
    assert "<h1>My progress</h1>" in page and "My scores" not in page


def test_my_progress_shows_each_lesson_state_scores_attempts_and_reviews(
    client, course, learner, db
):
    page = _text(client.get("/progress").get_data(as_text=True))
    assert "First Lesson Not started" in page and "0 of 2 lessons passed" in page

    client.get("/lessons/second-lesson")  # read, no quiz yet
    failed = _take(client, db, "first-lesson", right=False)
    passed = _take(client, db, "first-lesson", right=True)
    html = client.get("/progress").get_data(as_text=True)
    page = _text(html)
    assert "First Lesson Passed 100% 100% 2 " in page  # counted (highest) and last score, 2 used
    assert "Second Lesson Read — — 0 " in page
    assert "1 of 2 lessons passed" in page and "final exam not passed yet" in page
    assert f'href="{failed}/result"' in html and f'href="{passed}/result"' in html
    assert 'href="/progress/lessons/first-lesson"' in html  # its score history

    _take(client, db, "first-lesson", right=False)  # a later, lower score: last ≠ counted
    page = _text(client.get("/progress").get_data(as_text=True))
    assert "First Lesson Passed 100% 0% 3 " in page

    start_quiz(client, "second-lesson")
    page = _text(client.get("/progress").get_data(as_text=True))
    assert "Second Lesson Quiz in progress" in page
    assert "You have a quiz in progress in Second Lesson" in page  # the next step resumes it


def test_attempts_used_of_allowed_count_extra_attempts(client, course, learner, db):
    from app.course.models import Lesson

    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "first-lesson"))
    lesson.quiz_settings = {**(lesson.quiz_settings or {}), "max_attempts": 2}
    from app.course.services import bump_content_revision

    bump_content_revision()
    db.session.commit()
    _take(client, db, "first-lesson", right=False)
    assert "First Lesson Attempted 0% 0% 1 of 2" in _text(client.get("/progress").get_data(True))
    grant_extra_attempts(learner.id, lesson.id, 3)
    db.session.commit()
    assert "1 of 5" in _text(client.get("/progress").get_data(as_text=True))


def test_the_first_view_of_a_lesson_marks_it_read_once_and_repeat_views_write_nothing(
    client, course, learner, db, count_queries
):
    client.get("/")  # the course structure is cached by now, as on a running server
    with count_queries() as first:
        assert client.get("/lessons/first-lesson").status_code == 200
    assert sum(s.lstrip().upper().startswith("INSERT") for s in first.work) == 1
    with count_queries() as again:
        assert client.get("/lessons/first-lesson").status_code == 200
    assert not [s for s in again.work if not s.lstrip().upper().startswith("SELECT")]
    assert again.count <= 4 and first.count == again.count + 1
    count = db.session.scalar(select(func.count()).select_from(LessonRead))
    assert count == 1
    client.get("/lessons/first-lesson")
    assert db.session.scalar(select(func.count()).select_from(LessonRead)) == 1


def test_a_visitor_reading_a_lesson_stores_nothing(client, course, db):
    assert client.get("/lessons/first-lesson").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(LessonRead)) == 0


def test_a_lesson_without_scored_questions_counts_as_passed_once_read(
    app, client, learner, db, tmp_path
):
    folder = _course_with_reading(tmp_path)
    load_course(read_course(folder))
    db.session.commit()
    outline = _text(client.get("/").get_data(as_text=True))
    assert "Reading Not started" in outline and "0 of 2 lessons passed" in outline
    assert "Continue with Reading" in outline  # the next step: the first lesson not passed
    client.get("/lessons/reading")
    outline = _text(client.get("/").get_data(as_text=True))
    assert "Reading Passed" in outline and "1 of 2 lessons passed" in outline
    assert "Continue with Quizzed" in outline


def _course_with_reading(tmp_path: Path) -> Path:
    (tmp_path / "lessons").mkdir()
    (tmp_path / "course.toml").write_text(
        'title = "Small"\n[quiz_defaults]\npass_mark = 50\n'
        '[[modules]]\nslug = "m"\ntitle = "M"\nlessons = ["reading", "quizzed"]\n'
    )
    for slug in ("reading", "quizzed"):
        (tmp_path / "lessons" / f"{slug}.md").write_text(
            f'+++\ntitle = "{slug.title()}"\n+++\n{{#one}}\nSome text.\n'
        )
    (tmp_path / "lessons" / "quizzed.gift").write_text(
        "// [id:q-1] [tag:anchor-one]\nIs it?{=Yes ~No}"
    )
    return tmp_path


def test_the_next_step_reaches_the_final_exam_when_every_lesson_is_passed(
    client, course, learner, db
):
    _take(client, db, "first-lesson", right=True)
    assert "Continue with Second Lesson" in _text(client.get("/").get_data(as_text=True))
    _take(client, db, "second-lesson", right=True)
    outline = _text(client.get("/").get_data(as_text=True))
    assert "Every lesson is passed. The last step is the final exam." in outline
    assert "2 of 2 lessons passed" in outline


def test_the_score_history_draws_each_attempt_with_the_pass_line_and_a_table(
    client, course, learner, db
):
    _take(client, db, "first-lesson", right=False)
    _take(client, db, "first-lesson", right=True)
    html = client.get("/progress/lessons/first-lesson").get_data(as_text=True)
    assert html.count('class="chart__point chart__point--fail"') == 1
    assert html.count('class="chart__point chart__point--pass"') == 1
    assert 'class="chart__pass"' in html and "pass 70%" in html
    assert "<polyline" in html and "<script" not in html and "style=" not in html
    table = _text(html[html.index("<table") :])
    assert "First Lesson, attempt 1" in table and "0% 70% not passed" in table
    assert "First Lesson, attempt 2" in table and "100% 70% passed" in table
    course_page = client.get("/progress").get_data(as_text=True)
    assert course_page.count("chart__point--") == 2
    assert "Every quiz attempt as a table" in course_page


def test_a_lesson_history_without_attempts_says_so_and_an_unknown_lesson_is_a_404(
    client, course, learner
):
    page = _text(client.get("/progress/lessons/second-lesson").get_data(as_text=True))
    assert "No graded attempt yet" in page
    assert client.get("/progress/lessons/no-such-lesson").status_code == 404


def test_each_learner_sees_only_their_own_progress(app, client, course, learner, db):
    _take(client, db, "first-lesson", right=True)
    make_user("other@example.com")
    other = app.test_client()
    log_in(other, "other@example.com")
    page = _text(other.get("/progress").get_data(as_text=True))
    assert "First Lesson Not started" in page and "0 of 2 lessons passed" in page
    assert "chart__point" not in other.get("/progress/lessons/first-lesson").get_data(True)


def _graded_attempts(db, user_id: int, slug: str, count: int) -> None:
    """Store `count` graded attempts at once, as a long history would leave them."""
    from app.course.models import Lesson
    from app.quizzes.grades import update_lesson_grade
    from app.timeutil import now_utc

    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == slug))
    first = (db.session.scalar(select(func.max(Attempt.number)).where(
        Attempt.user_id == user_id, Attempt.lesson_id == lesson.id)) or 0) + 1  # fmt: skip
    now = now_utc()
    db.session.add_all(
        Attempt(
            user_id=user_id,
            lesson_id=lesson.id,
            number=first + n,
            state="submitted",
            started_at=now,
            submitted_at=now,
            score=float(n % 4),
            max_score=3.0,
        )
        for n in range(count)
    )
    db.session.flush()
    update_lesson_grade(user_id, lesson)
    db.session.commit()


def test_progress_pages_cost_the_same_with_1_or_200_attempts(
    client, course, learner, db, count_queries
):
    pages = ["/progress", "/progress/lessons/first-lesson", "/", "/lessons/first-lesson"]
    for page in pages:  # warm: the structure cached, the lessons read
        client.get(page)

    def costs() -> dict[str, int]:
        found = {}
        for page in pages:
            with count_queries() as counter:
                assert client.get(page).status_code == 200
            found[page] = counter.count
        return found

    _graded_attempts(db, learner.id, "first-lesson", 1)
    few = costs()
    _graded_attempts(db, learner.id, "first-lesson", 199)
    many = costs()
    assert few == many, (few, many)
    html = client.get("/progress/lessons/first-lesson").get_data(as_text=True)
    assert html.count("<circle") == 200
