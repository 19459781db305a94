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
    assert [(q["line"], q["id"], q["type"], q["answers"]) for q in report[:2]] == [
        (1, "ok-1", "single", 3),
        (4, "ok-2", "truefalse", 2),
    ]
    for item in report:
        assert {"line", "id", "title", "type", "answers", "errors"} <= set(item)
    assert [bool(q["errors"]) for q in report] == [False, False, True, True]


def test_aiken_files_are_read_by_their_extension_or_on_request(runner, tmp_path):
    aiken = _write(tmp_path, "planets.txt", AIKEN)
    result = runner.invoke(args=["bank", "check", "--json", str(aiken)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[0]["type"] == "single"
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
