"""Read Moodle's Aiken format: single-choice questions, one line each, then lettered options.

::

    What is the capital of France?
    A. Berlin
    B) Paris
    ANSWER: B

Rules follow Moodle's ``question/format/aiken/format.php``: lines are trimmed and
lines shorter than two characters are skipped; ``A.``/``A)`` (a capital letter,
then ``.`` or ``)``) starts an option; ``ANSWER:`` ends the question; any other
line starts a new question. Texts are plain text. Problems become errors on the
question they belong to (never exceptions), naming the line.
"""

from __future__ import annotations

import re

from app.bank.limits import MAX_ROWS, limit_problems
from app.bank.model import Choice, QuestionData
from app.bank.reading import ErrorLog, quote

__all__ = ["parse_aiken"]

_OPTION_RE = re.compile(r"^([A-Z])[).][ \t]?(.*)$")
_ANSWER_RE = re.compile(r"^ANSWER:(.*)$")
_LOOSE_ANSWER_RE = re.compile(r"^answer\s*[:=]", re.IGNORECASE)


def parse_aiken(text: str, max_questions: int | None = None) -> list[QuestionData]:
    """Read every Aiken question in order, reporting problems instead of raising.

    With `max_questions`, reading stops after `max_questions + 1` questions: the
    caller refuses a file with more.
    """
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    questions: list[QuestionData] = []
    current: QuestionData | None = None
    labels: list[str] = []
    stray: QuestionData | None = None
    log = ErrorLog()
    options_found: dict[int, int] = {}  # past MAX_ROWS options a question's are only counted

    for number, raw in enumerate(text.split("\n"), start=1):
        if max_questions is not None and len(questions) > max_questions:
            break
        line = raw.strip()
        if len(line) < 2:
            continue
        option = _OPTION_RE.match(line)
        answer = _ANSWER_RE.match(line)
        if option:
            if current is None:
                stray = _stray(questions, stray, number, line, "option", log)
                continue
            if len(labels) >= MAX_ROWS:
                options_found[id(current)] = options_found.get(id(current), len(labels)) + 1
                continue
            letter, option_text = option.group(1), option.group(2).strip()
            expected = chr(ord("A") + len(labels))
            if letter != expected:
                log.add(
                    current,
                    f"line {number}: option '{letter}' is out of order: expected '{expected}' "
                    "(Moodle reads the ANSWER letter by position)",
                )
            if not option_text:
                log.add(current, f"line {number}: option '{letter}' is empty")
            labels.append(letter)
            current.choices.append(Choice(text=option_text, fraction=0.0))
        elif answer:
            if current is None:
                stray = _stray(questions, stray, number, line, "ANSWER line", log)
                continue
            _finish(current, labels, answer.group(1).strip(), number, log)
            questions.append(current)
            current, labels = None, []
        elif current is not None and _LOOSE_ANSWER_RE.match(line):
            log.add(
                current,
                f"line {number}: '{quote(line)}' is not an answer line: write 'ANSWER: X' "
                "in capitals with a colon",
            )
            questions.append(current)
            current, labels = None, []
        else:
            if current is not None:
                _never_answered(current, number, log)
                questions.append(current)
            stray = None
            current = QuestionData(type="single", prompt=line, line=number, text_format="plain")
            labels = []
    if current is not None:
        _never_answered(current, None, log)
        questions.append(current)
    for question in questions:
        for problem in limit_problems(question, answer_count=options_found.get(id(question))):
            log.add(question, f"line {question.line}: {problem}")
    log.finish(questions)
    return questions


def _never_answered(question: QuestionData, next_line: int | None, log: ErrorLog) -> None:
    """Report a question that no ANSWER line completed, saying where it stopped."""
    where = (
        f"before the next question starts on line {next_line} (a question's text "
        "must fit on one line)"
        if next_line is not None
        else "before the end of the file"
    )
    log.add(question, f"missing ANSWER line: no 'ANSWER: X' {where}")


def _stray(
    questions: list[QuestionData],
    stray: QuestionData | None,
    number: int,
    line: str,
    what: str,
    log: ErrorLog,
) -> QuestionData:
    """Report a line outside any question on one placeholder question per run of such lines."""
    if stray is None:
        stray = QuestionData(type="description", prompt=line, line=number, text_format="plain")
        questions.append(stray)
    log.add(stray, f"line {number}: {what} '{quote(line)}' comes before any question")
    return stray


def _finish(
    question: QuestionData, labels: list[str], answer: str, number: int, log: ErrorLog
) -> None:
    """Mark the right option, checking the question has options and the letter is one."""
    if len(question.choices) < 2:
        log.add(
            question,
            f"line {number}: a question needs at least 2 options; found {len(question.choices)}",
        )
    if not answer:
        log.add(question, f"line {number}: the ANSWER line has no letter")
        return
    letter = answer[0]
    if letter not in labels:
        among = f"{labels[0]}–{labels[-1]}" if labels else "none"
        log.add(
            question, f"line {number}: answer letter '{letter}' is not among the options ({among})"
        )
        return
    if answer[1:].strip(" .)"):
        log.add(
            question,
            f"line {number}: 'ANSWER: {quote(answer)}' must name exactly one letter (Aiken has one "
            "right answer)",
        )
        return
    index = labels.index(letter)
    choice = question.choices[index]
    question.choices[index] = Choice(text=choice.text, fraction=1.0, feedback=choice.feedback)
