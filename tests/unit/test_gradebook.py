"""The gradebook's summaries and its CSV, from plain facts (no Flask, no database)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from app.instructor.gradebook import (
    PER_PAGE,
    Cell,
    ColumnTotals,
    GradeFacts,
    LearnerFacts,
    LessonFacts,
    Sort,
    format_percent,
    parse_filter,
    parse_sort,
    summarise,
    summary_of,
)
from app.instructor.gradebook_csv import csv_chunks, csv_filename, neutralise
from app.instructor.learners import AttemptFacts, learner_record

ONE = LessonFacts(1, "one", "One", final_exam=False)
TWO = LessonFacts(2, "two", "Two", final_exam=False)
FINAL = LessonFacts(3, "final", "Final", final_exam=True)
ADA = LearnerFacts(10, "Ada", "ada@example.com")
BOB = LearnerFacts(11, "Bob", "bob@example.com")
CY = LearnerFacts(12, "Cy", "cy@example.com")
MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def _class():
    grades = [
        GradeFacts(10, 1, 80.0, True),
        GradeFacts(10, 2, 50.0, False),
        GradeFacts(10, 3, 90.0, True),
        GradeFacts(11, 1, 60.0, False),
    ]
    open_pairs = {(11, 1), (11, 2)}  # Bob retakes One and has started Two
    # What the database sums over every matching learner with a graded attempt.
    totals = [
        ColumnTotals(1, 2, 140.0, 1),
        ColumnTotals(2, 1, 50.0, 0),
        ColumnTotals(3, 1, 90.0, 1),
    ]
    return summarise([ONE, FINAL, TWO], [ADA, BOB, CY], grades, open_pairs, {10: MONDAY}, totals)


def test_each_cell_holds_the_counted_score_pass_state_and_an_open_attempt():
    book = _class()
    ada, bob, cy = book.rows
    assert [lesson.slug for lesson in book.lessons] == ["one", "two"]
    assert book.final_exam == FINAL
    assert ada.cells == [Cell(80.0, True, False), Cell(50.0, False, False)]
    assert bob.cells == [Cell(60.0, False, True), Cell(None, False, True)]  # score and in progress
    assert cy.cells == [Cell(), Cell()] and not cy.cells[0].started
    assert [c.state for c in (*ada.cells, *bob.cells, cy.cells[0])] == [
        "passed", "not passed", "not passed", "in progress", "not started",
    ]  # fmt: skip


def test_each_learner_has_lessons_passed_of_the_total_the_final_exam_and_last_activity():
    ada, bob, cy = _class().rows
    assert (ada.lessons_passed, ada.lessons_total) == (1, 2)  # the final exam counts apart
    assert ada.final == Cell(90.0, True, False) and bob.final == Cell()
    assert ada.last_activity == MONDAY and cy.last_activity is None


def test_the_footer_is_the_average_and_pass_rate_of_the_summed_grades():
    book = _class()
    one, two = book.summaries
    assert (one.graded, one.average, one.pass_rate) == (2, 70.0, 50.0)
    assert (two.graded, two.average, two.pass_rate) == (1, 50.0, 0.0)
    assert book.final_summary.graded == 1 and book.final_summary.average == 90.0


def test_a_column_nobody_was_graded_in_has_no_average_and_no_pass_rate():
    assert summary_of(None).average is None and summary_of(None).graded == 0
    assert summary_of(ColumnTotals(1, 0, 0.0, 0)).pass_rate is None


def test_pages_count_every_matching_learner_and_stay_in_range():
    book = summarise([ONE], [ADA], [], [], {}, learner_count=2 * PER_PAGE + 1, page=9)
    assert (book.learners, book.pages, book.page) == (2 * PER_PAGE + 1, 3, 3)
    assert summarise([ONE], [], [], [], {}, learner_count=0).pages == 1


def test_a_course_without_a_final_exam_has_no_final_column():
    book = summarise([ONE], [ADA], [], [], {})
    assert book.final_exam is None and book.rows[0].final is None and book.final_summary is None


@pytest.mark.parametrize(
    ("value", "shown"),
    [(70.0, "70%"), (66.66666, "67%"), (87.5, "88%"), (12.5, "13%"), (100.0, "100%"), (None, "")],
)
def test_percentages_are_written_whole_as_on_the_result_page(value, shown):
    assert format_percent(value) == shown


def test_a_learner_record_groups_attempts_by_lesson_in_course_order():
    attempts = [
        AttemptFacts(7, 2, 1, "submitted", MONDAY, MONDAY, 1.0, 2.0),
        AttemptFacts(5, 1, 2, "open", MONDAY, None, None, 2.0),
        AttemptFacts(4, 1, 1, "submitted", MONDAY, MONDAY, 2.0, 2.0),
    ]
    records = learner_record([ONE, TWO, FINAL], attempts, [GradeFacts(10, 1, 100.0, True)])
    assert [[a.id for a in r.attempts] for r in records] == [[4, 5], [7], []]
    assert records[0].cell == Cell(100.0, True, True)
    assert records[1].cell == Cell(in_progress=False)  # graded attempt but no stored grade row
    assert records[1].attempts[0].percent == 50.0 and records[0].attempts[1].percent is None


def test_a_learner_record_counts_attempts_used_of_those_allowed_with_extra_attempts():
    limited = LessonFacts(1, "one", "One", final_exam=False, max_attempts=2)
    attempts = [
        AttemptFacts(4, 1, 1, "submitted", MONDAY, MONDAY, 2.0, 2.0),
        AttemptFacts(6, 1, 3, "abandoned", MONDAY, None, None, 2.0),  # numbers started count
    ]
    records = learner_record([limited, TWO], attempts, [], {1: 2, 2: 1})
    assert (records[0].used, records[0].allowed, records[0].extra) == (3, 4, 2)
    assert (records[1].used, records[1].allowed, records[1].extra) == (0, None, 1)  # no limit


@pytest.mark.parametrize(
    ("value", "read"),
    [
        ("not-started", "not-started"),
        ("needs-help", "needs-help"),
        ("", None),
        (None, None),
        ("NEEDS-HELP", None),
        ("passed", None),
    ],
)
def test_an_unknown_filter_shows_everyone(value, read):
    assert parse_filter(value) == read


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rCR", "'\rCR"),
        ("Zoë = fine", "Zoë = fine"),
        ("", ""),
    ],
)
def test_text_that_would_start_a_formula_is_kept_as_text(text, written):
    assert neutralise(text) == written


def test_the_csv_has_a_bom_crlf_one_row_per_learner_and_numbers_for_scores():
    book = _class()
    text = "".join(csv_chunks(book))
    assert text.startswith("\ufeffName,Email,One (%),Two (%),Final (%),")
    assert text.encode("utf-8")[:3] == b"\xef\xbb\xbf"
    assert text.count("\r\n") == 1 + len(book.rows) and "\n" not in text.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert rows[1] == [
        "Ada",
        "ada@example.com",
        "80.0",
        "50.0",
        "90.0",
        "1",
        "2",
        MONDAY.isoformat(),
    ]
    assert rows[3] == ["Cy", "cy@example.com", "", "", "", "0", "2", ""]


def test_a_learner_named_like_a_formula_exports_as_text():
    book = summarise([ONE], [LearnerFacts(1, '=HYPERLINK("x")', "-x@example.com")], [], [], {})
    rows = list(csv.reader(io.StringIO("".join(csv_chunks(book)).removeprefix("\ufeff"))))
    assert rows[1][:2] == ['\'=HYPERLINK("x")', "'-x@example.com"]


def test_the_file_is_named_after_the_course_and_the_day():
    assert (
        csv_filename("Military Diplomacy: Channels!", date(2026, 11, 28))
        == "military-diplomacy-channels-gradebook-2026-11-28.csv"
    )
    assert csv_filename("Δίπλωμα", date(2026, 1, 2)) == "course-gradebook-2026-01-02.csv"


@pytest.mark.parametrize(
    ("value", "direction", "expected"),
    [
        (None, None, Sort()),
        ("email", "desc", Sort("email", None, True)),
        ("progress", "asc", Sort("progress")),
        ("activity", "sideways", Sort("activity")),
        ("lesson-2", "desc", Sort("lesson", 2, True)),
        ("lesson-99", None, Sort()),  # no such lesson
        ("lesson-²", None, Sort()),
        ("password_hash", None, Sort()),
    ],
)
def test_the_sort_is_read_from_the_link_and_anything_unknown_sorts_by_name(
    value, direction, expected
):
    assert parse_sort(value, direction, [ONE, TWO, FINAL]) == expected


def test_the_caption_says_the_order_in_words():
    book = summarise([ONE, TWO], [], [], [], {}, sort=Sort("lesson", 2, True))
    assert book.sort_description == "score in Two, highest first"
    assert summarise([ONE], [], [], [], {}, sort=Sort("email", None, True)).sort_description == (
        "email, descending"
    )
