"""The server is killed (SIGKILL, master and workers) while twenty learners work, three times.

Each learner loops: start or resume the quiz, autosave two to four times (different
answers each time), submit. Meanwhile the server's whole process group is killed without warning
and started again, three times in one run. A request in flight at the kill gets no
answer; the learner's browser retries once the server is back. Afterwards, on SQLite
and on PostgreSQL:

- every save and every submission that got a success response is in the database
  (a save: the attempt's save counter reached it; a submission: the attempt is graded),
  and each attempt was counted in the learner's grade exactly once;
- every open attempt comes back showing the answers of its last stored save, which is
  the last acknowledged one or one sent after it whose answer the kill swallowed;
- no attempt is half-graded: state, score, every response's points and the stored
  grade agree; and SQLite's integrity check says "ok".

The figures (acknowledged writes, found, lost) are printed; docs/benchmarks.md keeps them.
"""

from __future__ import annotations

import http.client
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from app.auth.models import User
from app.quizzes.models import Attempt, LessonGrade, Response
from tests.support import PASSWORD, make_user
from tests.support.live import LiveServer, Session, live_server
from tests.support.live_quiz import QuizPage, read_quiz, save, start_quiz, submit

LEARNERS = 20
KILLS = 3
LESSON = "second-lesson"
ACKS_BETWEEN_KILLS = 70  # let real work (saves and submissions) happen before each kill …
PHASE_SECONDS = 10  # … but never wait longer than this for it
DOWN = (OSError, http.client.HTTPException)  # what a client sees of a killed server


@dataclass
class Sent:
    """One write a learner sent, and whether the server acknowledged it."""

    attempt_id: int
    seq: int  # for a save: the attempt's save counter once it is stored
    answers: dict[str, str]
    acked: bool = False


@dataclass
class Ledger:
    """What one learner sent and what the server said it stored."""

    saves: list[Sent] = field(default_factory=list)
    submissions: list[Sent] = field(default_factory=list)
    # What went wrong on the way (for the figures): "save 409", "ConnectionRefusedError", …
    mishaps: Counter[str] = field(default_factory=Counter)

    def acked(self) -> int:
        return sum(s.acked for s in self.saves) + sum(s.acked for s in self.submissions)


def _work(session: Session, ledger: Ledger, stop: threading.Event, number: int) -> None:
    """Take the quiz round after round; ride out the server's deaths until `stop`."""
    pick = number
    saves = 2 + number % 3  # rounds of different lengths: the learners drift out of step
    while not stop.is_set():
        try:
            quiz = read_quiz(session, start_quiz(session, LESSON))
            if quiz is None:
                continue
            if _save(saves, session, quiz, ledger, pick):
                sent = Sent(quiz.attempt_id, quiz.seq, quiz.answers(pick + 7))
                ledger.submissions.append(sent)
                status, outcome = submit(session, quiz, sent.answers)
                sent.acked = (status, outcome) == (302, "graded")
                if not sent.acked:
                    ledger.mishaps[f"submit {status} {outcome}"] += 1
            pick += saves
        except DOWN as error:
            ledger.mishaps[type(error).__name__] += 1
            time.sleep(0.05)  # the server is down: try again, as the page's script does


def _save(times: int, session: Session, quiz: QuizPage, ledger: Ledger, pick: int) -> bool:
    """Autosave `times` times, each time other answers; False once one is not acknowledged."""
    for step in range(times):
        sent = Sent(quiz.attempt_id, quiz.seq + 1, quiz.answers(pick + step))
        ledger.saves.append(sent)
        status, body = save(session, quiz, sent.answers)
        if status != 200 or body.get("status") != "saved":
            ledger.mishaps[f"save {status}"] += 1
            return False
        assert body["seq"] == sent.seq, body
        sent.acked = True
        quiz.seq = body["seq"]
    return True


def _kill_and_restart(
    server: LiveServer, acked: Callable[[], int], stop_learners: Callable[[], None]
) -> list[int]:
    """Kill the server KILLS times, each once enough new writes were acknowledged.

    The learners stop where the last kill caught them (mid-quiz, a save in flight), so
    what the restarted server shows them is what the crash left.
    """
    at_kills = []
    for kill in range(1, KILLS + 1):
        start, deadline = acked(), time.monotonic() + PHASE_SECONDS
        while acked() < start + ACKS_BETWEEN_KILLS and time.monotonic() < deadline:
            time.sleep(0.05)
        server.kill()
        at_kills.append(acked())
        if kill == KILLS:
            stop_learners()
        server.start()
    return at_kills


@pytest.mark.slow
def test_nothing_acknowledged_is_lost_when_the_server_is_killed(
    backend, database_url, course, db, capsys
):
    emails = [f"crash-{number:02}@example.com" for number in range(LEARNERS)]
    for email in emails:
        make_user(email)
    ledgers = {email: Ledger() for email in emails}
    stop = threading.Event()
    failures: list[BaseException] = []

    with live_server(database_url, workers=2) as server:
        sessions = {}
        for email in emails:
            sessions[email] = Session(server.host)
            sessions[email].log_in(email, PASSWORD)

        def learner(number: int, email: str) -> None:
            try:
                _work(sessions[email], ledgers[email], stop, number)
            except BaseException as error:  # a failed check must fail the test, not vanish
                failures.append(error)

        threads = [threading.Thread(target=learner, args=pair) for pair in enumerate(emails)]
        for thread in threads:
            thread.start()

        def stop_learners() -> None:
            stop.set()
            for thread in threads:
                thread.join(60)

        try:
            acked_so_far = lambda: sum(ledger.acked() for ledger in ledgers.values())  # noqa: E731
            at_kills = _kill_and_restart(server, acked_so_far, stop_learners)
        finally:
            stop_learners()
        assert not failures, failures
        log = server.log_text()
        # What each learner sees coming back: the open quiz, with the answers it last stored.
        db.session.rollback()
        open_now = db.session.execute(
            select(User.email, Attempt.id).join(Attempt).where(Attempt.state == "open")
        ).all()
        resumed = {email: read_quiz(sessions[email], f"/attempts/{id_}") for email, id_ in open_now}

    db.session.rollback()
    users = {u.email: u.id for u in db.session.scalars(select(User))}
    found = lost = acked = 0
    for email, ledger in ledgers.items():
        attempts = {
            a.id: a
            for a in db.session.scalars(select(Attempt).where(Attempt.user_id == users[email]))
        }
        for attempt in attempts.values():
            _assert_whole(attempt)
        grade = db.session.scalar(select(LessonGrade).where(LessonGrade.user_id == users[email]))
        _assert_grade_counts_each_once(grade, attempts)
        for kind, writes in (("save", ledger.saves), ("submission", ledger.submissions)):
            for sent in writes:
                if not sent.acked:
                    continue
                acked += 1
                attempt = attempts.get(sent.attempt_id)
                stored = attempt is not None and (
                    attempt.save_seq >= sent.seq
                    if kind == "save"
                    else attempt.state == "submitted" and attempt.score is not None
                )
                found += stored
                lost += not stored
        _assert_resumes_with_last_stored_answers(ledger, attempts, resumed.get(email))

    saves = sum(s.acked for ledger in ledgers.values() for s in ledger.saves)
    mishaps = sum((ledger.mishaps for ledger in ledgers.values()), Counter())
    resumed_with_answers = sum(bool(quiz and quiz.ticked) for quiz in resumed.values())
    figures = (
        f"crash run on {backend}: {KILLS} kills (acknowledged so far at each: {at_kills}); "
        f"acknowledged writes {acked} (saves {saves}, submissions {acked - saves}), "
        f"found {found}, lost {lost}; open attempts resumed with their answers: "
        f"{resumed_with_answers}; on the way: {dict(mishaps)}"
    )
    with capsys.disabled():
        print("\n" + figures)
    # Work was acknowledged before each kill, the restarted servers' included.
    assert 0 < at_kills[0] < at_kills[1] < at_kills[2], (figures, log[-3000:])
    assert (found, lost) == (acked, 0), figures
    assert resumed_with_answers > 0, figures  # the resume check above had something to check
    if backend == "sqlite":
        path = make_url(database_url).database
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _assert_whole(attempt: Attempt) -> None:
    """An attempt is either open and ungraded or submitted and fully graded."""
    responses: list[Response] = attempt.responses
    if attempt.state == "submitted":
        assert attempt.score is not None and attempt.submitted_at is not None, attempt
        assert all(r.points is not None and r.fraction is not None for r in responses), attempt
        assert sum(r.points for r in responses) == pytest.approx(attempt.score), attempt
    else:
        assert attempt.state == "open", attempt
        assert attempt.score is None and attempt.submitted_at is None, attempt
        assert all(r.points is None for r in responses), attempt


def _assert_grade_counts_each_once(grade: LessonGrade | None, attempts: dict[int, Attempt]):
    """The stored grade counted every graded attempt once, and the highest score."""
    submitted = [a for a in attempts.values() if a.state == "submitted"]
    if not submitted:
        assert grade is None or grade.attempts_graded == 0
        return
    assert grade is not None and grade.attempts_graded == len(submitted), (grade, len(submitted))
    assert grade.score == pytest.approx(max(a.score for a in submitted))  # "highest" counts


def _assert_resumes_with_last_stored_answers(
    ledger: Ledger, attempts: dict[int, Attempt], quiz: QuizPage | None
) -> None:
    still_open = [a for a in attempts.values() if a.state == "open"]
    if quiz is None:
        assert not still_open
        return
    (attempt,) = still_open
    assert quiz.attempt_id == attempt.id and quiz.seq == attempt.save_seq
    sent = [s for s in ledger.saves if s.attempt_id == attempt.id]
    last_acked = max((s.seq for s in sent if s.acked), default=0)
    assert attempt.save_seq >= last_acked  # nothing acknowledged was lost …
    assert attempt.save_seq <= max((s.seq for s in sent), default=0)  # … nor stored twice
    if attempt.save_seq == 0:
        assert quiz.ticked == {}
        return
    # The save that got there: the last one sent for that counter (an earlier one sent for
    # it was lost with its answer, or the learner would have moved on to the next counter).
    stored = [s for s in sent if s.seq == attempt.save_seq][-1]
    assert quiz.ticked == stored.answers, (quiz.ticked, stored)
