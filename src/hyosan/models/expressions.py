"""Rate expressions such as ``(1 - h) * k / tau``: parsed once, evaluated safely from parameters."""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Mapping

from hyosan.errors import ModelError

_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}


def names_in(expression: str, where: str) -> set[str]:
    """The parameter names an expression uses; rejects anything but arithmetic."""
    tree = _parse(expression, where)
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif not isinstance(
            node,
            (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Load, *_BINARY, *_UNARY),
        ):
            raise ModelError(
                f"{where}: rate {expression!r} may only use numbers, parameters, + - * / **"
            )
    return names


def evaluate(expression: str, values: Mapping[str, float], where: str) -> float:
    """The value of an expression given parameter values (already in the model's time unit)."""
    tree = _parse(expression, where)

    def walk(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return float(node.value)
        if isinstance(node, ast.Name):
            if node.id not in values:
                raise ModelError(f"{where}: rate uses unknown parameter {node.id!r}")
            return float(values[node.id])
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            try:
                value = _BINARY[type(node.op)](walk(node.left), walk(node.right))
            except (ZeroDivisionError, OverflowError):
                message = f"{where}: rate {expression!r} divides by zero or overflows"
                raise ModelError(message) from None
            if isinstance(value, complex):  # a negative number to a fractional power
                raise ModelError(
                    f"{where}: rate {expression!r} is not a real number (a negative number "
                    "raised to a fractional power)"
                )
            return value
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            return _UNARY[type(node.op)](walk(node.operand))
        raise ModelError(
            f"{where}: rate {expression!r} may only use numbers, parameters, + - * / **"
        )

    value = walk(tree)
    if not math.isfinite(value):  # e.g. a product of large parameters that overflows to inf
        raise ModelError(f"{where}: rate {expression!r} = {value} is not a finite number")
    return value


def _parse(expression: str, where: str) -> ast.Expression:
    try:
        return ast.parse(str(expression), mode="eval")
    except SyntaxError:
        raise ModelError(f"{where}: cannot read rate expression {expression!r}") from None
