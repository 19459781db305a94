"""Instructor forms: they validate input and put each message next to its field.

One form class per question type, all sharing the common fields of `QuestionForm`.
Answer rows (choices, accepted answers, numbers, matching pairs, key terms) are
`FieldList`s of small row forms; a row whose text and feedback are empty is
ignored, so blank rows cost nothing. Rows are added and removed on the server
(see `app.instructor.authoring`), so the forms work without JavaScript.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.bank.grading import normalise_text
from app.bank.model import DIFFICULTIES
from app.bank.registry import KINDS
from app.quizzes.settings import COUNTED_SCORE_RULES

MAX_ROWS = 50
MAX_PROMPT = 10_000
MAX_ANSWER = 1_000
MAX_FEEDBACK = 5_000
MAX_LESSON_BODY = 200_000
MAX_UPLOAD_BYTES = 1024 * 1024
ANCHOR_LINE = re.compile(r"^\{#([^}]*)\}\s*$", re.MULTILINE)
ANCHOR_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,80}$")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
# Moodle-style slack on "the positive weights add up to 100%", as the GIFT reader allows.
WEIGHT_SUM_SLACK = Decimal("0.2")


def clean(text: str | None) -> str:
    """Normalise a submitted text: browser line endings, surrounding blanks."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def parse_percent(text: str | None, default: Decimal) -> Decimal:
    """Read a weight such as '50', '-25', '33.333' or '50%'; raise ValueError if unreadable."""
    text = clean(text).removesuffix("%").strip()
    if not text:
        return default
    if not _NUMBER.fullmatch(text):
        raise ValueError(text)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return value


def parse_number(text: str | None) -> float:
    """Read a number, accepting a decimal comma; raise ValueError if it is not one."""
    text = clean(text).replace(",", ".")
    if not _NUMBER.fullmatch(text):
        raise ValueError(text)
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _percent_text(value: Decimal) -> str:
    return f"{value.normalize():f}%"


# --- answer rows -------------------------------------------------------------


def check_weight(data: str | None, default: Decimal, example: str) -> None:
    """Refuse a weight that is not a percentage from -100 to 100 (blank means `default`)."""
    try:
        value = parse_percent(data, default)
    except ValueError:
        raise ValidationError(f"Write the weight as a percentage, e.g. {example}.") from None
    if not -100 <= value <= 100:
        raise ValidationError("A weight goes from -100 to 100.")


class _Row(Form):
    """A row of answer fields; the enclosing form carries the CSRF token."""

    def is_blank(self) -> bool:
        raise NotImplementedError


class ChoiceRow(_Row):
    text = StringField("Choice", validators=[Length(max=MAX_ANSWER)])
    weight = StringField("Weight %", validators=[Length(max=20)])
    feedback = StringField("Feedback", validators=[Length(max=MAX_FEEDBACK)])

    def is_blank(self) -> bool:
        return not clean(self.text.data) and not clean(self.feedback.data)

    def validate_text(self, field: StringField) -> None:
        if not clean(field.data) and (clean(self.feedback.data) or clean(self.weight.data)):
            raise ValidationError("Write the choice, or clear this row.")

    def validate_weight(self, field: StringField) -> None:
        check_weight(field.data, default=Decimal(0), example="50 or -25")


class AnswerRow(_Row):
    """An accepted short answer; '*' in it matches any text."""

    text = StringField("Accepted answer", validators=[Length(max=MAX_ANSWER)])
    weight = StringField("Weight %", default="100", validators=[Length(max=20)])
    feedback = StringField("Feedback", validators=[Length(max=MAX_FEEDBACK)])

    def is_blank(self) -> bool:
        return not clean(self.text.data) and not clean(self.feedback.data)

    def validate_text(self, field: StringField) -> None:
        if not clean(field.data) and clean(self.feedback.data):
            raise ValidationError("Write the accepted answer, or clear this row.")
        if "->" in clean(field.data):
            raise ValidationError("An answer cannot contain '->' (GIFT reads it as matching).")

    def validate_feedback(self, field: StringField) -> None:
        if "->" in clean(field.data):
            raise ValidationError("Feedback cannot contain '->' (GIFT reads it as matching).")

    def validate_weight(self, field: StringField) -> None:
        check_weight(field.data, default=Decimal(100), example="100 or 50")


class NumberRow(_Row):
    """An accepted number ± tolerance; the value '*' stands for any other number."""

    value = StringField("Number", validators=[Length(max=40)])
    tolerance = StringField("± tolerance", default="0", validators=[Length(max=40)])
    weight = StringField("Weight %", default="100", validators=[Length(max=20)])
    feedback = StringField("Feedback", validators=[Length(max=MAX_FEEDBACK)])

    def is_blank(self) -> bool:
        return not clean(self.value.data) and not clean(self.feedback.data)

    def is_any_number(self) -> bool:
        return clean(self.value.data) == "*"

    def validate_value(self, field: StringField) -> None:
        text = clean(field.data)
        if not text:
            if clean(self.feedback.data):
                raise ValidationError("Give the number, or clear this row.")
            return
        if text == "*":
            return
        try:
            parse_number(text)
        except ValueError:
            raise ValidationError(f"'{text[:40]}' is not a number.") from None

    def validate_tolerance(self, field: StringField) -> None:
        if self.is_blank() or self.is_any_number():
            return
        text = clean(field.data) or "0"
        try:
            tolerance = parse_number(text)
        except ValueError:
            raise ValidationError(f"'{text[:40]}' is not a number.") from None
        if tolerance < 0:
            raise ValidationError("The tolerance cannot be negative.")

    def validate_weight(self, field: StringField) -> None:
        check_weight(field.data, default=Decimal(100), example="100 or 50")


class PairRow(_Row):
    """A matching pair; a right side with an empty left side is a distractor."""

    left = StringField("Item", validators=[Length(max=MAX_ANSWER)])
    right = StringField("Its match", validators=[Length(max=MAX_ANSWER)])

    def is_blank(self) -> bool:
        return not clean(self.left.data) and not clean(self.right.data)

    def validate_left(self, field: StringField) -> None:
        if "->" in clean(field.data):
            raise ValidationError("An item cannot contain '->'.")

    def validate_right(self, field: StringField) -> None:
        if clean(self.left.data) and not clean(field.data):
            raise ValidationError("Give the match for this item.")


class KeyTermRow(_Row):
    term = StringField("Term", validators=[Length(max=200)])
    definition = StringField("Definition", validators=[Length(max=2_000)])

    def is_blank(self) -> bool:
        return not clean(self.term.data) and not clean(self.definition.data)

    def validate_term(self, field: StringField) -> None:
        if not clean(field.data) and clean(self.definition.data):
            raise ValidationError("Give the term, or clear this row.")

    def validate_definition(self, field: StringField) -> None:
        if clean(self.term.data) and not clean(field.data):
            raise ValidationError("Give the definition.")


def filled(rows: FieldList) -> list[tuple[int, Any]]:
    """Return (index, row form) for every row that is not blank."""
    return [(index, entry.form) for index, entry in enumerate(rows) if not entry.form.is_blank()]


def _rows(row: type[_Row], label: str, blank_rows: int) -> FieldList:
    return FieldList(FormField(row), label=label, min_entries=blank_rows, max_entries=MAX_ROWS)


def _duplicates(texts: list[str]) -> bool:
    folded = [normalise_text(text) for text in texts]
    return len(set(folded)) != len(folded)


# --- questions ---------------------------------------------------------------


class QuestionForm(FlaskForm):
    """The fields every question type has."""

    kind: ClassVar[str]
    rows_name: ClassVar[str | None] = None

    title = StringField(
        "Title",
        description="A short name for the bank; learners do not see it.",
        validators=[Optional(), Length(max=200)],
    )
    prompt = TextAreaField(
        "Question", validators=[DataRequired("Write the question."), Length(max=MAX_PROMPT)]
    )
    general_feedback = TextAreaField(
        "General feedback",
        description="Shown to every learner with the result.",
        validators=[Optional(), Length(max=MAX_FEEDBACK)],
    )
    difficulty = SelectField(
        "Difficulty",
        choices=[SelectChoice("", "Not set")]
        + [SelectChoice(d, d.capitalize()) for d in DIFFICULTIES],
        default="medium",
        invalid_choice_message="Choose easy, medium or hard.",
    )
    anchor = SelectField(
        "Lesson paragraph it tests",
        choices=[SelectChoice("", "— none —")],
        invalid_choice_message="Choose one of the lesson's paragraphs.",
    )
    base_version = HiddenField()
    preview = SubmitField("Preview")
    add_row = SubmitField("Add another row")
    submit = SubmitField("Save question")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Problems that belong to no single field (shown above the form).
        self.problems: list[str] = []


class SingleForm(QuestionForm):
    kind = "single"
    rows_name = "choices"
    choices = _rows(ChoiceRow, "Choices", 4)
    correct = RadioField("Correct choice", choices=[], validate_choice=False)

    def validate_choices(self, field: FieldList) -> None:
        rows = filled(field)
        if len(rows) < 2:
            raise ValidationError("Give at least two choices.")
        if _duplicates([clean(row.text.data) for _, row in rows]):
            raise ValidationError("Two choices say the same thing; make each choice different.")

    def validate_correct(self, field: RadioField) -> None:
        value = field.data or ""
        if not value:
            raise ValidationError("Mark which choice is correct.")
        if not value.isdigit() or int(value) >= len(self.choices.entries):
            raise ValidationError("Mark one of the choices as correct.")
        row = self.choices.entries[int(value)].form
        if row.is_blank() or not clean(row.text.data):
            raise ValidationError("The choice marked correct is empty.")
        if clean(row.weight.data) and clean(row.weight.data).removesuffix("%") != "100":
            raise ValidationError(
                "The correct choice is worth 100%: leave its weight empty "
                "(weights give partial credit to the other choices)."
            )


class MultiForm(QuestionForm):
    kind = "multi"
    rows_name = "choices"
    choices = _rows(ChoiceRow, "Choices", 5)

    def validate_choices(self, field: FieldList) -> None:
        rows = filled(field)
        if len(rows) < 2:
            raise ValidationError("Give at least two choices.")
        if _duplicates([clean(row.text.data) for _, row in rows]):
            raise ValidationError("Two choices say the same thing; make each choice different.")
        try:
            weights = [parse_percent(row.weight.data, Decimal(0)) for _, row in rows]
        except ValueError:
            return  # the row says which weight it cannot read
        positive = sum((w for w in weights if w > 0), Decimal(0))
        if positive == 0:
            raise ValidationError(
                "No correct choice: give each right choice a positive weight (e.g. 50 and 50)."
            )
        if abs(positive - 100) > WEIGHT_SUM_SLACK:
            raise ValidationError(
                f"The positive weights add up to {_percent_text(positive)}, not 100%: "
                "a learner who picks every right choice must get full marks."
            )


class TrueFalseForm(QuestionForm):
    kind = "truefalse"
    correct = RadioField(
        "The statement is",
        choices=[SelectChoice("true", "True"), SelectChoice("false", "False")],
        validate_choice=False,
    )
    feedback_true = StringField(
        "Feedback for answering True", validators=[Optional(), Length(max=MAX_FEEDBACK)]
    )
    feedback_false = StringField(
        "Feedback for answering False", validators=[Optional(), Length(max=MAX_FEEDBACK)]
    )

    def validate_correct(self, field: RadioField) -> None:
        if field.data not in ("true", "false"):
            raise ValidationError("Say whether the statement is true or false.")


class ShortForm(QuestionForm):
    kind = "short"
    rows_name = "answers"
    answers = _rows(AnswerRow, "Accepted answers", 3)

    def validate_answers(self, field: FieldList) -> None:
        rows = filled(field)
        if not rows:
            raise ValidationError("Give at least one accepted answer.")
        if _duplicates([clean(row.text.data) for _, row in rows]):
            raise ValidationError("Two answers are the same; each accepted answer must differ.")
        try:
            best = max(parse_percent(row.weight.data, Decimal(100)) for _, row in rows)
        except ValueError:
            return
        _check_full_marks(best)


class NumericalForm(QuestionForm):
    kind = "numerical"
    rows_name = "answers"
    answers = _rows(NumberRow, "Accepted numbers", 2)

    def validate_answers(self, field: FieldList) -> None:
        rows = [row for _, row in filled(field) if not row.is_any_number()]
        if not rows:
            raise ValidationError("Give at least one accepted number.")
        try:
            best = max(parse_percent(row.weight.data, Decimal(100)) for row in rows)
            values = [(parse_number(row.value.data), clean(row.tolerance.data)) for row in rows]
        except ValueError:
            return
        if len(set(values)) != len(values):
            raise ValidationError("Two rows accept the same number; remove one.")
        _check_full_marks(best)


class MatchingForm(QuestionForm):
    kind = "matching"
    rows_name = "pairs"
    pairs = _rows(PairRow, "Pairs", 4)

    def validate_pairs(self, field: FieldList) -> None:
        rows = filled(field)
        items = [clean(row.left.data) for _, row in rows if clean(row.left.data)]
        if len(items) < 2:
            raise ValidationError(
                "Give at least 2 pairs with an item and its match "
                f"(found {len(items)}); a match without an item is only a distractor."
            )
        if _duplicates(items):
            raise ValidationError("Two items are the same; each item must differ.")
        pairs = [(clean(row.left.data), clean(row.right.data)) for _, row in rows]
        if len({(normalise_text(a), normalise_text(b)) for a, b in pairs}) != len(pairs):
            raise ValidationError("Two rows are the same; remove one.")


class DescriptionForm(QuestionForm):
    kind = "description"

    prompt = TextAreaField(
        "Text", validators=[DataRequired("Write the text."), Length(max=MAX_PROMPT)]
    )


class EssayForm(DescriptionForm):
    kind = "essay"

    prompt = TextAreaField(
        "Question", validators=[DataRequired("Write the question."), Length(max=MAX_PROMPT)]
    )


def _check_full_marks(best: Decimal) -> None:
    if best <= 0:
        raise ValidationError("No correct answer: give one answer a weight of 100.")
    if best < 100:
        raise ValidationError(
            f"No answer earns full marks: the best is worth {_percent_text(best)}. "
            "Give one answer a weight of 100."
        )


QUESTION_FORMS: dict[str, type[QuestionForm]] = {
    form.kind: form
    for form in (
        SingleForm,
        MultiForm,
        TrueFalseForm,
        ShortForm,
        NumericalForm,
        MatchingForm,
        DescriptionForm,
        EssayForm,
    )
}
# The types an instructor can create here (essays are only kept from imports).
AUTHORED_TYPES = ("single", "multi", "truefalse", "short", "numerical", "matching", "description")
assert set(QUESTION_FORMS) == set(KINDS)


# --- the bank's filters --------------------------------------------------------

STATUS_CHOICES = [
    SelectChoice("", "Any status"),
    SelectChoice("active", "Active"),
    SelectChoice("retired", "Retired"),
]
NO_DIFFICULTY = "none"


class BankFilterForm(FlaskForm):
    """Filters of the bank pages, read from the query string."""

    class Meta:
        csrf = False

    q = StringField("Search question text", validators=[Optional(), Length(max=200)])
    type = SelectField(
        "Type",
        choices=[SelectChoice("", "Any type")]
        + [SelectChoice(name, kind.label) for name, kind in KINDS.items()],
        validators=[Optional()],
    )
    difficulty = SelectField(
        "Difficulty",
        choices=[SelectChoice("", "Any difficulty")]
        + [SelectChoice(d, d.capitalize()) for d in DIFFICULTIES]
        + [SelectChoice(NO_DIFFICULTY, "Not set")],
        validators=[Optional()],
    )
    status = SelectField("Status", choices=STATUS_CHOICES, validators=[Optional()])

    def filters(self) -> dict[str, str | None]:
        """Return the chosen filters, None for 'any'."""
        return {
            "type": self.type.data or None,
            "difficulty": self.difficulty.data or None,
            "status": self.status.data or None,
            "text": clean(self.q.data) or None,
        }


# --- lessons -------------------------------------------------------------------


class LessonTextForm(FlaskForm):
    title = StringField(
        "Title", validators=[DataRequired("Give the lesson a title."), Length(max=200)]
    )
    objectives = TextAreaField(
        "Objectives",
        description="One per line; learners read them as 'In this lesson you will…'.",
        validators=[Optional(), Length(max=10_000)],
    )
    body_md = TextAreaField(
        "Lesson text (Markdown)",
        description=(
            "A line '{#name}' right above a paragraph gives it an anchor that questions "
            "can point at (lowercase letters, digits and hyphens)."
        ),
        validators=[DataRequired("Write the lesson text."), Length(max=MAX_LESSON_BODY)],
        render_kw={"rows": 24, "spellcheck": "true"},
    )
    key_terms = _rows(KeyTermRow, "Key terms", 2)
    summary = TextAreaField(
        "Summary", validators=[Optional(), Length(max=10_000)], render_kw={"rows": 5}
    )
    base = HiddenField()
    preview = SubmitField("Preview")
    add_row = SubmitField("Add another row")
    submit = SubmitField("Save lesson")
    rows_name: ClassVar[str] = "key_terms"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Anchors questions point at, with those questions' ids (set by the view).
        self.anchors_in_use: dict[str, list[str]] = {}
        self.problems: list[str] = []

    def objective_list(self) -> list[str]:
        return [line.strip() for line in clean(self.objectives.data).split("\n") if line.strip()]

    def validate_objectives(self, field: TextAreaField) -> None:
        lines = self.objective_list()
        if len(lines) > 30:
            raise ValidationError("Keep it to 30 objectives or fewer.")
        if any(len(line) > 500 for line in lines):
            raise ValidationError("Keep each objective under 500 characters.")

    def validate_body_md(self, field: TextAreaField) -> None:
        body = clean(field.data)
        seen: set[str] = set()
        for match in ANCHOR_LINE.finditer(body):
            anchor = match.group(1)
            if not ANCHOR_ID.match(anchor):
                raise ValidationError(
                    f"The anchor '{{#{anchor[:40]}}}' must be lowercase letters, digits and "
                    "hyphens, starting with a letter or digit."
                )
            if anchor in seen:
                raise ValidationError(f"The anchor '{{#{anchor}}}' appears twice.")
            seen.add(anchor)
        missing = sorted(set(self.anchors_in_use) - seen)
        if missing:
            anchor = missing[0]
            uids = ", ".join(self.anchors_in_use[anchor][:5])
            raise ValidationError(
                f"The anchor '{{#{anchor}}}' is used by question(s) {uids}: keep it, or "
                "point those questions at another paragraph first."
            )


SCORE_RULE_LABELS = {
    "highest": "The highest attempt",
    "last": "The last attempt",
    "first": "The first attempt",
    "average": "The average of all attempts",
}


class QuizSettingsForm(FlaskForm):
    """Quiz settings as typed; `validate_settings` judges the values (see the view)."""

    pass_mark = StringField("Pass mark (%)", validators=[Length(max=20)])
    max_attempts = StringField(
        "Attempts allowed", description="0 means unlimited.", validators=[Length(max=20)]
    )
    time_limit_minutes = StringField(
        "Time limit (minutes)", description="0 means no limit.", validators=[Length(max=20)]
    )
    draw = StringField(
        "Questions drawn per attempt",
        description="0 means every active question.",
        validators=[Length(max=20)],
    )
    shuffle_questions = BooleanField("Shuffle the questions")
    shuffle_choices = BooleanField("Shuffle the choices")
    counted_score = SelectField(
        "Score that counts",
        choices=[
            SelectChoice(rule, SCORE_RULE_LABELS.get(rule, rule)) for rule in COUNTED_SCORE_RULES
        ],
        validate_choice=False,
    )
    base = HiddenField()
    submit = SubmitField("Save settings")

    # Upper bounds the quiz pages can honour (a longer time limit overflows dates).
    LIMITS: ClassVar[dict[str, int]] = {
        "max_attempts": 1_000,
        "time_limit_minutes": 7 * 24 * 60,
        "draw": 1_000,
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.problems: list[str] = []

    def values(self) -> dict[str, Any]:
        """Return the typed values, numbers where they read as numbers (else the text)."""
        values: dict[str, Any] = {
            "pass_mark": _maybe_number(self.pass_mark.data, float),
            "shuffle_questions": bool(self.shuffle_questions.data),
            "shuffle_choices": bool(self.shuffle_choices.data),
            "counted_score": self.counted_score.data,
        }
        for name in self.LIMITS:
            values[name] = _maybe_number(getattr(self, name).data, int)
        return values

    def add_problems(self, problems: list[str]) -> None:
        """Put each problem from `validate_settings` next to the field it names."""
        fields = {name.replace("_", " "): getattr(self, name) for name in self.values()}
        for problem in problems:
            field = next((f for label, f in fields.items() if problem.startswith(label)), None)
            if field is None:
                self.problems.append(problem)
            else:
                field.errors = [*field.errors, problem[0].upper() + problem[1:] + "."]
        for name, limit in self.LIMITS.items():
            value = self.values()[name]
            field = getattr(self, name)
            if isinstance(value, int) and value > limit and not field.errors:
                field.errors = [*field.errors, f"Keep it at {limit} or less."]
        self._errors = None  # the errors above were added after validation


def _maybe_number(text: str | None, kind: type) -> Any:
    text = clean(text).replace(",", ".")
    if kind is int and re.fullmatch(r"[+-]?\d{1,9}", text):
        return int(text)
    if kind is float and _NUMBER.fullmatch(text):
        return float(text)
    return text


# --- import ----------------------------------------------------------------------


class ImportForm(FlaskForm):
    file = FileField("Question file", description="GIFT or Aiken text, UTF-8, at most 1 MB.")
    format = RadioField(
        "Format",
        choices=[SelectChoice("gift", "GIFT (Moodle)"), SelectChoice("aiken", "Aiken")],
        default="gift",
        invalid_choice_message="Choose GIFT or Aiken.",
    )
    fresh_ids = BooleanField("Give questions whose id is already taken a new id")
    submit = SubmitField("Upload and preview")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.text = ""  # the file's text, once it validated

    def validate_file(self, field: FileField) -> None:
        storage = field.data
        if not isinstance(storage, FileStorage) or not storage.filename:
            raise ValidationError("Choose a file to upload.")
        raw = storage.stream.read(MAX_UPLOAD_BYTES + 1)
        if len(raw) > MAX_UPLOAD_BYTES:
            raise ValidationError("The file is larger than 1 MB: split it into smaller files.")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b"\n") + 1
            raise ValidationError(
                f"The file is not UTF-8 text (line {line} has a byte UTF-8 does not allow): "
                "save it as UTF-8 and upload it again."
            ) from None
        if "\x00" in text:
            raise ValidationError("The file is not a text file.")
        if not text.strip():
            raise ValidationError("The file is empty: it has no questions.")
        self.text = text
