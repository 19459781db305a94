"""`flask bank check`: parse question files and report each question or its errors.

Plain functions over files; nothing here touches the database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.bank.aiken import parse_aiken
from app.bank.gift import parse_gift
from app.bank.model import QuestionData
from app.textfile import NotText, decode_text

AIKEN_SUFFIXES = {".txt", ".aiken"}


def detect_format(path: Path, requested: str) -> str:
    """Pick the parser: the one asked for, or by the file's extension."""
    if requested != "auto":
        return requested
    return "aiken" if path.suffix.lower() in AIKEN_SUFFIXES else "gift"


def read_question_file(path: Path) -> str:
    """Read a question file as UTF-8 text (a BOM is allowed); raise ValueError otherwise."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ValueError("file not found") from None
    except IsADirectoryError:
        raise ValueError("is a folder, not a file") from None
    except OSError as error:
        raise ValueError(f"cannot be read ({error.strerror})") from None
    try:
        return decode_text(raw)
    except NotText as error:
        raise ValueError(str(error)) from None


def question_report(path: Path, question: QuestionData) -> dict[str, Any]:
    return {
        "file": str(path),
        "line": question.line,
        "id": question.id,
        "title": question.title,
        "type": question.type,
        "answers": question.answer_count,
        "errors": list(question.errors),
        "warnings": list(question.warnings),
    }


def check_files(paths: tuple[Path, ...] | list[Path], requested_format: str = "auto") -> list[dict]:
    """Return one report entry per question (or per unreadable or empty file)."""
    report: list[dict[str, Any]] = []
    for path in paths:
        try:
            text = read_question_file(path)
        except ValueError as error:
            report.append(_file_problem(path, str(error)))
            continue
        parse = parse_aiken if detect_format(path, requested_format) == "aiken" else parse_gift
        questions = parse(text)
        if not questions:
            report.append(_file_problem(path, "no questions found"))
        report.extend(question_report(path, q) for q in questions)
    return report


def _file_problem(path: Path, message: str) -> dict[str, Any]:
    return {
        "file": str(path), "line": 0, "id": None, "title": "", "type": None,
        "answers": 0, "errors": [message], "warnings": [],
    }  # fmt: skip


def format_report(report: list[dict[str, Any]]) -> list[str]:
    """Describe the report for a terminal, one line per question plus its problems."""
    lines = []
    for item in report:
        where = f"{item['file']}:{item['line']}" if item["line"] else item["file"]
        if item["type"] is None:
            lines.append(f"{where}: error: {'; '.join(item['errors'])}")
            continue
        status = "ERROR" if item["errors"] else "ok"
        lines.append(
            f"{where}: {status} id={item['id'] or '-'} type={item['type']} "
            f"answers={item['answers']} title={item['title']!r}"
        )
        lines += [f"    error: {e}" for e in item["errors"]]
        lines += [f"    warning: {w}" for w in item["warnings"]]
    questions = [i for i in report if i["type"] is not None]
    failing = sum(1 for i in report if i["errors"])
    lines.append(f"{len(questions)} questions, {failing} with errors")
    return lines
