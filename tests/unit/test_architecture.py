"""The structure rules of docs/architecture.md, checked by reading the source (no app needed).

- Transactions begin, commit and roll back only in the unit of work (`app/database.py`)
  and in error handlers: a view or command that writes uses `with unit_of_work():`.
- No import cycle between the packages of `app/` (imports inside functions count too).
- No module grows past the size a reader takes in at once (the GIFT format module apart).
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator
from pathlib import Path

from app.config import PROJECT_ROOT

APP = PROJECT_ROOT / "app"
UNIT_OF_WORK = APP / "database.py"
TRANSACTION_CALLS = {"begin_write", "commit", "rollback"}
MAX_MODULE_LINES = 400
# One cohesive format module (reader and writer of Moodle's GIFT) may be longer.
LONG_MODULES = {APP / "bank" / "gift.py"}


def _modules() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(APP.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(PROJECT_ROOT)}:{getattr(node, 'lineno', 0)}"


# --- transactions ----------------------------------------------------------------------


def _is_error_handler(function: ast.AST) -> bool:
    """Tell a function registered with `@<app or blueprint>.errorhandler(...)`."""
    decorators = getattr(function, "decorator_list", [])
    return any(
        isinstance(d, ast.Call)
        and isinstance(d.func, ast.Attribute)
        and d.func.attr in ("errorhandler", "register_error_handler")
        for d in decorators
    )


def _transaction_calls(tree: ast.Module) -> Iterator[tuple[ast.Call, str, bool]]:
    """Yield (call, name, inside an error handler) for every transaction call in a module."""

    def walk(node: ast.AST, in_handler: bool) -> Iterator[tuple[ast.Call, str, bool]]:
        for child in ast.iter_child_nodes(node):
            handler = in_handler or _is_error_handler(child)
            if isinstance(child, ast.Call):
                func = child.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in TRANSACTION_CALLS:
                    yield child, name, handler
            yield from walk(child, handler)

    yield from walk(tree, False)


def test_transactions_begin_and_end_only_in_the_unit_of_work_and_error_handlers():
    outside = [
        f"{_where(path, call)} calls {name}()"
        for path, tree in _modules()
        if path != UNIT_OF_WORK
        for call, name, in_handler in _transaction_calls(tree)
        if not in_handler
    ]
    assert not outside, (
        "write inside `with unit_of_work():` (app/database.py) instead of beginning, "
        "committing or rolling back by hand:\n" + "\n".join(outside)
    )


def test_the_transaction_check_sees_hand_written_transactions():
    tree = ast.parse(
        "def view():\n    begin_write()\n    db.session.commit()\n\n"
        "@bp.errorhandler(404)\ndef missing(error):\n    db.session.rollback()\n"
    )
    found = [(name, in_handler) for _, name, in_handler in _transaction_calls(tree)]
    assert found == [("begin_write", False), ("commit", False), ("rollback", True)]


# --- import cycles -----------------------------------------------------------------------


def _node(module: str) -> str | None:
    """Name the unit a module belongs to: `app.<package>` or `app.<top-level module>`."""
    parts = module.split(".")
    if parts[0] != "app":
        return None
    return ".".join(parts[:2])


def _imported(path: Path, node: ast.AST) -> list[str]:
    module = ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:  # a relative import, resolved against this module's package
            package = module.split(".")[: -node.level]
            base = ".".join([*package, *filter(None, [base])])
        # `from app import database` imports the module app.database.
        return [f"{base}.{alias.name}" if base == "app" else base for alias in node.names]
    return []


def import_graph() -> dict[str, dict[str, str]]:
    """Map each unit of `app` to the units it imports, with one place that does it."""
    graph: dict[str, dict[str, str]] = {}
    for path, tree in _modules():
        source = _node(".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts))
        if path.name == "__init__.py" and path.parent == APP:
            source = "app"  # the factory
        assert source is not None
        edges = graph.setdefault(source, {})
        for node in ast.walk(tree):  # every import, inside functions too
            for target in map(_node, _imported(path, node)):
                if target and target != source:
                    edges.setdefault(target, _where(path, node))
    return graph


def find_cycle(graph: dict[str, dict[str, str]]) -> list[str] | None:
    """Return one cycle of the graph as a list of units, or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(unit: str) -> list[str] | None:
        state[unit] = "open"
        stack.append(unit)
        for target in sorted(graph.get(unit, {})):
            if state.get(target) == "open":
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[unit] = "done"
        return None

    for unit in sorted(graph):
        if unit not in state and (cycle := visit(unit)):
            return cycle
    return None


def test_the_packages_of_app_import_each_other_in_one_direction_only():
    graph = import_graph()
    cycle = find_cycle(graph)
    assert cycle is None, (
        "import cycle: "
        + " -> ".join(cycle)
        + "\n"
        + "\n".join(f"  {a} imports {b} at {graph[a][b]}" for a, b in itertools.pairwise(cycle))
    )


def test_the_cycle_check_finds_a_cycle_through_an_import_inside_a_function():
    graph = {"app.a": {"app.b": "a.py:1"}, "app.b": {"app.c": "b.py:1"}, "app.c": {"app.a": "c"}}
    assert find_cycle(graph) == ["app.a", "app.b", "app.c", "app.a"]
    assert find_cycle({"app.a": {"app.b": "x"}, "app.b": {}}) is None
    inside = ast.parse("def f():\n    from app.quizzes import services\n")
    imports = [node for node in ast.walk(inside) if isinstance(node, ast.ImportFrom)]
    assert [_node(m) for m in _imported(APP / "course" / "views.py", imports[0])] == ["app.quizzes"]


def test_the_factory_and_every_package_are_in_the_graph():
    graph = import_graph()
    assert {"app", "app.auth", "app.bank", "app.course", "app.quizzes", "app.instructor"} <= set(
        graph
    )
    assert "app.quizzes" in graph["app"]  # the factory registers every blueprint


# --- module size -------------------------------------------------------------------------


def test_no_module_is_longer_than_a_reader_takes_in():
    long = [
        f"{path.relative_to(PROJECT_ROOT)}: {lines} lines"
        for path, _ in _modules()
        if path not in LONG_MODULES
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    ]
    assert not long, f"split these modules (at most {MAX_MODULE_LINES} lines):\n" + "\n".join(long)
