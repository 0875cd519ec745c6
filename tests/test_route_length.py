"""Route functions stay thin: HTTP in, one service call, a template or redirect out. A route of more than
fifteen lines (its docstring not counted) fails with its file and line; move the work into a service or a
`get_*_page` rule."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "meetups"
ROUTE_DECORATORS = {"route", "get", "post", "put", "patch", "delete"}
LONGEST = 15


def _is_route(node: ast.FunctionDef) -> bool:
    for decorator in node.decorator_list:
        call = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(call, ast.Attribute) and call.attr in ROUTE_DECORATORS:
            return True
    return False


def _length(node: ast.FunctionDef) -> int:
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
        body = body[1:]  # the docstring
    return body[-1].end_lineno - body[0].lineno + 1 if body else 0


def test_route_functions_are_at_most_fifteen_lines():
    too_long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.FunctionDef) and _is_route(node) and _length(node) > LONGEST:
                too_long.append(
                    f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.name} ({_length(node)})"
                )
    assert not too_long, "route functions over 15 lines:\n" + "\n".join(too_long)
