"""The instructor's gradebook, its CSV, a learner's page and an attempt's review."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from sqlalchemy import literal, select

from app.course.models import Lesson
from app.instructor.gradebook import PER_PAGE
from app.instructor.gradebook_reads import below_pass_mark
from app.quizzes.grades import update_lesson_grade
from app.quizzes.models import Attempt
from app.timeutil import now_utc
from tests.support import csrf_token, make_user, post_form, quiz_fields, start_quiz

SLUGS = ("first-lesson", "second-lesson", "final-review")


def _lesson(db, slug: str) -> Lesson:
    return db.session.scalar(select(Lesson).where(Lesson.slug == slug))


def _attempt(db, user, slug: str, score: float | None, max_score: float = 10.0) -> Attempt:
    """Store an attempt: graded (with its counted grade) when it has a score, else open."""
    lesson = _lesson(db, slug)
    number = 1 + len(
        db.session.scalars(
            select(Attempt.id).where(Attempt.user_id == user.id, Attempt.lesson_id == lesson.id)
        ).all()
    )
    attempt = Attempt(
        user_id=user.id, lesson_id=lesson.id, number=number, max_score=max_score,
        state="open" if score is None else "submitted", score=score,
        submitted_at=None if score is None else now_utc(),
    )  # fmt: skip
    db.session.add(attempt)
    db.session.flush()
    if score is not None:
        update_lesson_grade(user.id, lesson)
    db.session.commit()
    return attempt


def _class(db):
    """Three learners with names in three scripts, and an instructor who is not graded."""
    zoe = make_user("zoe@example.com", name="Zoë Ng")
    ada = make_user("ada@example.com", name="ada Lovelace")
    yuri = make_user("yuri@example.com", name="Юрий")
    make_user("boss@example.com", role="instructor", name="Aaron Boss")
    _attempt(db, ada, "first-lesson", 8.0)  # 80%: passes the 70% mark
    _attempt(db, ada, "second-lesson", 4.0)  # 40%: below its 50% mark
    _attempt(db, ada, "final-review", 9.0)
    _attempt(db, zoe, "first-lesson", 6.0)  # 60%, and a retake in progress
    _attempt(db, zoe, "first-lesson", None)
    return ada, zoe, yuri


def _rows(page: str) -> list[str]:
    if "<tbody>" not in page:
        return []
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_gradebook_lists_learners_by_name_with_scores_states_and_footers(
    instructor_client, course, db
):
    _class(db)
    page = instructor_client.get("/instructor/gradebook").get_data(as_text=True)
    rows = [_text(row) for row in _rows(page)]
    assert len(rows) == 3  # the instructors are not in it
    assert rows[0].startswith("ada Lovelace ada@example.com")
    assert rows[1].startswith("Zoë Ng") and rows[2].startswith("Юрий")
    assert "80% passed" in rows[0] and "40% not passed" in rows[0] and "1 of 2" in rows[0]
    assert "90% passed" in rows[0]  # the final exam's column
    assert "✗ 60% not passed ◔ in progress" in rows[1]  # a score and an open retake
    assert "not started" in rows[2] and "never" in rows[2] and "0 of 2" in rows[2]
    footer = _text(page.split("<tfoot>", 1)[1].split("</tfoot>", 1)[0])
    assert "Class average 70% (n = 2) 40% (n = 1) 90% (n = 1)" in footer
    assert "Pass rate 50% 0% 100%" in footer
    assert '<th scope="row" class="gradebook__learner">' in page
    assert '<caption id="gradebook-caption">Scores of 3 learners in 2 lessons' in page


def test_names_are_escaped_in_the_gradebook_and_on_the_learners_page(instructor_client, course, db):
    mallory = make_user("m@example.com", name='<img src=x onerror="alert(1)">')
    for path in ("/instructor/gradebook", f"/instructor/learners/{mallory.id}"):
        page = instructor_client.get(path).get_data(as_text=True)
        assert "<img src=x" not in page and "&lt;img src=x onerror=" in page


def test_the_gradebook_reads_the_same_number_of_statements_for_3_30_or_60_learners(
    instructor_client, course, db, count_queries
):
    counts, made = [], 0
    for total in (3, 30, 60):  # 60: more than a page
        for n in range(made, total):
            learner = make_user(f"l{n}@example.com", name=f"Learner {n:03d}")
            _attempt(db, learner, "first-lesson", float(n % 10))
            _attempt(db, learner, "second-lesson", None)
        made = total
        with count_queries() as counter:
            page = instructor_client.get("/instructor/gradebook")
        with count_queries() as export:
            csv_file = instructor_client.get("/instructor/gradebook.csv")
        with count_queries() as filtered:
            helped = instructor_client.get("/instructor/gradebook?show=needs-help&sort=progress")
        assert page.status_code == 200 and csv_file.status_code == 200
        assert helped.status_code == 200
        counts.append((counter.count, export.count, filtered.count))
        assert len(_rows(page.get_data(as_text=True))) == min(total, PER_PAGE)
        assert csv_file.get_data().count(b"\r\n") == 1 + total
    print(f"gradebook and CSV statements at 3, 30 and 60 learners: {counts}")
    assert counts[0] == counts[1] == counts[2], counts


def test_sixty_learners_make_two_pages_and_the_footer_counts_them_all(
    instructor_client, course, db
):
    for n in range(60):
        learner = make_user(f"p{n}@example.com", name=f"Pupil {n:02d}")
        _attempt(db, learner, "first-lesson", 10.0 if n < 30 else 0.0)
    first = instructor_client.get("/instructor/gradebook").get_data(as_text=True)
    assert "(page 1 of 2)" in first and 'rel="next"' in first
    assert _text(_rows(first)[0]).startswith("Pupil 00")
    second = instructor_client.get("/instructor/gradebook?page=2").get_data(as_text=True)
    assert [_text(row).split(" p")[0] for row in _rows(second)][:2] == ["Pupil 50", "Pupil 51"]
    assert len(_rows(second)) == 10
    for page in (first, second):
        footer = _text(page.split("<tfoot>", 1)[1].split("</tfoot>", 1)[0])
        assert "50% (n = 60)" in footer and "Pass rate 50%" in footer
    for odd in ("99", "0", "-1", "x", "²", "9" * 30):
        assert instructor_client.get(f"/instructor/gradebook?page={odd}").status_code == 200


def test_search_matches_name_or_email_case_insensitively_and_wildcards_literally(
    instructor_client, course, db
):
    make_user("zoe@example.com", name="ZOË Ng")
    make_user("percent@example.com", name="100% Sure")
    make_user("under_score@example.com", name="Under Score")
    make_user("plain@example.com", name="Plain")

    def found(q: str) -> list[str]:
        page = instructor_client.get("/instructor/gradebook", query_string={"q": q})
        return [_text(row).split(" ")[0] for row in _rows(page.get_data(as_text=True))]

    assert found("zoë") == ["ZOË"] and found("ZOE@EXAMPLE") == ["ZOË"]
    assert found("%") == ["100%"]  # not every learner
    assert found("_") == ["Under"]
    assert found("nobody") == []
    csv_text = instructor_client.get("/instructor/gradebook.csv?q=plain").get_data(as_text=True)
    assert "Plain" in csv_text and "ZOË" not in csv_text


def test_the_learners_page_and_the_csv_read_a_fixed_number_of_statements(
    instructor_client, course, db, count_queries
):
    learner = make_user("busy@example.com", name="Busy")
    counts = []
    for more in (1, 4):  # one attempt per lesson, then four more in each
        for slug in SLUGS:
            for _ in range(more):
                _attempt(db, learner, slug, 7.0)
        with count_queries() as page:
            assert instructor_client.get(f"/instructor/learners/{learner.id}").status_code == 200
        with count_queries() as export:
            assert instructor_client.get("/instructor/gradebook.csv").status_code == 200
        counts.append((page.count, export.count))
    print(f"learner page and CSV statements at 1 and 5 attempts per lesson: {counts}")
    assert counts[0] == counts[1], counts


def test_the_csv_export_is_safe_for_spreadsheets(instructor_client, course, db):
    _class(db)
    make_user("x@example.com", name='=HYPERLINK("x")')
    response = instructor_client.get("/instructor/gradebook.csv")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="test-course-gradebook-\d{4}-\d{2}-\d{2}\.csv"',
        response.headers["Content-Disposition"],
    )
    body = response.get_data()
    assert body[:3] == b"\xef\xbb\xbf"
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert rows[0][:4] == ["Name", "Email", "First Lesson (%)", "Second Lesson (%)"]
    assert [row[0] for row in rows[1:]] == ['\'=HYPERLINK("x")', "ada Lovelace", "Zoë Ng", "Юрий"]
    assert rows[2][2:5] == ["80.0", "40.0", "90.0"]
    assert body.count(b"\r\n") == len(rows)


def test_the_learners_page_lists_every_attempt_with_a_link_to_its_review(
    instructor_client, course, client, learner, db
):
    url = start_quiz(client, "first-lesson")
    assert client.post(url + "/submit", data=quiz_fields(client, url)).status_code == 302
    retake = start_quiz(client, "first-lesson")
    page = instructor_client.get(f"/instructor/learners/{learner.id}").get_data(as_text=True)
    submitted_id = int(url.rstrip("/").rsplit("/", 1)[1])
    review_url = f"/instructor/attempts/{submitted_id}"
    assert f'href="{review_url}"' in page
    assert "in progress" in page and "No attempts yet." in page  # second lesson untouched
    review = instructor_client.get(review_url)
    text = review.get_data(as_text=True)
    assert review.status_code == 200
    # The instructor sees everything: the learner's answers, the key and the feedback ...
    assert "Learner&#39;s answer" in text and "Correct answer" in text
    assert text.count("<dt>Correct answer</dt>") == text.count("<dt>Learner&#39;s answer</dt>")
    assert 'class="review__feedback"' in text or 'class="review__general"' in text
    # ... and a line saying what the learner, who has neither passed nor used a last
    # attempt, sees of it now under the default review options.
    sees = _text(text.split('id="learner-sees"', 1)[1].split("</div>", 1)[0])
    assert "sees now under this quiz's review options: their answers, right or wrong marks" in sees
    assert "not: the feedback on their choices, the general feedback, the correct answers" in sees
    assert "The correct answers and feedback appear once you pass this quiz" in sees
    learner_page = client.get(f"/attempts/{submitted_id}/result").get_data(as_text=True)
    assert "Correct answer" not in learner_page  # the learner's own page still hides the key
    # The learner's own result URL stays theirs alone.
    assert instructor_client.get(f"/attempts/{submitted_id}/result").status_code == 404
    # An attempt still in progress has no review yet: back to the learner's page.
    open_review = instructor_client.get("/instructor/attempts/" + retake.rsplit("/", 1)[1])
    assert open_review.headers["Location"] == f"/instructor/learners/{learner.id}"


def test_an_instructor_or_an_unknown_id_has_no_learners_page(instructor_client, course, db):
    boss = make_user("boss@example.com", role="instructor")
    assert instructor_client.get(f"/instructor/learners/{boss.id}").status_code == 404
    assert instructor_client.get("/instructor/learners/999999").status_code == 404
    assert instructor_client.get("/instructor/attempts/999999").status_code == 404


def test_an_overdue_attempt_is_graded_before_the_gradebook_shows_it(instructor_client, course, db):
    learner = make_user("late@example.com", name="Late")
    attempt = _attempt(db, learner, "first-lesson", None)
    attempt.deadline = now_utc() - timedelta(hours=1)
    db.session.commit()
    page = instructor_client.get("/instructor/gradebook").get_data(as_text=True)
    row = _text(_rows(page)[0])
    assert "in progress" not in row and "0% not passed" in row


def test_sorting_by_each_column_keeps_learners_without_a_value_last(
    instructor_client, course, db, count_queries
):
    _class(db)  # Ada: 80 / 40 / final 90; Zoë: 60 and a retake open; Yuri: nothing
    first = _lesson(db, "first-lesson").id

    def order(query: str) -> list[str]:
        page = instructor_client.get(f"/instructor/gradebook?{query}").get_data(as_text=True)
        return [_text(row).split(" ")[0] for row in _rows(page)]

    assert order("") == ["ada", "Zoë", "Юрий"]
    assert order("sort=name&dir=desc") == ["Юрий", "Zoë", "ada"]
    assert order("sort=email&dir=desc") == ["Zoë", "Юрий", "ada"]  # zoe@, yuri@, ada@
    assert order(f"sort=lesson-{first}&dir=desc") == ["ada", "Zoë", "Юрий"]
    assert order(f"sort=lesson-{first}") == ["Zoë", "ada", "Юрий"]  # Yuri, ungraded, last
    assert order("sort=progress&dir=desc") == ["ada", "Zoë", "Юрий"]  # 1, 0, 0 (by name)
    assert order("sort=activity&dir=desc")[2] == "Юрий"  # never active: last
    assert order("sort=nonsense") == ["ada", "Zoë", "Юрий"]
    page = instructor_client.get(f"/instructor/gradebook?sort=lesson-{first}&dir=desc")
    text = page.get_data(as_text=True)
    assert 'aria-sort="descending"' in text and "sorted by score in First Lesson, highest" in text
    counts = []
    for query in ("", f"sort=lesson-{first}&dir=desc", "sort=activity", "sort=progress"):
        with count_queries() as counter:
            instructor_client.get(f"/instructor/gradebook?{query}")
        counts.append(counter.count)
    assert len(set(counts)) == 1, counts
    csv_text = instructor_client.get(f"/instructor/gradebook.csv?sort=lesson-{first}").get_data(
        as_text=True
    )
    assert [line.split(",")[0] for line in csv_text.splitlines()[1:]] == [
        "Zoë Ng",
        "ada Lovelace",
        "Юрий",
    ]


def _filter_class(db):
    """The three of `_class`, one who passed everything, one who needs help, one who got there."""
    ada, zoe, yuri = _class(db)
    pat = make_user("pat@example.com", name="Pat")
    for slug, score in (("first-lesson", 8.0), ("second-lesson", 6.0), ("final-review", 9.0)):
        _attempt(db, pat, slug, score)
    hal = make_user("hal@example.com", name="Hal")
    _attempt(db, hal, "first-lesson", 5.0)  # two graded attempts below 70%, not passed
    _attempt(db, hal, "first-lesson", 6.0)
    rex = make_user("rex@example.com", name="Rex")
    for score in (5.0, 6.0, 8.0):  # failed twice, then passed: no longer needs help
        _attempt(db, rex, "first-lesson", score)
    return ada, zoe, yuri, pat, hal, rex


def test_filters_pick_learners_not_started_in_progress_passed_everything_or_needing_help(
    instructor_client, course, db, count_queries
):
    _filter_class(db)

    def shown(query: str) -> list[str]:
        page = instructor_client.get(f"/instructor/gradebook?{query}").get_data(as_text=True)
        return [_text(row).split(" ")[0] for row in _rows(page)]

    assert shown("") == ["ada", "Hal", "Pat", "Rex", "Zoë", "Юрий"]
    assert shown("show=not-started") == ["Юрий"]
    assert shown("show=in-progress") == ["Zoë"]
    assert shown("show=passed-everything") == ["Pat"]
    assert shown("show=needs-help") == ["Hal"]
    assert shown("show=nonsense") == shown("")
    # The filter keeps the search and the sort, and the search and sort links keep it.
    assert shown("show=needs-help&q=pat") == []
    assert shown("show=in-progress&q=ZOE&sort=name&dir=desc") == ["Zoë"]
    page = instructor_client.get("/instructor/gradebook?show=needs-help&sort=email&dir=desc")
    text = page.get_data(as_text=True)
    assert "showing needs help" in text and "Scores of 1 learner " in text
    assert 'aria-current="page">needs help</a>' in text
    assert 'href="/instructor/gradebook?show=needs-help">Learner</a>' in text  # a header
    assert 'href="/instructor/gradebook?sort=email&amp;dir=desc&amp;show=passed-everything"' in text
    assert 'name="show" value="needs-help"' in text  # the search form carries it
    assert "/instructor/gradebook.csv?sort=email&amp;dir=desc&amp;show=needs-help" in text
    footer = _text(text.split("<tfoot>", 1)[1].split("</tfoot>", 1)[0])
    assert "Class average 60% (n = 1)" in footer  # Hal alone
    empty = instructor_client.get("/instructor/gradebook?show=passed-everything&q=hal")
    assert "No learner is listed under “passed everything” and matches “hal”." in empty.get_data(
        as_text=True
    )
    # The CSV exports the gradebook as filtered.
    csv_text = instructor_client.get("/instructor/gradebook.csv?show=in-progress").get_data(
        as_text=True
    )
    assert [line.split(",")[0] for line in csv_text.splitlines()[1:]] == ["Zoë Ng"]
    counts = set()
    for query in ("", "show=not-started", "show=in-progress", "show=passed-everything",
                  "show=needs-help&sort=activity"):  # fmt: skip
        with count_queries() as counter:
            instructor_client.get(f"/instructor/gradebook?{query}")
        counts.add(counter.count)
    assert len(counts) == 1, counts


def test_sixty_learners_who_need_help_page_with_the_filter_kept(instructor_client, course, db):
    for n in range(55):
        learner = make_user(f"h{n}@example.com", name=f"Helpme {n:02d}")
        _attempt(db, learner, "second-lesson", 1.0)
        _attempt(db, learner, "second-lesson", 2.0)
    make_user("fine@example.com", name="Fine")
    first = instructor_client.get("/instructor/gradebook?show=needs-help").get_data(as_text=True)
    assert "Scores of 55 learners" in first
    assert 'href="/instructor/gradebook?show=needs-help&amp;page=2" rel="next"' in first
    second = instructor_client.get("/instructor/gradebook?show=needs-help&page=2")
    assert len(_rows(second.get_data(as_text=True))) == 5


def test_below_the_pass_mark_in_sql_follows_the_one_pass_rule(db):
    from app.quizzes.scoring import passes

    cases = [(7.0, 10.0, 70.0), (6.99, 10.0, 70.0), (0.0, 0.0, 50.0), (0.0, 0.0, 0.0),
             (2.0, 3.0, 66.666667), (1.0, 3.0, 33.0)]  # fmt: skip
    for score, max_score, mark in cases:
        below = db.session.scalar(
            select(below_pass_mark(literal(score), literal(max_score), literal(mark)))
        )
        percent = 100.0 * score / max_score if max_score else 0.0
        assert bool(below) == (not passes(percent, mark)), (score, max_score, mark)


def test_an_instructor_gives_a_learner_who_used_every_attempt_one_more(
    instructor_client, course, client, learner, db, count_queries
):
    from app.course.services import bump_content_revision

    lesson = _lesson(db, "second-lesson")
    lesson.quiz_settings = {**lesson.quiz_settings, "max_attempts": 1}
    bump_content_revision()
    db.session.commit()
    url = start_quiz(client, "second-lesson")
    assert client.post(url + "/submit", data=quiz_fields(client, url)).status_code == 302
    token = csrf_token(client, "/")
    refused = client.post("/lessons/second-lesson/quiz", data={"csrf_token": token})
    assert "/attempts/" not in refused.headers["Location"]
    lesson_page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "You have used all 1 attempts" in lesson_page

    page_url = f"/instructor/learners/{learner.id}"
    page = _text(instructor_client.get(page_url).get_data(as_text=True))
    assert "Attempts used: 1 of 1 allowed" in page
    grant = f"{page_url}/lessons/{lesson.id}/extra-attempt"
    assert instructor_client.post(grant).status_code == 400  # no CSRF token: nothing given
    for _ in range(2):
        response = post_form(instructor_client, grant, {}, token_from=page_url)
        assert response.status_code == 302
        assert response.headers["Location"] == f"{page_url}#lesson-{lesson.id}"
    page = _text(instructor_client.get(page_url).get_data(as_text=True))
    assert "Attempts used: 1 of 3 allowed, 2 of them extra" in page
    assert "Second Lesson: 2 extra attempts given in all." in page
    # The learner may start again.
    retake = client.post(
        "/lessons/second-lesson/quiz", data={"csrf_token": csrf_token(client, "/")}
    )
    assert retake.status_code == 302 and "/attempts/" in retake.headers["Location"]
    # Unknown lessons and learners, and instructors, are 404s.
    boss = make_user("boss@example.com", role="instructor")
    for bad in (f"{page_url}/lessons/999999/extra-attempt",
                f"/instructor/learners/{boss.id}/lessons/{lesson.id}/extra-attempt"):  # fmt: skip
        assert post_form(instructor_client, bad, {}, token_from=page_url).status_code == 404


def test_the_instructor_review_and_the_learners_page_read_a_fixed_number_of_statements(
    instructor_client, course, client, learner, db, count_queries
):
    counts = []
    for _ in range(2):
        url = start_quiz(client, "first-lesson")
        assert client.post(url + "/submit", data=quiz_fields(client, url)).status_code == 302
        attempt_id = url.rstrip("/").rsplit("/", 1)[1]
        with count_queries() as review:
            assert instructor_client.get(f"/instructor/attempts/{attempt_id}").status_code == 200
        with count_queries() as page:
            assert instructor_client.get(f"/instructor/learners/{learner.id}").status_code == 200
        counts.append((review.count, page.count))
    print(f"instructor review and learner page statements at 1 and 2 attempts: {counts}")
    assert counts[0] == counts[1], counts
