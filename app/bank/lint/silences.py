"""Silences: a question may switch one rule off with a reason, as a GIFT comment.

    // lint-ok: key-length — the key is the treaty's full name; shortening it misleads

The separator between the rule and the reason may be an em dash, an en dash, a
hyphen or a colon. A silence naming no known rule, or giving no reason, silences
nothing and is itself reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.bank.lint.findings import Finding, Rule
from app.bank.model import QuestionData

__all__ = ["RULES", "Silenced", "check_silences", "format_silence", "parse_silence", "split"]

MARK = "lint-ok"
MAX_REASON = 300
_RULE_ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*", re.ASCII | re.IGNORECASE)
_SEPARATORS = ("—", "–", "-", ":")

RULES = {
    rule.id: rule
    for rule in (
        Rule("lint-ok-unknown-rule", "question", "A lint-ok comment names no known rule."),
        Rule("lint-ok-no-reason", "question", "A lint-ok comment gives no reason."),
    )
}


def parse_silence(comment: str) -> tuple[str, str] | None:
    """Read '// lint-ok: rule — reason' into (rule, reason); None for any other comment.

    The rule is "" when none is named and the reason "" when none is given: the
    linter reports both.
    """
    text = comment.strip()
    if not text.startswith("//"):
        return None
    text = text[2:].strip()
    if text[: len(MARK)].casefold() != MARK:
        return None
    rest = text[len(MARK) :].strip()
    rest = rest.removeprefix(":").strip()
    match = _RULE_ID_RE.match(rest)
    rule = match.group(0).lower() if match else ""
    rest = rest[len(rule) :].strip()
    for separator in _SEPARATORS:
        if rest.startswith(separator):
            rest = rest[len(separator) :].strip()
            break
    return rule, rest[:MAX_REASON]


def format_silence(rule: str, reason: str) -> str:
    """Write a silence as the comment `parse_silence` reads back."""
    return f"// {MARK}: {rule} — {reason}"


def check_silences(question: QuestionData, known: Mapping[str, Rule]) -> list[Finding]:
    """Report a question's silences that name no known rule or give no reason."""
    findings = []
    for rule, reason in question.lint_ok.items():
        if rule not in known or rule in RULES:
            findings.append(
                Finding(
                    "lint-ok-unknown-rule",
                    f"'lint-ok: {rule or '(no rule)'}' names no rule this linter has, so it "
                    "silences nothing. Name one of the rules `bank check` reports.",
                    {"rule": rule, "reason": reason},
                    subjects=(question,),
                )
            )
        elif not reason:
            findings.append(
                Finding(
                    "lint-ok-no-reason",
                    f"'lint-ok: {rule}' gives no reason, so it silences nothing. Say why the "
                    f"rule does not apply: '// lint-ok: {rule} — why'.",
                    {"rule": rule},
                    subjects=(question,),
                )
            )
    return findings


@dataclass(frozen=True)
class Silenced:
    """A finding a question silenced, with the reason it gave."""

    finding: Finding
    reason: str

    def as_dict(self) -> dict[str, object]:
        """Return the JSON-able form: the finding plus the reason."""
        return {**self.finding.as_dict(), "reason": self.reason}


def _reason(finding: Finding) -> str | None:
    """Return the reason of the first subject that silences the finding's rule, if any."""
    if finding.rule in RULES:
        return None
    for question in finding.subjects:
        reason = question.lint_ok.get(finding.rule)
        if reason:
            return reason
    return None


def split(findings: Iterable[Finding]) -> tuple[list[Finding], list[Silenced]]:
    """Separate the findings still standing from those a question silenced with a reason."""
    active: list[Finding] = []
    silenced: list[Silenced] = []
    for finding in findings:
        reason = _reason(finding)
        if reason is None:
            active.append(finding)
        else:
            silenced.append(Silenced(finding, reason))
    return active, silenced
