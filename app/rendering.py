"""The one Markdown renderer and the one HTML sanitiser for all authored text.

Lessons, questions, answers and feedback all pass through `render_markdown`
(or `render_inline` for one-line text); templates never mark anything safe
themselves. Raw HTML in Markdown is escaped by the renderer and the result is
sanitised anyway, so a mistake in one layer is caught by the other.

Authored anchors (``{#origins}`` on the line above a paragraph) come out as
``id="p-origins"``: the fixed prefix keeps authored ids apart from the app's own
(no DOM clobbering), and the sanitiser keeps only ids with that prefix. This
module is the one place for the anchor rule: `ANCHOR_ID` says what an anchor may
be, `anchors_in` lists the anchors a text's rendering keeps (what questions may
point at), and `anchor_problems` says, line by line, why a declared anchor would
not be kept; the course loader and the lesson editor both refuse a text with one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markupsafe import Markup, escape
from mdit_py_plugins.attrs import attrs_block_plugin

# The renderer's version: raise it when the renderer or the sanitiser changes what it
# makes, and `flask course load` re-renders every stored text made by an older one.
RENDER_VERSION = 1

ANCHOR_PREFIX = "p-"
ANCHOR_MAX_LENGTH = 81
# What an authored anchor may be: lowercase letters, digits and hyphens, not starting
# with a hyphen, at most ANCHOR_MAX_LENGTH characters.
ANCHOR_ID = re.compile(rf"[a-z0-9][a-z0-9-]{{0,{ANCHOR_MAX_LENGTH - 1}}}")
_SAFE_ID = re.compile(re.escape(ANCHOR_PREFIX) + ANCHOR_ID.pattern)
# A line declaring an anchor: '{#…}' alone on its line.
_ANCHOR_LINE = re.compile(r"\{#([^}]*)\}\s*")
_RENDERED_ID = re.compile(r' id="' + re.escape(ANCHOR_PREFIX) + r'([a-z0-9][a-z0-9-]*)"')

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s",
    "code", "pre", "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "a", "sub", "sup",
    "table", "thead", "tbody", "tr", "th", "td", "span", "div", "abbr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"id"},
    "a": {"href", "title"},
    "abbr": {"title"},
    "th": {"scope"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
}


def _keep_only_known_attributes(token_state: StateCore) -> None:
    """Drop authored classes and odd attributes; prefix authored ids."""
    for token in token_state.tokens:
        if not token.attrs:
            continue
        anchor = token.attrs.get("id")
        token.attrs = {}
        if isinstance(anchor, str) and ANCHOR_ID.fullmatch(anchor):
            token.attrs["id"] = ANCHOR_PREFIX + anchor


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.use(attrs_block_plugin)
    md.core.ruler.push("milidip_attrs", _keep_only_known_attributes)
    return md


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "id":
        return value if _SAFE_ID.fullmatch(value) else None
    return value


def sanitize_html(html: str) -> Markup:
    """Return HTML with everything but plain, safe markup removed."""
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return Markup(cleaned)


def render_markdown(text: str | None, text_format: str = "markdown") -> Markup:
    """Render authored text to sanitised HTML (Markdown unless the text says otherwise).

    Questions imported from Moodle may be written in HTML (sanitised like the rest)
    or as plain text (escaped, line breaks kept), as their GIFT format prefix said.
    """
    if not text:
        return Markup("")
    if text_format == "html":
        return sanitize_html(text)
    if text_format in ("plain", "moodle"):
        return _plain(text, block=True)
    return sanitize_html(_markdown().render(text))


def render_inline(text: str | None, text_format: str = "markdown") -> Markup:
    """Render a one-line text (a choice, a term) without a wrapping paragraph."""
    if not text:
        return Markup("")
    if text_format == "html":
        return sanitize_html(text)
    if text_format in ("plain", "moodle"):
        return _plain(text, block=False)
    return sanitize_html(_markdown().renderInline(text))


def _plain(text: str, block: bool) -> Markup:
    lines = Markup("<br>\n").join(escape(line) for line in text.strip().splitlines())
    return Markup("<p>") + lines + Markup("</p>") if block else lines


# --- rendering once, when text is written ------------------------------------------------


def render_texts(block: Iterable[str], inline: Iterable[str], text_format: str) -> dict[str, Any]:
    """Render a question's authored texts for storing beside them (see `StoredTexts`).

    `block` texts are rendered as `render_markdown` does, `inline` ones as `render_inline`;
    the result maps each source text to its sanitised HTML.
    """
    return {
        "block": {text: str(render_markdown(text, text_format)) for text in block if text},
        "inline": {text: str(render_inline(text, text_format)) for text in inline if text},
    }


class StoredTexts:
    """Authored texts' HTML as stored when they were written: pages look it up, never render.

    A text that was not stored (a learner's typed answer) is shown escaped, as plain text.
    """

    def __init__(self, stored: dict[str, Any] | None) -> None:
        stored = stored or {}
        self._block: dict[str, str] = stored.get("block", {})
        self._inline: dict[str, str] = stored.get("inline", {})

    def block(self, text: str | None) -> Markup:
        if not text:
            return Markup("")
        html = self._block.get(text)
        return Markup(html) if html is not None else _plain(text, block=True)

    def inline(self, text: str | None) -> Markup:
        if not text:
            return Markup("")
        html = self._inline.get(text)
        return Markup(html) if html is not None else _plain(text, block=False)


class LiveTexts:
    """The same lookups rendering on demand: previews of text not stored yet (instructors)."""

    def __init__(self, text_format: str = "markdown") -> None:
        self.text_format = text_format

    def block(self, text: str | None) -> Markup:
        return render_markdown(text, self.text_format)

    def inline(self, text: str | None) -> Markup:
        return render_inline(text, self.text_format)


def anchors_in(text: str) -> list[str]:
    """List the anchors the rendered text keeps, in order, without their prefix.

    What the renderer keeps is what a "review this in the lesson" link can reach,
    so this is what questions may point at.
    """
    return _RENDERED_ID.findall(str(render_markdown(text)))


def anchor_problems(text: str) -> list[tuple[int, str]]:
    """Say why each anchor a text declares would not be kept, as (line, message) pairs."""
    kept = anchors_in(text)
    problems: list[tuple[int, str]] = []
    first_line: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _ANCHOR_LINE.fullmatch(line)
        if match is None:
            continue
        anchor = match.group(1)
        if not ANCHOR_ID.fullmatch(anchor):
            problems.append(
                (
                    number,
                    f"The anchor '{{#{anchor[:40]}}}' must be lowercase letters, digits and "
                    f"hyphens, starting with a letter or digit, at most {ANCHOR_MAX_LENGTH} "
                    "characters long.",
                )
            )
        elif anchor in first_line:
            problems.append(
                (
                    number,
                    f"The anchor '{{#{anchor}}}' appears twice (first on line "
                    f"{first_line[anchor]}).",
                )
            )
        elif anchor not in kept:
            problems.append(
                (
                    number,
                    f"The anchor '{{#{anchor}}}' marks nothing: put it on the line right "
                    "above the paragraph, list or heading it names.",
                )
            )
        first_line.setdefault(anchor, number)
    # Counted once, not with `kept.count` per anchor (quadratic in a long lesson).
    counts = Counter(kept)
    repeated = [a for a in counts if counts[a] > 1 and a not in first_line]
    problems += [(1, f"The anchor '{{#{anchor}}}' appears twice.") for anchor in repeated]
    return problems
