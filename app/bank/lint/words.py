"""Content words: what a test-wise reader compares between a stem and its options.

A text becomes a set of lowercase word stems with the small words dropped. The
stemming is deliberately light (plural, -ing, -ed, -ly, -ion and a final -e), so
"negotiations", "negotiating" and "negotiate" meet while "diplomacy" and
"diplomatic" stay apart. Everything here is one pass over the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = [
    "ABSOLUTE_WORDS",
    "OVERREACHING_WORDS",
    "content_words",
    "has_sequence",
    "stem",
    "strong_words",
    "tokens",
    "visible_length",
    "word_forms",
]

# Letters and digits; an apostrophe inside a word ("partner's") ends it, so the
# possessive falls away. Markup characters (*, _, `, <, >) are simply not letters.
_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
# Markdown and HTML punctuation a learner never sees as text.
_MARKUP_RE = re.compile(r"<[^<>\n]{0,200}>|[*_`#>]")


def _word_set(text: str) -> frozenset[str]:
    """Read a word list written as a paragraph."""
    return frozenset(text.split())


STOP_WORDS = _word_set(
    """
    a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers herself him himself his how
    i if in into is it its itself just me more most my myself no nor not of off on once
    only or other others our ours ourselves out over own same she should so some such
    than that the their theirs them themselves then there these they this those through
    to too under until up upon very was we were what when where which while who whom why
    will with would you your yours yourself yourselves s t d ll m re ve
    one two three four five select following true false statement best most least
    according lesson lessons
    """
)

# Words that claim too much: test-wise learners strike options that use them.
ABSOLUTE_WORDS = _word_set(
    """
    always never all none nothing everything everyone every entirely completely wholly
    solely purely totally exclusively only alone sole guarantee guarantees guaranteed
    must cannot impossible certainly absolutely invariably automatically whatever
    """
)
# Words that overreach in this course's setting (a diplomat who "commands", "controls"…).
OVERREACHING_WORDS = _word_set(
    """
    command commands commanding control controls controlling dictate dictates impose
    imposes imposing override overrides replace replaces replacing eliminate eliminates
    eliminating mainly merely simply
    """
)
# Multi-word overreach ("on their own"), matched on the token sequence.
_OVERREACHING_PHRASES = (
    ("on", "its", "own"),
    ("on", "their", "own"),
    ("on", "his", "own"),
    ("on", "her", "own"),
    ("by", "itself"),
    ("by", "themselves"),
    ("no", "longer"),
)

_SUFFIXES = (
    ("ations", "at"),
    ("ation", "at"),
    ("ings", ""),
    ("ing", ""),
    ("ions", ""),
    ("ion", ""),
    ("ies", "y"),
    ("ied", "y"),
    ("ness", ""),
    ("ed", ""),
    ("es", ""),
    ("ly", ""),
    ("s", ""),
    ("e", ""),
)


def tokens(text: str) -> list[str]:
    """Split a text into lowercase words, markup left out."""
    return _WORD_RE.findall(_MARKUP_RE.sub(" ", text).casefold())


def stem(word: str) -> str:
    """Cut one common English ending off a word, keeping at least three letters."""
    if len(word) <= 4 or word.endswith(("ss", "is", "us")):
        return word
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) + len(replacement) >= 3:
            return word[: len(word) - len(suffix)] + replacement
    return word


def content_words(text: str) -> frozenset[str]:
    """Return the stems of the words that carry meaning (stop words dropped)."""
    return frozenset(stem(word) for word in tokens(text) if word not in STOP_WORDS)


def word_forms(*texts: str) -> dict[str, str]:
    """Map each content-word stem to the first word the texts write it as (for evidence)."""
    forms: dict[str, str] = {}
    for text in texts:
        for word in tokens(text):
            if word not in STOP_WORDS:
                forms.setdefault(stem(word), word)
    return forms


def strong_words(text: str) -> list[str]:
    """Return the absolute or overreaching words and phrases a text uses, in order."""
    words = tokens(text)
    found = [word for word in words if word in ABSOLUTE_WORDS or word in OVERREACHING_WORDS]
    for phrase in _OVERREACHING_PHRASES:
        if has_sequence(words, phrase):
            found.append(" ".join(phrase))
    return found


def has_sequence(words: list[str], phrase: tuple[str, ...]) -> bool:
    """Tell whether the phrase occurs in the words (phrases are two or three words long)."""
    size = len(phrase)
    return any(tuple(words[i : i + size]) == phrase for i in range(len(words) - size + 1))


def visible_length(text: str) -> int:
    """Count the characters a learner sees, markup and runs of spaces left out."""
    return len(" ".join(_MARKUP_RE.sub(" ", text).split()))


def shared(first: Iterable[str], second: frozenset[str]) -> list[str]:
    """Return the words of `first` that are also in `second`, sorted for stable evidence."""
    return sorted(set(first) & second)
