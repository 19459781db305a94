"""Count the SQL statements the app sends (the statement budgets' one way of counting)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

# Transaction control is not work a page asks for: the budgets leave it out.
_TRANSACTION_CONTROL = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE)


def is_transaction_control(statement: str) -> bool:
    """Tell whether a statement is BEGIN (IMMEDIATE), COMMIT, ROLLBACK, SAVEPOINT or RELEASE."""
    return _TRANSACTION_CONTROL.match(statement) is not None


class QueryCounter:
    """Count (and keep) the SQL statements sent on `engine` while the counter is active.

    `count` leaves out transaction control, as the statement budgets do;
    `statements` keeps everything that was sent, in order.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements: list[str] = []

    @property
    def work(self) -> list[str]:
        return [s for s in self.statements if not is_transaction_control(s)]

    @property
    def count(self) -> int:
        return len(self.work)

    def _on_execute(self, _conn: Any, _cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    def __enter__(self) -> QueryCounter:
        event.listen(self.engine, "before_cursor_execute", self._on_execute)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._on_execute)
