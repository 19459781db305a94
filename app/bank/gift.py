"""Read and write Moodle's GIFT question format.

`parse_gift` reads what Moodle's importer (``question/format/gift/format.php``)
reads, the same way, but never raises on bad input: every problem becomes an
error on the question it belongs to, naming the line, so one bad question never
hides the others. Things Moodle reads but this app cannot use become warnings.

`write_gift` writes text that Moodle imports and that `parse_gift` reads back
into equal questions (every field except `line`); each question type writes its
own answer block (`app.bank.types`), with the pieces of `app.bank.gift_syntax`.

How a file is read (as Moodle does):

- Questions are separated by blank lines. Lines starting with ``//`` are comments;
  ``[id:…]`` and ``[tag:…]`` in them give the question's id and tags. Two are ours:
  ``[tag:all-or-nothing]`` makes a multiple-response question score only for the
  exact set of right answers, and ``// lint-ok: rule — reason`` silences one
  item-writing rule (see `app.bank.lint.silences`).
- ``$CATEGORY: name`` sets the category of the questions that follow it.
- ``::title::`` names a question; ``[html]``, ``[plain]``, ``[moodle]`` or
  ``[markdown]`` starts a text with its format (markdown when none is given).
- The answers sit in one ``{…}``. Text after the braces makes a missing-word
  question: the prompt keeps ``_____`` where the braces were.
- ``\\~ \\= \\# \\{ \\} \\: \\\\`` are literal characters and ``\\n`` a new line.

Where we differ from Moodle, on purpose: a numerical answer that is not a number
(Moodle then accepts any number), weights that are not numbers or lie outside
-100%..100%, text before the first answer, several answer blocks, multiple-response
weights not adding up to 100% or letting a learner who ticks every box score while
some choice is wrong, and answers worth less than full marks are errors.
Also ours: every question keeps the editor's size limits (`app.bank.limits`), a
question lists at most 20 errors and a file 100 (then one per bad question), and
reading takes time linear in the file (`app.bank.reading`): the timing tests in
``tests/unit/bank/test_linear_time.py`` hold it to that.
Warnings: ``[moodle]`` auto-format, a differing ``[format]`` on an answer or
feedback (we keep one format per question), essays (not gradable), an unused
``$CATEGORY``, an ``[id:]`` comment cut off by a blank line, ``{true}`` in lower
case (a short answer, as in Moodle), a ``#`` inside a matching pair, and text after
``}`` on a later line (a missing-word question, perhaps by mistake).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal

from app.bank.gift_syntax import BLANK, DEFAULT_FORMAT, TEXT_FORMATS, escape
from app.bank.gift_syntax import FALSE_WORDS as _FALSE_WORDS
from app.bank.gift_syntax import TRUE_WORDS as _TRUE_WORDS
from app.bank.gift_syntax import split_format as _split_format
from app.bank.grading import ANY_NUMBER_TOLERANCE, is_any_number
from app.bank.limits import MAX_ROWS, limit_problems
from app.bank.lint.silences import format_silence, parse_silence
from app.bank.model import Choice, MatchPair, NumericAnswer, QuestionData
from app.bank.numbers import NUMBER as _NUMBER_RE
from app.bank.numbers import WEIGHT_SUM_SLACK as _WEIGHT_SUM_SLACK
from app.bank.reading import ErrorLog, LineIndex, quote
from app.bank.types import question_type
from app.bank.types.multi import tick_everything_problem

__all__ = ["BLANK", "TEXT_FORMATS", "parse_gift", "write_gift"]


# Escaped characters are swapped for Unicode noncharacters (never found in real
# text) while the structure is read, and swapped back into the texts at the end.
_ESCAPED = {
    "\\": "\ufdd0",
    ":": "\ufdd1",
    "#": "\ufdd2",
    "=": "\ufdd3",
    "{": "\ufdd4",
    "}": "\ufdd5",
    "~": "\ufdd6",
    "n": "\ufdd7",
}
_RESTORE = str.maketrans(
    {hidden: ("\n" if char == "n" else char) for char, hidden in _ESCAPED.items()}
)
_ESCAPE_RE = re.compile(r"\\([\\:#={}~n])")
# The id and tag tokens of Moodle's extract_idnumber_and_tags_from_comment().
_ID_RE = re.compile(r"\[id:((?:\\\]|[^\]\x00-\x1f\x7f])+)\]")
_TAG_RE = re.compile(r"\[tag:((?:\\\]|[^\]<>`\x00-\x1f\x7f])*)\]")
_MARKS = {marks: re.compile(f"[{marks}]") for marks in ("~=", "=")}
_LINE_NUMBER_RE = re.compile(r"\bline (\d+)\b")
# The characters neither token may contain: where a failed token's search must stop.
_ID_STOP = re.compile(r"[\x00-\x1f\x7f]")
_TAG_STOP = re.compile(r"[<>`\x00-\x1f\x7f]")


def parse_gift(text: str, max_questions: int | None = None) -> list[QuestionData]:
    """Read every question of a GIFT file in order, reporting problems instead of raising.

    With `max_questions`, reading stops after `max_questions + 1` questions: the
    caller refuses a file with more, and a file of a hundred thousand questions
    costs no more than one of a few hundred.
    """
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    questions: list[QuestionData] = []
    pending: list[tuple[str, str]] = []  # ("error" | "warning", message) for the next question
    category: str | None = None
    category_line = 0
    category_used = True
    log = ErrorLog()

    def add(question: QuestionData) -> None:
        """Attach the pending file-level notes to the question and keep it."""
        nonlocal category_used
        for kind, message in pending:
            (question.errors if kind == "error" else question.warnings).append(message)
        pending.clear()
        category_used = True
        questions.append(question)

    for block in _blocks(lines):
        if max_questions is not None and len(questions) > max_questions:
            break
        comments: list[tuple[int, str]] = []
        body: list[tuple[int, str]] = []
        for number, line in block:
            (comments if _is_comment(line) else body).append((number, line))
        if not body:
            note = _stray_comment_note(comments)
            if note:
                pending.append(("warning", note))
            continue
        first_number, first_line = body[0]
        if first_line.strip().startswith("$CATEGORY:"):
            if not category_used:
                pending.append(("warning", _unused_category(category, category_line)))
            category = first_line.strip()[len("$CATEGORY:") :].strip()
            category_line = first_number
            category_used = False
            rest = body[1:]
            if not rest:
                note = _stray_comment_note(comments)
                if note:
                    pending.append(("warning", note))
                continue
            question = _parse_question(block, rest, comments, category, log)
            log.add(
                question,
                f"no blank line after '$CATEGORY:' on line {first_number}: "
                "Moodle would read this question as part of the category name",
            )
            add(question)
            continue
        add(_parse_question(block, body, comments, category, log))

    if not category_used:
        pending.append(("warning", _unused_category(category, category_line)))
    if pending:
        if questions:
            last = questions[-1]
            for kind, message in pending:
                (last.errors if kind == "error" else last.warnings).append(message)
        else:
            orphan = QuestionData(type="description", prompt="", line=1)
            orphan.errors.append("the file has no question")
            orphan.warnings.extend(message for _, message in pending)
            questions.append(orphan)
    _check_duplicate_ids(questions, log)
    log.finish(questions)
    return questions


def write_gift(questions: Iterable[QuestionData]) -> str:
    """Write questions as GIFT that Moodle imports and `parse_gift` reads back unchanged.

    Raises ValueError for a question GIFT cannot express (for example a matching
    left side containing '->'), since writing it anyway would change its meaning.
    """
    parts: list[str] = []
    category: str | None = None
    for question in questions:
        if question.category is not None and question.category != category:
            if "\n" in question.category or "\r" in question.category:
                raise ValueError(f"category {question.category!r} must fit on one line")
            parts.append(f"$CATEGORY: {question.category}")
            category = question.category
        parts.append(_write_question(question))
    return "\n\n".join(parts) + "\n" if parts else ""


# --- reading ---------------------------------------------------------------


def _blocks(lines: list[str]) -> Iterator[list[tuple[int, str]]]:
    """Split the file on blank lines, keeping 1-based line numbers, as Moodle does."""
    current: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            current.append((number, line))
        elif current:
            yield current
            current = []
    if current:
        yield current


def _tokens(prefix: str, stop: re.Pattern[str], line: str, allow_empty: bool) -> Iterator[str]:
    """Yield the content of each '[id:…]' or '[tag:…]' token, as Moodle's pattern finds them.

    Moodle's pattern (`_ID_RE`, `_TAG_RE`) tries again at every later '[tag:' after
    one fails, each try reading on to the same end of the line: quadratic in a
    comment of repeated '[tag:'. What it finds can be said without retrying: a
    token ends at the first ']' not escaped as '\\]'; when a character a token
    cannot hold (`stop`) comes first, at the last ']' before that character; with
    no ']' there, neither this try nor any before that character succeeds. The
    next stop character and the next unescaped ']' are each found once, going
    forwards, so the whole line is read a bounded number of times.
    """
    length = len(line)
    position = 0
    next_stop = next_close = -1
    while (start := line.find(prefix, position)) >= 0:
        content = start + len(prefix)
        if next_stop < content:
            found = stop.search(line, content)
            next_stop = found.start() if found else length
        if next_close < content:
            next_close = _unescaped_close(line, content)
        # Before the next stop character: the first unescaped ']', else the last (escaped) one.
        end = next_close if next_close < next_stop else line.rfind("]", content, next_stop)
        if end < 0:
            position = next_stop + 1
        elif end == content and not allow_empty:
            position = content + 1
        else:
            yield line[content:end]
            position = end + 1


def _unescaped_close(line: str, start: int) -> int:
    """Find the first ']' from `start` that no backslash escapes (the line's length if none).

    `start` follows the ':' of a token's prefix, so a ']' right there is never escaped.
    """
    at = line.find("]", start)
    while at > start and line[at - 1] == "\\":
        at = line.find("]", at + 1)
    return len(line) if at < 0 else at


def _ids(line: str) -> Iterator[str]:
    return _tokens("[id:", _ID_STOP, line, allow_empty=False)


def _tags(line: str) -> Iterator[str]:
    return _tokens("[tag:", _TAG_STOP, line, allow_empty=True)


def _is_comment(line: str) -> bool:
    """Tell a '//' comment line, which Moodle drops from the question text."""
    return line.strip().startswith("//")


def _at(line: int, message: str) -> str:
    """Prefix a message with the line it is about."""
    return f"line {line}: {message}"


def _unused_category(category: str | None, line: int) -> str:
    """Word the warning for a category that no question follows."""
    return f"'$CATEGORY: {category}' on line {line} is unused: no question follows it"


def _stray_comment_note(comments: list[tuple[int, str]]) -> str | None:
    """Warn about an [id:]/[tag:] comment cut off from its question, so it is not lost."""
    for number, line in comments:
        if next(_ids(line), None) is not None or next(_tags(line), None) is not None:
            return (
                f"the [id:…]/[tag:…] comment on line {number} belongs to no question: a blank "
                "line separates it from the next question, so Moodle ignores it"
            )
        if parse_silence(line) is not None:
            return (
                f"the lint-ok comment on line {number} belongs to no question: a blank line "
                "separates it from the next question, so it silences nothing"
            )
    return None


def _hide_escapes(text: str) -> str:
    """Swap escaped characters for placeholders so they never act as syntax."""
    return _ESCAPE_RE.sub(lambda match: _ESCAPED[match.group(1)], text)


def _restore(text: str) -> str:
    """Turn placeholders back into the characters they stand for."""
    return text.translate(_RESTORE)


def _read_comments(
    question: QuestionData, comments: list[tuple[int, str]], log: ErrorLog
) -> int | None:
    """Fill id and tags from the comment lines; return the line of the [id:…] comment."""
    id_line: int | None = None
    for number, line in comments:
        for token in _ids(line):
            value = token.strip().replace("\\]", "]")
            if question.id is None:
                question.id = value
                id_line = number
            elif value != question.id:
                log.add(
                    question,
                    f"second id '{quote(value)}' on line {number}: the question already has "
                    f"id '{quote(question.id)}'; give each question one id",
                )
        for token in _tags(line):
            tag = token.strip().replace("\\]", "]")
            if tag:
                question.tags.append(tag)
            else:
                question.warnings.append("an empty tag '[tag:]' is ignored")
    return id_line


# Moodle keeps it as an ordinary tag (and grades by the weights); here it sets all-or-nothing.
ALL_OR_NOTHING_TAG = "all-or-nothing"


def _read_our_marks(question: QuestionData, comments: list[tuple[int, str]]) -> None:
    """Read what is ours in the comments: the all-or-nothing tag and lint-ok silences."""
    if ALL_OR_NOTHING_TAG in question.tags:
        question.tags = [tag for tag in question.tags if tag != ALL_OR_NOTHING_TAG]
        question.all_or_nothing = True
    for _, line in comments:
        silence = parse_silence(line)
        if silence is None:
            continue
        rule, reason = silence
        if rule in question.lint_ok:
            question.warnings.append(f"'lint-ok: {rule}' is given twice: the last is kept")
        question.lint_ok[rule] = reason


class _Reader:
    """Read one question block: the escaped text with its comments blanked out."""

    def __init__(self, question: QuestionData, text: str, first_line: int, log: ErrorLog) -> None:
        self.question = question
        self.text = text
        self.lines = LineIndex(text, first_line)
        self.log = log
        self.answers_found: int | None = None  # set when there were too many to read

    def line_at(self, offset: int) -> int:
        """Map an offset in the block's text to its 1-based line in the file."""
        return self.lines.line_of(offset)

    def error(self, offset: int, message: str) -> None:
        """Record an error, naming its line when that is not the question's own line."""
        if self.log.full(self.question):
            self.log.count(self.question)
            return
        line = self.line_at(offset)
        if line != self.question.line and str(line) not in _LINE_NUMBER_RE.findall(message):
            message = _at(line, message)
        self.log.add(self.question, message)

    def error_count(self) -> int:
        """Count the question's errors so far, listed or not."""
        return self.log.seen(self.question)

    def warn(self, message: str) -> None:
        """Record a warning; warnings carry no line so that a rewritten file keeps them equal."""
        self.question.warnings.append(message)

    def text_part(self, raw: str, offset: int, what: str) -> str:
        """Turn an escaped part into text, dropping a '[format]' prefix (noted if it differs)."""
        fmt, rest = _split_format(raw.strip())
        if fmt is not None and fmt != self.question.text_format:
            self.warn(
                f"the [{fmt}] format of {what} is ignored: every part of a question uses "
                f"the question's format ({self.question.text_format})",
            )
        return _restore(rest).strip()


def _parse_question(
    block: list[tuple[int, str]],
    body: list[tuple[int, str]],
    comments: list[tuple[int, str]],
    category: str | None,
    log: ErrorLog,
) -> QuestionData:
    """Read one question from its block: comments first, then the text and answers."""
    first_line = body[0][0]
    question = QuestionData(type="description", prompt="", line=first_line, category=category)
    id_line = _read_comments(question, comments, log)
    _read_our_marks(question, comments)
    if id_line is not None and id_line < first_line:
        question.line = id_line
    # Keep the line structure (comments inside the block become empty lines).
    body_numbers = {number for number, _ in body}
    start = body[0][0]
    raw = "\n".join(
        line if number in body_numbers else "" for number, line in block if number >= start
    )
    reader = _Reader(question, _hide_escapes(raw), first_line, log)
    _read_question_text(reader)
    if question.all_or_nothing and question.type != "multi":
        log.add(
            question,
            f"[tag:{ALL_OR_NOTHING_TAG}] applies only to multiple-response questions "
            "(answers marked '~' with weights)",
        )
    for problem in limit_problems(question, answer_count=reader.answers_found):
        log.add(question, problem)
    return question


def _skip_space(text: str, offset: int) -> int:
    """Return the offset of the next non-space character, to locate errors precisely."""
    while offset < len(text) and text[offset].isspace():
        offset += 1
    return offset


def _read_question_text(reader: _Reader) -> None:
    """Read title, prompt and the one answer block, checking the braces as we go."""
    question = reader.question
    text = reader.text
    pos = _skip_space(text, 0)
    if text.startswith("::", pos):
        end = text.find("::", pos + 2)
        if end < 0:
            reader.error(pos, "unclosed title: '::' opens a title that no '::' closes")
            pos += 2
        else:
            question.title = _restore(text[pos + 2 : end]).strip()
            pos = end + 2
    open_at = text.find("{", pos)
    close_at = text.find("}", pos)
    if open_at < 0 and close_at < 0:
        _set_prompt(reader, text[pos:], pos)
        if not question.errors and not question.prompt:
            reader.error(pos, "the question has no text")
        return
    if close_at < 0:
        reader.error(
            open_at,
            f"unclosed brace: '{{' opened on line {reader.line_at(open_at)} is never closed",
        )
        _set_prompt(reader, text[pos:], pos)
        return
    if open_at < 0 or close_at < open_at:
        reader.error(
            close_at,
            f"unmatched brace: '}}' on line {reader.line_at(close_at)} has no opening '{{' "
            "(a blank line ends a question; write '\\}' for a literal brace)",
        )
        _set_prompt(reader, text[pos:], pos)
        return
    nested = text.find("{", open_at + 1, close_at)
    if nested >= 0:
        reader.error(
            nested,
            f"'{{' inside the answers opened on line {reader.line_at(open_at)}: "
            "write '\\{' for a literal brace",
        )
    after = text[close_at + 1 :]
    extra = min((i for i in (after.find("{"), after.find("}")) if i >= 0), default=-1)
    if extra >= 0 and nested < 0:
        reader.error(
            close_at + 1 + extra,
            "a question has one answer block '{…}': separate questions with a blank line, "
            "or write '\\{' and '\\}' for literal braces",
        )
    before = text[pos:open_at]
    if after.strip():
        if after.lstrip(" \t").startswith("\n"):
            reader.warn(
                "text after '}' makes this a missing-word question ('_____' marks the "
                "answer's place); if it is a new question, put a blank line before it",
            )
        _set_prompt(reader, before + BLANK + after, pos)
    else:
        _set_prompt(reader, before, pos)
    if not question.prompt:
        reader.error(pos, "the question has no text")
    _read_answers(reader, open_at + 1, close_at)


def _set_prompt(reader: _Reader, raw: str, offset: int) -> None:
    """Set the prompt and its format from the question text's '[format]' prefix."""
    question = reader.question
    fmt, rest = _split_format(raw.strip())
    if fmt is not None:
        question.text_format = fmt
        if fmt == "moodle":
            reader.warn(
                "[moodle] is Moodle's own auto-format, which this app cannot render "
                "faithfully: the text is kept as written",
            )
    question.prompt = _restore(rest).strip()


def _read_answers(reader: _Reader, start: int, end: int) -> None:
    """Pick the question type as Moodle does, then read the answers of that type."""
    question = reader.question
    inner = reader.text[start:end]
    general_at = inner.rfind("####")
    if general_at >= 0:
        question.general_feedback = reader.text_part(
            inner[general_at + 4 :], start + general_at, "the general feedback"
        )
        inner = inner[:general_at]
    lead = _skip_space(inner, 0)
    body = inner.strip()
    offset = start + lead
    if not body:
        question.type = "essay"
        reader.warn("essay questions are kept but cannot be graded here: they earn no points")
    elif body.startswith("#"):
        question.type = "numerical"
        _read_numerical(reader, body, offset)
    elif "~" in body:
        question.type = "single" if "=" in body else "multi"
        _read_choices(reader, body, offset)
    elif "=" in body and "->" in body:
        question.type = "matching"
        _read_matching(reader, body, offset)
    else:
        word = body.split("#", 1)[0].strip() if "#" in body[1:] else body
        if word in _TRUE_WORDS or word in _FALSE_WORDS:
            question.type = "truefalse"
            _read_truefalse(reader, body, offset)
        else:
            question.type = "short"
            _read_short(reader, body, offset)


def _split_marked(
    reader: _Reader, text: str, offset: int, marks: str
) -> list[tuple[str, str, int]]:
    """Split at each mark character: (mark, text after it, offset of the mark).

    Text before the first mark comes first with the mark "". Past `MAX_ROWS` marks
    the rest is counted, not read (the question is refused for its count of
    answers), so a block of a hundred thousand answers costs a count.
    """
    items: list[tuple[str, str, int]] = []
    mark, begin = "", 0
    for found in _MARKS[marks].finditer(text):
        at = found.start()
        items.append((mark, text[begin:at], offset + begin - len(mark)))
        mark, begin = found.group(), at + 1
        if len(items) > MAX_ROWS:  # the text before the first mark, and MAX_ROWS answers
            bare = 1 if marks == "=" and items[0][1].strip() else 0
            reader.answers_found = sum(text.count(char) for char in marks) + bare
            return items
    items.append((mark, text[begin:], offset + begin - len(mark)))
    return items


def _read_weight(reader: _Reader, raw: str, offset: int) -> tuple[float | None, str]:
    """Read a leading '%n%' weight; return (fraction or None when absent/bad, rest)."""
    if not raw.startswith("%"):
        return None, raw
    end = raw.find("%", 1)
    if end < 0:
        return None, raw
    weight = _restore(raw[1:end]).strip()
    rest = raw[end + 1 :]
    if not _NUMBER_RE.fullmatch(weight):
        reader.error(offset, f"weight '{quote(weight)}' is not a number")
        return None, rest
    value = Decimal(weight)
    if not -100 <= value <= 100:
        reader.error(offset, f"weight {quote(weight)}% is out of range (-100% to 100%)")
        return None, rest
    # Divide in decimal so that '33.33333' gives the float nearest 0.3333333.
    return float(value / 100), rest


def _split_feedback(raw: str) -> tuple[str, str]:
    text, _, feedback = raw.partition("#")
    return text, feedback


def _describe(raw: str) -> str:
    """Quote a raw answer in an error message, short and on one line."""
    return quote(_restore(raw))


def _read_choices(reader: _Reader, body: str, offset: int) -> None:
    """Read '=' and '~' answers of a single or multiple choice question."""
    question = reader.question
    errors_before = reader.error_count()
    items = _split_marked(reader, body, offset, "~=")
    _, lead, lead_at = items[0]
    if lead.strip():
        reader.error(
            lead_at,
            f"text '{_describe(lead)}' comes before the first answer: "
            "start every answer with '=' (right) or '~' (wrong)",
        )
    for number, (mark, raw, at) in enumerate(items[1:], start=1):
        raw = raw.strip()
        fraction = 1.0 if mark == "=" else 0.0
        if raw.startswith("%") and raw.find("%", 1) > 0:
            if mark == "=":
                reader.error(
                    at, "'=' already means 100%: write '~%50%' (for example) for a partial weight"
                )
            weight, raw = _read_weight(reader, raw, at)
            if weight is not None and mark == "~":
                fraction = weight
        text_raw, feedback_raw = _split_feedback(raw)
        text = reader.text_part(text_raw, at, f"answer {number}")
        feedback = reader.text_part(feedback_raw, at, f"the feedback of answer {number}")
        if not text:
            reader.error(at, f"answer {number} is empty")
        question.choices.append(Choice(text=text, fraction=fraction, feedback=feedback))
    if len(question.choices) < 2:
        reader.error(offset, "a choice question needs at least 2 answers")
    if question.type == "multi" and reader.error_count() == errors_before:
        _check_multi_weights(reader, offset)


def _check_multi_weights(reader: _Reader, offset: int) -> None:
    """Check a learner who picks every right answer, and only those, gets full marks."""
    choices = reader.question.choices
    positive = sum(c.fraction for c in choices if c.fraction > 0)
    if positive == 0:
        reader.error(offset, "no correct answer: mark one answer with '=' or a positive weight")
    elif abs(positive - 1) > _WEIGHT_SUM_SLACK:
        reader.error(
            offset,
            f"the positive weights add up to {_percent(positive)}, not 100%: "
            "a learner who picks every right answer must get full marks",
        )
    else:
        problem = tick_everything_problem(reader.question)
        if problem:
            reader.error(offset, f"{problem} ([tag:{ALL_OR_NOTHING_TAG}])")


def _percent(fraction: float) -> str:
    """Show a fraction as a percentage for messages."""
    return f"{fraction * 100:.4g}%"


def _check_full_marks(reader: _Reader, fractions: list[float], offset: int) -> None:
    """Check some answer earns full marks, so the question can be answered perfectly."""
    best = max(fractions, default=0.0)
    if best <= 0:
        reader.error(offset, "no correct answer: mark one answer with '=' or a positive weight")
    elif best < 1:
        reader.error(
            offset,
            f"no answer earns full marks: the best is worth {_percent(best)}; "
            "give one answer '=' without a weight",
        )


def _read_short(reader: _Reader, body: str, offset: int) -> None:
    """Read the accepted answers of a short-answer question."""
    question = reader.question
    errors_before = reader.error_count()
    items = _split_marked(reader, body, offset, "=")
    if not items[0][1].strip():
        items = items[1:]
    for number, (_mark, raw, at) in enumerate(items, start=1):
        raw = raw.strip()
        weight, raw = _read_weight(reader, raw, at)
        text_raw, feedback_raw = _split_feedback(raw)
        text = reader.text_part(text_raw, at, f"answer {number}")
        feedback = reader.text_part(feedback_raw, at, f"the feedback of answer {number}")
        if not text:
            reader.error(at, f"answer {number} is empty")
        fraction = 1.0 if weight is None else weight
        question.choices.append(Choice(text=text, fraction=fraction, feedback=feedback))
    if len(items) == 1 and items[0][0] == "":
        word = question.choices[0].text
        if word.upper() in _TRUE_WORDS + _FALSE_WORDS:
            reader.warn(
                f"'{{{word}}}' is read as a short answer '{word}': a true/false question "
                "needs capitals, {T}, {TRUE}, {F} or {FALSE}",
            )
    if reader.error_count() == errors_before:
        _check_full_marks(reader, [c.fraction for c in question.choices], offset)


def _read_truefalse(reader: _Reader, body: str, offset: int) -> None:
    """Read a true/false answer and map Moodle's wrong/right feedback to true/false."""
    question = reader.question
    parts = [*body.split("#", 2), "", ""]
    word = parts[0].strip()
    wrong = reader.text_part(parts[1], offset, "the feedback for a wrong answer")
    right = reader.text_part(parts[2], offset, "the feedback for a right answer")
    # Moodle: '{TRUE#wrong#right}'. The first feedback goes to a learner who answered
    # wrongly, the second to one who answered rightly.
    question.correct = word in _TRUE_WORDS
    if question.correct:
        question.feedback_true, question.feedback_false = right, wrong
    else:
        question.feedback_true, question.feedback_false = wrong, right


def _parse_number(text: str) -> float | None:
    """Read a plain decimal number, refusing what float() would also take (inf, nan, _)."""
    return float(text) if _NUMBER_RE.fullmatch(text) else None


def _read_numerical(reader: _Reader, body: str, offset: int) -> None:
    """Read numerical answers and the optional '~#feedback' for any other number."""
    question = reader.question
    body, offset = body[1:], offset + 1
    otherwise: tuple[str, int] | None = None
    tilde = body.find("~")
    if tilde >= 0:
        otherwise = (body[tilde + 1 :], offset + tilde)
        body = body[:tilde]
    items = _split_marked(reader, body, offset, "=")
    if not items[0][1].strip():
        items = items[1:]
    read = 0
    for _mark, raw, at in items:
        raw = raw.strip()
        weight, raw = _read_weight(reader, raw, at)
        value_raw, feedback_raw = _split_feedback(raw)
        feedback = reader.text_part(feedback_raw, at, "the feedback of a numerical answer")
        fraction = 1.0 if weight is None else weight
        answer = _read_number_answer(reader, _restore(value_raw).strip(), at)
        if answer is not None:
            read += 1
            value, tolerance = answer
            question.numeric_answers.append(NumericAnswer(value, tolerance, fraction, feedback))
    if otherwise is not None:
        rest, at = otherwise
        before, _, feedback_raw = rest.partition("#")
        if before.strip():
            reader.error(
                at,
                f"'~{_describe(before.strip())}': in a numerical question '~' only gives "
                "feedback for any other number; write '~#feedback'",
            )
        feedback = reader.text_part(feedback_raw, at, "the feedback for other numbers")
        question.numeric_answers.append(NumericAnswer(0.0, ANY_NUMBER_TOLERANCE, 0.0, feedback))
    if not items:
        reader.error(offset, "the numerical question has no answer: write '{#3.14:0.01}'")
    elif read == len(items):
        fractions = [a.fraction for a in question.numeric_answers if not is_any_number(a)]
        _check_full_marks(reader, fractions, offset)


def _read_number_answer(reader: _Reader, text: str, at: int) -> tuple[float, float] | None:
    """Read '3.14:0.01', '1..5', '42' or '*' into (value, tolerance), reporting problems."""
    if text == "*":
        return 0.0, ANY_NUMBER_TOLERANCE
    if text.find("..") > 0:
        low_text, high_text = (part.strip() for part in text.split("..", 1))
        low, high = _parse_number(low_text), _parse_number(high_text)
        for part, number in ((low_text, low), (high_text, high)):
            if number is None:
                reader.error(
                    at, f"numerical answer range '{quote(text)}': '{quote(part)}' is not a number"
                )
        if low is None or high is None:
            return None
        if low > high:
            reader.error(
                at, f"numerical answer range '{quote(text)}' is reversed: put the lower first"
            )
            return None
        value = (low + high) / 2
        return _finite(reader, text, at, value, high - value)
    if text.find(":") > 0:
        value_text, tolerance_text = (part.strip() for part in text.split(":", 1))
    else:
        value_text, tolerance_text = text, "0"
    # Moodle accepts a non-number here and then matches any answer; we refuse it.
    value = _parse_number(value_text)
    if value is None:
        reader.error(at, f"numerical answer '{quote(value_text)}' is not a number")
    tolerance = _parse_number(tolerance_text)
    if tolerance is None:
        reader.error(at, f"tolerance '{quote(tolerance_text)}' is not a number")
    elif tolerance < 0:
        reader.error(
            at, f"tolerance '{quote(tolerance_text)}' is negative: write it without a sign"
        )
        tolerance = None
    if value is None or tolerance is None:
        return None
    return _finite(reader, text, at, value, tolerance)


def _finite(
    reader: _Reader, text: str, at: int, value: float, tolerance: float
) -> tuple[float, float] | None:
    """Refuse numbers too large for a float, which would match every answer."""
    if math.isfinite(value) and math.isfinite(tolerance):
        return value, tolerance
    reader.error(at, f"numerical answer '{quote(text)}' is too large")
    return None


def _read_matching(reader: _Reader, body: str, offset: int) -> None:
    """Read 'left -> right' pairs; an empty left side is a distractor."""
    question = reader.question
    errors_before = reader.error_count()
    items = _split_marked(reader, body, offset, "=")
    if not items[0][1].strip():
        items = items[1:]
    for _mark, raw, at in items:
        raw = raw.strip()
        if "->" not in raw:
            reader.error(at, f"matching pair '{_describe(raw)}' has no right side ('->')")
            continue
        left_raw, right_raw = raw.split("->", 1)
        if "#" in raw:
            reader.warn(
                f"matching pair '{_describe(raw)}' contains '#': Moodle has no feedback per "
                "pair and keeps it as text; write '\\#' for a literal '#'",
            )
        left = reader.text_part(left_raw, at, "a matching left side")
        right = _restore(right_raw).strip()
        if not right:
            reader.error(at, f"matching pair '{_describe(raw)}' has an empty right side")
            continue
        question.pairs.append(MatchPair(left=left, right=right))
    rows = sum(1 for pair in question.pairs if pair.left)
    if rows < 2 and reader.error_count() == errors_before:
        reader.error(
            offset,
            f"a matching question needs at least 2 pairs with a left side; found {rows}",
        )


def _check_duplicate_ids(questions: list[QuestionData], log: ErrorLog) -> None:
    """Report an id used twice in one file on every later question using it."""
    seen: dict[str, int] = {}
    for question in questions:
        if question.id is None:
            continue
        if question.id in seen:
            log.add(
                question,
                f"duplicate id '{quote(question.id)}': the question on line "
                f"{seen[question.id]} already uses it",
            )
        else:
            seen[question.id] = question.line


# --- writing ---------------------------------------------------------------


def _check_single_line(text: str, what: str) -> None:
    """Refuse control characters where GIFT has no escape for them."""
    if any(ord(char) < 32 or ord(char) == 127 for char in text):
        raise ValueError(f"{what} {text!r} cannot be written in GIFT: it has a control character")


def _comment_line(question: QuestionData) -> str:
    """Write the '// [id:…] [tag:…]' comment Moodle reads ids and tags from, then the silences."""
    tokens = []
    if question.id is not None:
        _check_single_line(question.id, "id")
        tokens.append(f"[id:{question.id.replace(']', chr(92) + ']')}]")
    for tag in question.tags:
        _check_single_line(tag, "tag")
        if any(char in tag for char in "<>`"):
            raise ValueError(f"tag {tag!r} cannot be written in GIFT: it has '<', '>' or '`'")
        tokens.append(f"[tag:{tag.replace(']', chr(92) + ']')}]")
    if question.all_or_nothing:
        tokens.append(f"[tag:{ALL_OR_NOTHING_TAG}]")
    lines = ["// " + " ".join(tokens)] if tokens else []
    for rule, reason in question.lint_ok.items():
        lines.append(_silence_line(rule, reason))
    return "\n".join(lines)


def _silence_line(rule: str, reason: str) -> str:
    """Write one '// lint-ok: rule — reason' comment, refusing what would read back otherwise."""
    line = format_silence(rule, reason)
    if parse_silence(line) != (rule, reason) or _ID_RE.search(line) or _TAG_RE.search(line):
        raise ValueError(f"lint-ok {rule!r} with reason {reason!r} cannot be written in GIFT")
    _check_single_line(reason, "lint-ok reason")
    return line


def _prompt_head(question: QuestionData) -> str:
    """Choose the '[format]' prefix, adding one where the text would be misread."""
    fmt = question.text_format
    prefix = f"[{fmt}]" if fmt != DEFAULT_FORMAT else ""
    escaped = escape(question.prompt)
    if not prefix and (
        _split_format(escaped)[0] is not None
        or escaped.startswith("//")
        or escaped.startswith("$CATEGORY:")
        or escaped.startswith("\ufeff")  # would be taken for a byte order mark
    ):
        prefix = f"[{fmt}]"
    return prefix


def _write_question(question: QuestionData) -> str:
    """Write one question: comment line, title, prompt and answers."""
    fmt = question.text_format
    if fmt not in TEXT_FORMATS:
        raise ValueError(f"text format {fmt!r} is not one of {', '.join(TEXT_FORMATS)}")
    lines = []
    comment = _comment_line(question)
    if comment:
        lines.append(comment)
    head = f"::{escape(question.title)}::" if question.title else ""
    head += _prompt_head(question)
    answers = _write_answers(question)
    if answers is None:
        lines.append(head + escape(question.prompt))
        return "\n".join(lines)
    before, after = _split_blank(question.prompt)
    lines.append(head + escape(before) + answers + escape(after))
    return "\n".join(lines)


def _write_answers(question: QuestionData) -> str | None:
    """Write the answer block of a question, as its type writes it (None: it has none)."""
    try:
        kind = question_type(question.type)
    except KeyError:
        raise ValueError(f"unknown question type {question.type!r}") from None
    return kind.write_gift(question)


def _split_blank(prompt: str) -> tuple[str, str]:
    """Find where the braces go: at the first blank with text after it, else at the end."""
    start = 0
    while (found := prompt.find(BLANK, start)) >= 0:
        after = prompt[found + len(BLANK) :]
        if after.strip():
            return prompt[:found], after
        start = found + 1
    return prompt, ""
