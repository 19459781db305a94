"""A database that cannot take a write: the learner hears "not saved yet", never "saved".

SQLite only (CI runs as root, so file permissions cannot make it read-only): a full
disk is `PRAGMA max_page_count` at the database's size after a VACUUM (no free page
left), a read-only database is `PRAGMA query_only` — both set on every connection.
The save gets a 503 (JSON for the page's script, which then retries; the friendly
page with the request id without it), and nothing of it is stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event

from app.content.loading import load_course
from app.course.files import read_course
from app.errors import NOT_SAVED, NOT_SUBMITTED
from app.quizzes.models import Attempt
from tests.support import quiz_fields, start_quiz

# Short-answer questions whose answers all grow from a word to 480 characters: more than
# the free space of the pages that hold them, so the save needs a page the full disk lacks.
QUESTIONS = 12
BANK = "".join(
    f"// [id:typed-{n}] [tag:anchor-one]\nWhere do envoys meet ({n})?{{=Paris =Geneva}}\n\n"
    for n in range(1, QUESTIONS + 1)
)
SHORT = {f"q{n}": "Paris" for n in range(1, QUESTIONS + 1)}
LONG = {f"q{n}": "Geneva, " * 60 for n in range(1, QUESTIONS + 1)}  # within the 500 limit
JSON = {"Accept": "application/json"}


@pytest.fixture
def typed_quiz(client, learner, db, tmp_path: Path) -> str:
    (tmp_path / "lessons").mkdir()
    (tmp_path / "course.toml").write_text(
        'title = "Typed"\n[[modules]]\nslug = "m"\ntitle = "M"\nlessons = ["typed"]\n'
    )
    (tmp_path / "lessons" / "typed.md").write_text('+++\ntitle = "Typed"\n+++\n{#one}\nText.\n')
    (tmp_path / "lessons" / "typed.gift").write_text(BANK)
    load_course(read_course(tmp_path))
    db.session.commit()
    return start_quiz(client, "typed")


@contextmanager
def every_connection_runs(db, *pragmas: str) -> Iterator[None]:
    """Run `pragmas` on every new connection inside the block (and only there)."""

    def configure(dbapi_connection, _record) -> None:
        for pragma in pragmas:
            dbapi_connection.execute(pragma)

    db.session.remove()
    db.engine.dispose()
    event.listen(db.engine, "connect", configure)
    try:
        yield
    finally:
        db.session.remove()
        event.remove(db.engine, "connect", configure)
        db.engine.dispose()


def _full_disk(db) -> tuple[str, ...]:
    """Pack the database (no free page left) and cap it at its size: the disk is full."""
    db.session.remove()
    raw = db.engine.raw_connection()  # outside SQLAlchemy's BEGIN: VACUUM needs no transaction
    try:
        raw.driver_connection.execute("VACUUM")
        pages = raw.driver_connection.execute("PRAGMA page_count").fetchone()[0]
    finally:
        raw.close()
    return (f"PRAGMA max_page_count = {pages}",)


READ_ONLY = ("PRAGMA query_only = ON",)


def _stored(db, quiz_url: str) -> tuple[int, object, str]:
    db.session.rollback()
    attempt = db.session.get(Attempt, int(quiz_url.rsplit("/", 1)[1]))
    answers = [response.answer for response in attempt.responses]
    return attempt.save_seq, answers, attempt.state


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("refusal", ["full disk", "read-only"])
def test_a_save_the_database_refuses_is_not_saved_yet_and_stores_nothing(
    refusal, client, typed_quiz, db, caplog
):
    fields = quiz_fields(client, typed_quiz)
    first = client.post(typed_quiz + "/save", data={**fields, **SHORT}, headers=JSON)
    assert first.get_json()["status"] == "saved"
    fields["seq"] = str(first.get_json()["seq"])
    before = _stored(db, typed_quiz)

    pragmas = _full_disk(db) if refusal == "full disk" else READ_ONLY
    with every_connection_runs(db, *pragmas):
        answer = {**fields, **LONG}
        by_script = client.post(typed_quiz + "/save", data=answer, headers=JSON)
        assert by_script.status_code == 503
        assert by_script.get_json() == {"status": "not-saved", "message": NOT_SAVED}
        assert by_script.headers["Retry-After"]

        by_button = client.post(typed_quiz + "/save", data=answer)  # no script: the page
        assert by_button.status_code == 503
        page = by_button.get_data(as_text=True)
        assert "not saved yet" in page and by_button.headers["X-Request-ID"] in page

        submitted = client.post(typed_quiz + "/submit", data=answer)
        assert submitted.status_code == 503
        assert NOT_SUBMITTED.split(":")[0] in submitted.get_data(as_text=True)

    why = "database or disk is full" if refusal == "full disk" else "readonly database"
    assert why in caplog.text  # the simulation refused for the reason it stands for
    assert _stored(db, typed_quiz) == before  # nothing half-written: still the first save
    assert before[2] == "open" and before[1] == ["Paris"] * QUESTIONS
    # The page's script retries, and once the database takes writes again the save goes in.
    again = client.post(typed_quiz + "/save", data={**fields, **LONG}, headers=JSON)
    assert again.get_json()["status"] == "saved"
    assert _stored(db, typed_quiz)[0] == before[0] + 1
