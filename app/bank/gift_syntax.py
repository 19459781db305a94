"""The pieces of GIFT's syntax shared by the reader (`app.bank.gift`), the writer and
each question type's answer writer (`app.bank.types`): text formats, the true/false
words, escaping, numbers and weights, answer blocks and feedback.
"""

from __future__ import annotations

import math
from decimal import Decimal

from app.bank.model import QuestionData

BLANK = "_____"
TEXT_FORMATS = ("markdown", "html", "plain", "moodle")
DEFAULT_FORMAT = "markdown"
TRUE_WORDS = ("T", "TRUE")
FALSE_WORDS = ("F", "FALSE")


def split_format(text: str) -> tuple[str | None, str]:
    """Split a leading '[format]' off a text, as Moodle's parse_text_with_format does."""
    if text.startswith("["):
        end = text.find("]")
        if end > 0 and text[1:end] in TEXT_FORMATS:
            return text[1:end], text[end + 1 :]
    return None, text


# --- writing -----------------------------------------------------------------------


def escape(text: str) -> str:
    """Escape GIFT's special characters and new lines, as Moodle's exporter does."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out = []
    for char in text:
        if char in "\\~=#{}:":
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        else:
            out.append(char)
    return "".join(out)


def escape_part(text: str, fmt: str) -> str:
    """Escape a text; protect a leading '[format]' that would otherwise be read as a format."""
    escaped = escape(text)
    if split_format(escaped)[0] is not None:
        return f"[{fmt}]{escaped}"
    return escaped


def number(value: float) -> str:
    """Write a float so that reading it back gives the very same float."""
    if not math.isfinite(value):
        raise ValueError(f"number {value!r} cannot be written in GIFT")
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def weight(fraction: float) -> str:
    """Write a fraction as a '%n%' weight that reads back as exactly that fraction."""
    if not math.isfinite(fraction):
        raise ValueError(f"weight {fraction!r} cannot be written in GIFT")
    percent = (Decimal(repr(fraction)) * 100).normalize()
    return f"%{percent:f}%"


def general_feedback(question: QuestionData) -> str:
    """Write the '####' general feedback, or nothing."""
    if not question.general_feedback:
        return ""
    return "####" + escape_part(question.general_feedback, question.text_format)


def feedback(text: str, fmt: str) -> str:
    """Write an answer's '#feedback', or nothing."""
    return "#" + escape_part(text, fmt) if text else ""


def answer_block(items: list[str], question: QuestionData) -> str:
    """Write answers one per line inside braces, general feedback last."""
    general = general_feedback(question)
    if general:
        items = [*items, general]
    return "{\n" + "".join(f"\t{item}\n" for item in items) + "}"
