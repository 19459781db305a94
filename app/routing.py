"""URL converters: the app's one way to take a number from a path.

A database id fits in a signed 32-bit integer (PostgreSQL's `integer`); a path
with a bigger number, zero, a sign or a non-ASCII digit names nothing, so it is
a 404 — never an out-of-range error from the database driver (a 500).
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

ID_MIN = 1
ID_MAX = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<id:name>`: 1 … 2³¹−1 written in ASCII digits, else the rule does not match (404)."""

    # ASCII digits only (\d also matches '٣'), and never more than ID_MAX has: a
    # path of 5,000 digits must not reach int(), which refuses long strings.
    regex = r"[0-9]{1,10}"

    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, min=ID_MIN, max=ID_MAX)


def register_converters(app: Flask) -> None:
    """Make `<id:…>` available to every blueprint (before they are registered)."""
    app.url_map.converters["id"] = IdConverter
