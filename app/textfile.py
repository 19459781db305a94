"""Read bytes that should be UTF-8 text: course files, question files, uploads.

The one rule for every way text arrives as bytes: UTF-8, a byte-order mark
allowed (and dropped), and a problem reported with the line it is on. Each
caller words the message for its reader (a CLI error, a field error).
"""

from __future__ import annotations


class NotText(ValueError):
    """The bytes are not text we can store; `line` is where the problem is (1-based)."""

    def __init__(self, line: int, nul: bool = False) -> None:
        self.line = line
        self.nul = nul  # a NUL character, rather than bytes that are not UTF-8
        self.reason = "contains a NUL character (U+0000)" if nul else "not UTF-8 text"
        super().__init__(f"line {line}: {self.reason}")


def decode_text(raw: bytes, allow_nul: bool = True) -> str:
    """Decode UTF-8 (with or without a byte-order mark); raise NotText where it is not.

    With `allow_nul=False` a NUL character (U+0000, which no text needs and
    PostgreSQL cannot store) is refused too.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise NotText(raw[: error.start].count(b"\n") + 1) from None
    if not allow_nul and "\x00" in text:
        raise NotText(text.count("\n", 0, text.index("\x00")) + 1, nul=True)
    return text
