"""Plain data for questions, shared by the parsers, the writer, the graders and the database.

Nothing here knows about Flask or SQLAlchemy. A parsed question becomes a stored
question version through `app.bank.types.payload`, and a stored version comes back
through `app.bank.types.from_stored`, so the graders and the GIFT writer only ever
see this one shape. Each type fills only the fields it uses (`choices` for single
choice, multiple response and short answer; `correct` and the true/false feedback;
`numeric_answers`; `pairs`); each type's module says how it stores them.

`QUESTION_TYPES` names the types (each has its module in `app.bank.types`) and
`SCORED_TYPES` the ones a learner is scored on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
    silently dropped). `lint_ok` maps an item-writing rule the question silences to
    the reason given (see `app.bank.lint.silences`).
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
    # Multiple response only: score just the exact set of right choices (GIFT tag all-or-nothing).
    all_or_nothing: bool = False
    lint_ok: dict[str, str] = field(default_factory=dict)
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
        """Count the answers, as `bank check` reports them (true/false has two)."""
        return (
            len(self.choices)
            + len(self.numeric_answers)
            + len(self.pairs)
            + (2 if self.correct is not None else 0)
        )


def _tag_value(tags: list[str], prefix: str) -> str | None:
    for tag in tags:
        if tag.startswith(prefix) and len(tag) > len(prefix):
            return tag[len(prefix) :]
    return None
