"""`flask bank check`: parse question files and report each question or its errors,
then lint them: each file as one quiz, and all the files together as the course.

Plain functions over files; nothing here touches the database or needs the app.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.bank.aiken import parse_aiken
from app.bank.gift import parse_gift
from app.bank.lint import Finding, Silenced, lint_course, split
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
        "lint_ok": dict(question.lint_ok),
    }


@dataclass
class BankCheck:
    """What `bank check` found: one entry per question, and the linter's findings."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    silenced: list[Silenced] = field(default_factory=list)
    banks: dict[str, list[QuestionData]] = field(default_factory=dict)

    @property
    def has_errors(self) -> bool:
        return any(entry["errors"] for entry in self.entries)

    @property
    def has_warnings(self) -> bool:
        """Tell whether anything short of an error was found (what --strict refuses)."""
        return bool(self.findings) or any(entry["warnings"] for entry in self.entries)

    def summary(self) -> dict[str, Any]:
        questions = [entry for entry in self.entries if entry["type"] is not None]
        return {
            "questions": len(questions),
            "with_errors": sum(1 for entry in self.entries if entry["errors"]),
            "lint_warnings": len(self.findings),
            "silenced": len(self.silenced),
            "by_rule": dict(Counter(f.rule for f in self.findings).most_common()),
            "silenced_by_rule": dict(Counter(s.finding.rule for s in self.silenced).most_common()),
        }

    def as_json(self) -> dict[str, Any]:
        """Return the report `bank check --json` prints."""
        return {
            "questions": self.entries,
            "findings": [finding.as_dict() for finding in self.findings],
            "silenced": [silenced.as_dict() for silenced in self.silenced],
            "summary": self.summary(),
        }


def check_files(paths: tuple[Path, ...] | list[Path], requested_format: str = "auto") -> BankCheck:
    """Read every file, report each question (or each unreadable or empty file), and lint
    the questions: each file is one quiz, all files together the course."""
    check = BankCheck()
    for path in paths:
        try:
            text = read_question_file(path)
        except ValueError as error:
            check.entries.append(_file_problem(path, str(error)))
            continue
        parse = parse_aiken if detect_format(path, requested_format) == "aiken" else parse_gift
        questions = parse(text)
        if not questions:
            check.entries.append(_file_problem(path, "no questions found"))
        check.entries.extend(question_report(path, q) for q in questions)
        check.banks.setdefault(str(path), []).extend(questions)
    check.findings, check.silenced = split(lint_course(check.banks))
    return check


def _file_problem(path: Path, message: str) -> dict[str, Any]:
    return {
        "file": str(path), "line": 0, "id": None, "title": "", "type": None,
        "answers": 0, "errors": [message], "warnings": [], "lint_ok": {},
    }  # fmt: skip


def format_report(check: BankCheck) -> list[str]:
    """Describe the check for a terminal: one line per question, its problems and lint."""
    lint: dict[tuple[str | None, int], list[str]] = {}
    for finding in check.findings:
        lint.setdefault((finding.quiz, finding.line), []).append(
            f"    lint {finding.rule}: {finding.message}"
        )
    for silenced in check.silenced:
        finding = silenced.finding
        lint.setdefault((finding.quiz, finding.line), []).append(
            f"    silenced {finding.rule}: {silenced.reason}"
        )
    lines = []
    for item in check.entries:
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
        lines += lint.pop((item["file"], item["line"]), [])
    for (quiz, line), notes in lint.items():  # findings on no listed question: never dropped
        lines.append(f"{quiz}:{line}:" if line else f"{quiz}:")
        lines += notes
    summary = check.summary()
    lines.append(
        f"{summary['questions']} questions, {summary['with_errors']} with errors; "
        f"{summary['lint_warnings']} lint warnings, {summary['silenced']} silenced"
    )
    if summary["by_rule"]:
        counts = ", ".join(f"{rule} {count}" for rule, count in summary["by_rule"].items())
        lines.append(f"lint warnings by rule: {counts}")
    return lines
