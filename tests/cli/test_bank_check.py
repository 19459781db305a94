"""`flask bank check` validates question files without touching the database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app import create_app

GOOD = """// [id:ok-1] [tag:difficulty-easy]
::Capital::Which is the capital?{=Alpha#yes ~Beta#no ~Gamma#no}

// [id:ok-2]
::Sky::The sky is blue.{T}
"""
BAD = """// [id:bad-1]
::Weights::Pick.{~%abc%one ~%50%two}

// [id:bad-2]
::Unclosed::Never closed {=x
"""
AIKEN = """Which planet is largest?
A. Mars
B. Jupiter
ANSWER: B
"""


@pytest.fixture
def runner():
    # A database nobody can reach: any query would fail the command.
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:9/none",
        }
    )
    return app.test_cli_runner()


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_lists_each_question_and_exits_zero(runner, tmp_path):
    result = runner.invoke(args=["bank", "check", str(_write(tmp_path, "good.gift", GOOD))])
    assert result.exit_code == 0, result.output
    assert "good.gift:1: ok id=ok-1 type=single answers=3 title='Capital'" in result.output
    assert "good.gift:4: ok id=ok-2 type=truefalse answers=2 title='Sky'" in result.output
    assert "2 questions, 0 with errors" in result.output


def test_errors_are_reported_by_line_and_the_exit_status_is_non_zero(runner, tmp_path):
    result = runner.invoke(args=["bank", "check", str(_write(tmp_path, "bad.gift", BAD))])
    assert result.exit_code == 1
    assert "bad.gift:1: ERROR id=bad-1" in result.output
    assert "'abc' is not a number" in result.output
    assert "bad.gift:4: ERROR id=bad-2" in result.output
    assert "unclosed brace" in result.output


def test_json_output_has_the_documented_fields(runner, tmp_path):
    good = _write(tmp_path, "good.gift", GOOD)
    bad = _write(tmp_path, "bad.gift", BAD)
    result = runner.invoke(args=["bank", "check", "--json", str(good), str(bad)])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert set(report) == {"questions", "findings", "silenced", "summary"}
    questions = report["questions"]
    assert [(q["line"], q["id"], q["type"], q["answers"]) for q in questions[:2]] == [
        (1, "ok-1", "single", 3),
        (4, "ok-2", "truefalse", 2),
    ]
    for item in questions:
        assert {"line", "id", "title", "type", "answers", "errors", "lint_ok"} <= set(item)
    assert [bool(q["errors"]) for q in questions] == [False, False, True, True]
    assert report["summary"]["questions"] == 4
    assert report["summary"]["with_errors"] == 2


def test_aiken_files_are_read_by_their_extension_or_on_request(runner, tmp_path):
    aiken = _write(tmp_path, "planets.txt", AIKEN)
    result = runner.invoke(args=["bank", "check", "--json", str(aiken)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["questions"][0]["type"] == "single"
    forced = runner.invoke(args=["bank", "check", "--format", "gift", str(aiken)])
    assert "planets.txt" in forced.output


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.gift", None, "file not found"),
        ("latin1.gift", "Caf\xe9 {T}".encode("latin-1"), "line 1: not UTF-8 text"),
        ("empty.gift", b"// only a comment\n", "no questions found"),
    ],
)
def test_unreadable_or_empty_files_are_errors_naming_the_file(
    runner, tmp_path, name, content, message
):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = runner.invoke(args=["bank", "check", str(path)])
    assert result.exit_code == 1
    assert f"{name}: error: {message}" in result.output


def test_the_real_course_banks_all_pass(runner):
    banks = sorted(
        str(p) for p in (Path(__file__).parents[2] / "questions" / "lessons").glob("*.gift")
    )
    result = runner.invoke(args=["bank", "check", *banks])
    assert result.exit_code == 0, result.output[-2000:]


FLAWED = """// [id:fl-1]
::Envoys::Where does the lesson place the first envoys?{
=In Mesopotamia and Egypt, where envoys first carried messages between rival courts
~Rome
~Athens
}

// [id:fl-2]
// lint-ok: stem-says-lesson — the lesson is named in the quiz title
::Silenced::What does the lesson call an envoy's mandate?{
=A letter of credence
~A treaty of alliance
~A declaration of war
}
"""


def test_lint_warnings_are_listed_under_their_question_and_counted(runner, tmp_path):
    result = runner.invoke(args=["bank", "check", str(_write(tmp_path, "quiz.gift", FLAWED))])
    assert result.exit_code == 0, result.output
    assert "    lint key-length: The key is the longest option by a clear margin" in result.output
    assert "    lint stem-says-lesson: The stem says 'the lesson'" in result.output
    assert "    silenced stem-says-lesson: the lesson is named in the quiz title" in result.output
    assert "2 questions, 0 with errors; " in result.output
    assert "1 silenced" in result.output


def test_strict_makes_lint_warnings_fail(runner, tmp_path):
    path = str(_write(tmp_path, "quiz.gift", FLAWED))
    assert runner.invoke(args=["bank", "check", "--strict", path]).exit_code == 1
    clean = """// [id:c-1]
::Clean::Which city hosted the first modern Olympic Games in 1896?{
=Athens
~Paris
~London
}
"""
    result = runner.invoke(
        args=["bank", "check", "--strict", str(_write(tmp_path, "c.gift", clean))]
    )
    assert result.exit_code == 0, result.output


def test_json_lists_findings_with_rule_evidence_question_file_and_line(runner, tmp_path):
    path = _write(tmp_path, "quiz.gift", FLAWED)
    report = json.loads(runner.invoke(args=["bank", "check", "--json", str(path)]).output)
    by_rule = {f["rule"]: f for f in report["findings"]}
    length = by_rule["key-length"]
    assert length["question_id"] == "fl-1"
    assert length["file"] == str(path)
    assert length["line"] == 1
    assert length["evidence"]["which"] == "longest"
    assert {"text": "Rome", "length": 4, "key": False} in length["evidence"]["options"]
    (silenced,) = report["silenced"]
    assert (silenced["rule"], silenced["question_id"], silenced["reason"]) == (
        "stem-says-lesson",
        "fl-2",
        "the lesson is named in the quiz title",
    )
    assert report["questions"][1]["lint_ok"] == {
        "stem-says-lesson": "the lesson is named in the quiz title"
    }
    assert report["summary"]["silenced"] == 1
    assert report["summary"]["by_rule"]["stem-says-lesson"] == 1


def test_bank_check_runs_on_a_fresh_clone_without_secret_key_or_database(tmp_path):
    """A content pipeline's first step: no SECRET_KEY, an empty instance folder, no database."""
    import subprocess
    import sys

    path = _write(tmp_path, "quiz.gift", GOOD)
    instance = tmp_path / "instance"
    instance.mkdir()
    for args in (["--app", "app", "bank", "check"], ["bank", "check"]):
        result = subprocess.run(
            [sys.executable, "-m", "flask", *args, "--strict", str(path)],
            env={"INSTANCE_PATH": str(instance), "PYTHONDONTWRITEBYTECODE": "1"},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert "2 questions, 0 with errors; 0 lint warnings, 0 silenced" in result.stdout
    assert list(instance.iterdir()) == []  # no key written, no SQLite file created


def test_the_app_itself_still_refuses_to_start_without_a_secret_key(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "routes"],
        env={"INSTANCE_PATH": str(tmp_path)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
