"""The dark colour scheme changes colours and nothing else.

The browser suite relies on this: it runs every check in the light scheme and, in
the dark one, only axe's colour rules (tests/browser/checks.py, `scheme_problems`).
A dark-only rule that hid, moved or resized anything would need the full checks in
dark again; these tests say so before that happens.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCHEME_QUERY = "prefers-color-scheme"
DECLARATION = re.compile(r"^\s*(--[\w-]+)\s*:\s*([^;{}]+?)\s*$")


def _block_after(text: str, start: int) -> str:
    """The text inside the braces that open at or after `start` (balanced)."""
    opening = text.index("{", start)
    depth = 0
    for index in range(opening, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return text[opening + 1 : index]
    raise AssertionError(f"unbalanced braces after offset {start}")


def _without_comments(css: str) -> str:
    return re.sub(r"/\*.*?\*/", "", css, flags=re.S)


def scheme_blocks(css: str) -> list[str]:
    """The bodies of every @media rule that asks for a colour scheme."""
    css = _without_comments(css)
    return [
        _block_after(css, match.start())
        for match in re.finditer(r"@media[^{]*" + SCHEME_QUERY, css)
    ]


def non_colour_parts(block: str) -> list[str]:
    """What in a scheme block is not `:root { --custom-property: value; … }`."""
    problems = []
    rules = re.findall(r"([^{}]+)\{([^{}]*)\}", block)
    leftover = re.sub(r"[^{}]+\{[^{}]*\}", "", block).strip()
    if leftover:
        problems.append(f"not a plain rule: {leftover[:80]}")
    for selector, body in rules:
        if selector.strip() != ":root":
            problems.append(f"a rule for {selector.strip()!r}, not :root")
        for declaration in filter(str.strip, body.split(";")):
            if not DECLARATION.match(declaration):
                problems.append(f"not a custom property: {declaration.strip()}")
    return problems


def redefined(block: str) -> set[str]:
    """The custom properties a scheme block sets."""
    return set(re.findall(r"(--[\w-]+)\s*:", block))


def test_the_stylesheets_dark_scheme_only_redefines_custom_properties() -> None:
    sheets = sorted((ROOT / "static" / "css").glob("*.css"))
    blocks = {sheet.name: scheme_blocks(sheet.read_text("utf-8")) for sheet in sheets}
    assert sum(map(len, blocks.values())) == 1, blocks  # one dark block, in app.css
    (block,) = blocks["app.css"]
    assert non_colour_parts(block) == []
    assert {"--text", "--bg", "--focus"} <= redefined(block)


def test_the_custom_properties_it_redefines_are_only_used_for_colours() -> None:
    """A custom property the dark block changes must never size or place anything."""
    css = _without_comments((ROOT / "static" / "css" / "app.css").read_text("utf-8"))
    (block,) = scheme_blocks(css)
    changed = redefined(block)
    colour_properties = re.compile(
        r"^(color|background(-color)?|border(-(top|right|bottom|left))?(-color)?|"
        r"outline(-color)?|box-shadow|fill|stroke|accent-color|caret-color|"
        r"text-decoration(-color)?|--[\w-]+)$"
    )
    misused = []
    for prop, value in re.findall(r"([\w-]+)\s*:\s*([^;{}]+)", css):
        used = set(re.findall(r"var\((--[\w-]+)", value)) & changed
        if used and not colour_properties.match(prop):
            misused.append(f"{prop}: {value.strip()}")
    assert misused == []


def test_no_template_or_script_asks_for_the_colour_scheme() -> None:
    places = [
        path
        for folder in ("templates", "static/js", "app")
        for path in (ROOT / folder).rglob("*")
        if path.is_file() and path.suffix in {".html", ".svg", ".js", ".py", ".css"}
    ]
    assert len(places) > 20  # the folders were found
    asking = [p.relative_to(ROOT) for p in places if SCHEME_QUERY in p.read_text("utf-8")]
    assert asking == []


def test_the_checks_see_a_dark_rule_that_changes_more_than_colours() -> None:
    """The rule above can fail: a dark block hiding an element is reported."""
    css = """:root { --text: #111; }
    @media (prefers-color-scheme: dark) { :root { --text: #eee; } .menu { display: none; } }"""
    (block,) = scheme_blocks(css)
    assert non_colour_parts(block) == [
        "a rule for '.menu', not :root",
        "not a custom property: display: none",
    ]
