"""The progress blueprint: My progress, score history (`views.py`), certificates."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("progress", __name__)
