"""Straight-line Python generated once per ruleset for the per-request hot path.

A group of closures costs a Python call per clause and per ``all``/``any`` on every request;
one generated function per group does the same work as plain ``and``/``or`` code. Ruleset
values never enter the source text: the code refers to them by names (``_c0``, ``_c1``…)
bound in the namespace it is executed in, and the ruleset was validated before this runs.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeAlias

from rating_engine.ruleset import AllOf, AnyOf, Expr

if TYPE_CHECKING:
    from rating_engine.compiled import FactorRow, Reason
    from rating_engine.features import Value


class _Source:
    """Generated Python source and its constants, held by name: ruleset values never enter the
    source text, only names ``_c0``, ``_c1``... bound in the namespace it is executed in."""

    def __init__(self) -> None:
        self.constants: dict[str, Any] = {}

    def const(self, value: Any) -> str:
        name = f"_c{len(self.constants)}"
        self.constants[name] = value
        return name

    def expr(self, expr: Expr) -> str:
        """An expression over the local ``get`` true exactly when ``compile_expr(expr)`` is."""
        if isinstance(expr, AllOf):
            return "(" + " and ".join(self.expr(e) for e in expr.all) + ")"
        if isinstance(expr, AnyOf):
            return "(" + " or ".join(self.expr(e) for e in expr.any) + ")"
        feature, op, target = expr
        key = self.const(feature)
        if op == "in":
            members = frozenset(target) if isinstance(target, list) else frozenset({target})
            return f"(get({key}) in {self.const(members)})"
        if op == "eq":
            return f"(get({key}) == {self.const(target)})"
        symbol = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "ne": "!="}[op]
        return f"((v := get({key})) is not None and v {symbol} {self.const(target)})"


# Strings: Value and Reason are imported for type checking only (compiled.py imports this).
Matcher: TypeAlias = "Callable[[Mapping[str, Value]], list[Any]]"


def compile_matcher(conditions: list[tuple[Any, Expr]]) -> Matcher:
    """One function answering the labels of the conditions that hold, in their order.

    The same truth as :func:`compile_expr` per condition, as straight-line code: a group of
    closures costs a Python call per clause and per ``all``/``any`` on every request.
    """
    source = _Source()
    lines = ["def matches(values):", "    get = values.get", "    found = []"]
    for label, when in conditions:
        lines.append(f"    if {source.expr(when)}:")
        lines.append(f"        found.append({source.const(label)})")
    lines.append("    return found")
    namespace = dict(source.constants)
    exec("\n".join(lines), namespace)  # noqa: S102 - source built above from a validated ruleset
    matcher: Matcher = namespace["matches"]
    return matcher


ReasonsOf: TypeAlias = "Callable[[Mapping[str, Value]], tuple[list[Reason], int]]"

# Per numeric factor: the missing reason when the value is unknown, else the bin the value
# falls in (the first bound strictly above it; bounds are exclusive) and, worth any points
# against neutral, its reason with the value in the message. Derived numbers are floats
# already; float() only for other numbers.
_NUMERIC_SOURCE = """
    value = get({feature})
    if value is None or isinstance(value, str):
        append({missing}.copy())
    else:
        number = value if value.__class__ is float else float(value)
        points, code, message = {bins}[bisect_right({thresholds}, number)]
        if points:
            total += points
            append({{"code": code, "factor": {factor}, "points": points,
                    "message": message(number)}})"""
# Per categorical factor: the category's reason when it is worth points, the missing reason
# when the value is not a known category.
_CATEGORICAL_SOURCE = """
    value = get({feature})
    found = {categories}.get(value) if isinstance(value, str) else None
    if found is None:
        append({missing}.copy())
    elif found["points"]:
        total += found["points"]
        append(found.copy())"""


def compile_reasons(rows: tuple[FactorRow, ...]) -> ReasonsOf:
    """One function answering each factor's reason in scorecard order and their points' sum.

    Known factors worth no points against neutral are left out. Straight-line code, one block
    per factor, rather than a loop over ``rows``: no per-factor unpacking and dispatch.
    Reasons are plain dicts, copied from the compiled ones, never shared between ratings.
    """
    source = _Source()
    lines = ["def reasons_of(values):", "    get = values.get", "    reasons = []",
             "    append = reasons.append", "    total = 0"]  # fmt: skip
    for row in rows:
        parts = {"feature": source.const(row.feature), "missing": source.const(row.missing_reason)}
        if row.categories is not None:
            lines.append(
                _CATEGORICAL_SOURCE.format(categories=source.const(row.categories), **parts)
            )
        else:
            lines.append(
                _NUMERIC_SOURCE.format(
                    bins=source.const(row.bins),
                    thresholds=source.const(row.thresholds),
                    factor=source.const(row.factor_id),
                    **parts,
                )
            )
    lines.append("    return reasons, total")
    namespace = {"bisect_right": bisect_right, **source.constants}
    exec("\n".join(lines), namespace)  # noqa: S102 - source built above from a validated ruleset
    reasons_of: ReasonsOf = namespace["reasons_of"]
    return reasons_of
