"""The item-writing linter: pure functions that say how a question can be answered
without knowing the answer.

Three scopes, each in its own module:

- `items`: one question on its own; rules are keyed by question type
  (each type's registry entry, `lint_rules`, says which apply);
- `quiz`: one lesson's bank (true/false balance, key positions);
- `course`: questions against each other, within a quiz and across the course
  (one question answering another, near-duplicate stems), since the final exam
  mixes every lesson's questions.

`lint_quiz` and `lint_course` run them all; `silences.split` then sets aside the
findings a question silenced with a ``// lint-ok: rule — reason`` comment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from app.bank.lint import course, items, quiz, silences
from app.bank.lint.findings import Finding, Rule
from app.bank.lint.silences import Silenced, split
from app.bank.model import QuestionData

__all__ = [
    "RULES",
    "Finding",
    "Rule",
    "Silenced",
    "lint_course",
    "lint_one",
    "lint_question",
    "lint_quiz",
    "shuffle_off_warnings",
    "split",
]

RULES: dict[str, Rule] = {**items.RULES, **quiz.RULES, **course.RULES, **silences.RULES}

lint_question = items.lint_question
shuffle_off_warnings = quiz.shuffle_off_warnings


def _lint_bank(questions: Sequence[QuestionData], name: str | None) -> list[Finding]:
    """Run the question and quiz rules, and check the silences, of one bank."""
    findings: list[Finding] = []
    for question in questions:
        findings.extend(items.lint_question(question))
        findings.extend(silences.check_silences(question, RULES))
    for rule in quiz.QUIZ_RULES:
        findings.extend(rule(questions))
    return [replace(finding, quiz=name) for finding in findings]


def lint_quiz(questions: Sequence[QuestionData], name: str | None = None) -> list[Finding]:
    """Lint one quiz: each question, the quiz as a whole, and its questions against each other."""
    return _lint_bank(questions, name) + course.lint_across({name: questions})


def lint_course(quizzes: Mapping[str, Sequence[QuestionData]]) -> list[Finding]:
    """Lint every quiz, then every question against every other across the course."""
    findings: list[Finding] = []
    for name, questions in quizzes.items():
        findings.extend(_lint_bank(questions, name))
    return findings + course.lint_across(quizzes)


def lint_one(
    question: QuestionData,
    quizzes: Mapping[str, Sequence[QuestionData]],
    quiz: str,
) -> tuple[list[Finding], list[Silenced]]:
    """Lint one question as it would stand in `quiz` among the course's other questions.

    The editor and the import preview call this: the question's own rules, its quiz's
    rules and the checks against every other question (the final exam mixes them all),
    keeping only the findings about this question, split into those still in force and
    those its silences set aside. A stored question with the same id is replaced.
    """
    placed = {
        name: [q for q in questions if question.id is None or q.id != question.id]
        for name, questions in quizzes.items()
    }
    placed[quiz] = [*placed.get(quiz, []), question]
    about_it = [
        finding
        for finding in lint_course(placed)
        if any(subject is question for subject in finding.subjects)
    ]
    return split(about_it)
