"""How numbers and weights are written, for every way a question arrives (GIFT, forms).

- A number is a plain decimal, as GIFT writes it: an optional sign, digits with an
  optional point, an optional exponent; never "inf", "nan" or "1_000", which
  Python's float() would also take.
- A weight is a percentage from -100 to 100; blank means the row's default.
- The positive weights of a multiple-response question must add up to 100%,
  within `WEIGHT_SUM_SLACK` (a fraction), as Moodle allows for thirds and sixths.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

# Written so that no two parts can match the same digits: a long run of digits that
# fails at its end ('1111…1x') is given up in one pass instead of being tried split at
# every position ('\d+\.?\d*' was quadratic). The same numbers as Moodle's pattern.
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
WEIGHT_SUM_SLACK = 0.002
WEIGHT_SUM_SLACK_PERCENT = Decimal(repr(WEIGHT_SUM_SLACK)) * 100
LOWEST_WEIGHT, HIGHEST_WEIGHT = -100, 100


def parse_number(text: str) -> float:
    """Read a number typed in a form, accepting a decimal comma; raise ValueError if not one."""
    text = text.strip().replace(",", ".")
    if not NUMBER.fullmatch(text):
        raise ValueError(text)
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def parse_percent(text: str, default: Decimal) -> Decimal:
    """Read a weight such as '50', '-25', '33.333' or '50%'; raise ValueError if unreadable."""
    text = text.strip().removesuffix("%").strip()
    if not text:
        return default
    if not NUMBER.fullmatch(text):
        raise ValueError(text)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return value


def weight_in_range(percent: Decimal | float) -> bool:
    """Tell whether a weight lies within -100% to 100%."""
    return LOWEST_WEIGHT <= percent <= HIGHEST_WEIGHT


def percent_text(value: Decimal) -> str:
    """Show a weight as a form shows it: '50%', '33.333%'."""
    return f"{value.normalize():f}%"
