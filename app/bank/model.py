"""Plain data for questions, shared by the parsers, the writer, the graders and the database.

Nothing here knows about Flask or SQLAlchemy. A parsed question becomes a stored
question version through `QuestionData.payload()`, and a stored version comes back
through `QuestionData.from_stored()`, so the graders and the GIFT writer only ever
see this one shape.

The payload of each type (JSON-able, stored in `question_versions.payload`):

- ``single`` / ``multi``: ``{"choices": [{"text", "fraction", "feedback"}]}``.
  ``fraction`` is the share of the points for picking that choice, from -1.0 to 1.0.
- ``truefalse``: ``{"correct": bool, "feedback_true": str, "feedback_false": str}``;
  ``feedback_true`` is shown to a learner who answered *true*.
- ``short``: ``{"answers": [{"text", "fraction", "feedback"}]}``.
- ``numerical``: ``{"answers": [{"value", "tolerance", "fraction", "feedback"}]}``;
  a range ``{#1..5}`` is stored as value 3, tolerance 2 (as Moodle does).
- ``matching``: ``{"pairs": [{"left", "right"}]}``; a pair with an empty ``left`` is
  a distractor: its ``right`` is offered in every row but matches no question.
- ``description`` and ``essay``: ``{}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

QUESTION_TYPES = (
    "single",
    "multi",
    "truefalse",
    "short",
    "numerical",
    "matching",
    "description",
    "essay",
)
# Types a learner can be scored on here. Essay is parsed but not gradable.
SCORED_TYPES = frozenset({"single", "multi", "truefalse", "short", "numerical", "matching"})
DIFFICULTIES = ("easy", "medium", "hard")


@dataclass(frozen=True)
class Choice:
    """An answer of a single/multi choice or short-answer question."""

    text: str
    fraction: float
    feedback: str = ""


@dataclass(frozen=True)
class MatchPair:
    """A matching row; an empty `left` marks a distractor answer."""

    left: str
    right: str

    @property
    def is_distractor(self) -> bool:
        """Tell a right side offered in every row that matches no item."""
        return not self.left.strip()


@dataclass(frozen=True)
class NumericAnswer:
    """One accepted numerical answer: `value` ± `tolerance` earns `fraction`."""

    value: float
    tolerance: float
    fraction: float
    feedback: str = ""


@dataclass
class QuestionData:
    """One question as read from a file or a form, before or after storage.

    `line` is the 1-based line where the question starts in its file (0 when it
    did not come from a file). `errors` make the question unusable; `warnings`
    are things Moodle would read that we keep but cannot use (reported, never
    silently dropped).
    """

    type: str
    prompt: str
    title: str = ""
    id: str | None = None
    line: int = 0
    text_format: str = "markdown"
    choices: list[Choice] = field(default_factory=list)
    correct: bool | None = None
    feedback_true: str = ""
    feedback_false: str = ""
    numeric_answers: list[NumericAnswer] = field(default_factory=list)
    pairs: list[MatchPair] = field(default_factory=list)
    general_feedback: str = ""
    tags: list[str] = field(default_factory=list)
    category: str | None = None
    points: float = 1.0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def difficulty(self) -> str | None:
        """Read the difficulty from a ``difficulty-<level>`` tag."""
        return _tag_value(self.tags, "difficulty-")

    @property
    def anchor(self) -> str | None:
        """Read the lesson paragraph it tests from an ``anchor-<id>`` tag."""
        return _tag_value(self.tags, "anchor-")

    @property
    def answer_count(self) -> int:
        """Count the answers, as `bank check` reports them."""
        if self.type in ("single", "multi", "short"):
            return len(self.choices)
        if self.type == "truefalse":
            return 2
        if self.type == "numerical":
            return len(self.numeric_answers)
        if self.type == "matching":
            return len(self.pairs)
        return 0

    def payload(self) -> dict[str, Any]:
        """Return the JSON-able, type-specific answer data stored with a version."""
        if self.type in ("single", "multi"):
            return {"choices": [_choice_dict(c) for c in self.choices]}
        if self.type == "short":
            return {"answers": [_choice_dict(c) for c in self.choices]}
        if self.type == "truefalse":
            return {
                "correct": bool(self.correct),
                "feedback_true": self.feedback_true,
                "feedback_false": self.feedback_false,
            }
        if self.type == "numerical":
            return {
                "answers": [
                    {
                        "value": a.value,
                        "tolerance": a.tolerance,
                        "fraction": a.fraction,
                        "feedback": a.feedback,
                    }
                    for a in self.numeric_answers
                ]
            }
        if self.type == "matching":
            return {"pairs": [{"left": p.left, "right": p.right} for p in self.pairs]}
        return {}

    @classmethod
    def from_stored(
        cls, type: str, prompt: str, payload: dict[str, Any], **fields: Any
    ) -> QuestionData:
        """Rebuild a question from a stored version's type, prompt and payload."""
        question = cls(type=type, prompt=prompt, **fields)
        if type in ("single", "multi"):
            question.choices = [Choice(**c) for c in payload.get("choices", [])]
        elif type == "short":
            question.choices = [Choice(**c) for c in payload.get("answers", [])]
        elif type == "truefalse":
            question.correct = bool(payload.get("correct"))
            question.feedback_true = payload.get("feedback_true", "")
            question.feedback_false = payload.get("feedback_false", "")
        elif type == "numerical":
            question.numeric_answers = [NumericAnswer(**a) for a in payload.get("answers", [])]
        elif type == "matching":
            question.pairs = [MatchPair(**p) for p in payload.get("pairs", [])]
        return question


def _choice_dict(choice: Choice) -> dict[str, Any]:
    return {"text": choice.text, "fraction": choice.fraction, "feedback": choice.feedback}


def _tag_value(tags: list[str], prefix: str) -> str | None:
    for tag in tags:
        if tag.startswith(prefix) and len(tag) > len(prefix):
            return tag[len(prefix) :]
    return None
