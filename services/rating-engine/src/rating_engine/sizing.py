"""Enterprise size class (DOMAIN.md §6, the 2017 statistical standard), from a ruleset's table.

A firm is in the highest class whose every listed lower bound it meets, and micro when it
misses small's. A bound whose figure is missing leaves the class undecided, which makes the
result ``unknown`` unless a known figure already fails that class (then the search goes on
down, and a figure below small's bound ends at micro). An industry code too coarse to pick
one table row (``"G"`` spans transport, warehousing and post) is sized under every row it
could fall in, and the answer is kept only when they all agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from guarantee_shared.identifiers import INDUSTRY_SECTIONS as SECTION_DIVISIONS
from guarantee_shared.schemas.rating import SizeClass
from rating_engine.ruleset import SIZE_CLASSES, SizeBounds, SizeRow, SizeTable

Bound = tuple[str, Decimal]


@dataclass(frozen=True, slots=True)
class _Row:
    id: str
    prefixes: tuple[str, ...]
    classes: tuple[tuple[Bound, ...], ...]  # large, medium, small


def _bounds(bounds: SizeBounds, unit_yuan: Decimal) -> tuple[Bound, ...]:
    out: list[Bound] = []
    if bounds.employees is not None:
        out.append(("employees", Decimal(bounds.employees)))
    if bounds.revenue is not None:
        out.append(("revenue", bounds.revenue * unit_yuan))
    if bounds.total_assets is not None:
        out.append(("total_assets", bounds.total_assets * unit_yuan))
    return tuple(out)


def _compile_row(row: SizeRow, unit_yuan: Decimal) -> _Row:
    classes = tuple(_bounds(b, unit_yuan) for b in (row.large, row.medium, row.small))
    return _Row(id=row.id, prefixes=tuple(row.codes), classes=classes)


class SizeClassifier:
    """Sizes a firm by industry code, employees, annual revenue and total assets (yuan)."""

    def __init__(self, table: SizeTable) -> None:
        rows = [_compile_row(r, table.unit_yuan) for r in table.rows]
        self._catch_all = next(r for r in rows if not r.prefixes)
        self._rows = tuple(r for r in rows if r.prefixes)
        self.rows_for = lru_cache(maxsize=4096)(self._rows_for)

    def _definite(self, code: str) -> _Row | None:
        best: tuple[int, _Row] | None = None
        for row in self._rows:
            for prefix in row.prefixes:
                if code.startswith(prefix) and (best is None or len(prefix) > best[0]):
                    best = (len(prefix), row)
        return None if best is None else best[1]

    def _rows_for(self, code: str | None) -> tuple[_Row, ...]:
        """The table rows a firm with ``code`` may fall in (one when the code decides)."""
        if code is None:
            return (*self._rows, self._catch_all)
        row = self._definite(code)
        if row is not None:
            return (row,)
        finer = [r for r in self._rows if any(p.startswith(code) for p in r.prefixes)]
        covered = False
        if len(code) == 1:
            low, high = SECTION_DIVISIONS[code]
            covered = all(
                self._definite(f"{code}{d:02d}") is not None for d in range(low, high + 1)
            )
        return tuple(finer) if covered else (*finer, self._catch_all)

    def classify(
        self,
        code: str | None,
        *,
        employees: int | None,
        revenue: Decimal | None,
        total_assets: Decimal | None,
    ) -> SizeClass:
        figures: dict[str, Decimal | None] = {
            "employees": None if employees is None else Decimal(employees),
            "revenue": revenue,
            "total_assets": total_assets,
        }
        rows = self.rows_for(code)
        if len(rows) == 1:  # the usual case: the code picks one table row
            return _in_row(rows[0], figures)
        found = {_in_row(row, figures) for row in rows}
        return found.pop() if len(found) == 1 else SizeClass.UNKNOWN


def _in_row(row: _Row, figures: dict[str, Decimal | None]) -> SizeClass:
    for size, bounds in zip(SIZE_CLASSES, row.classes, strict=True):
        undecided = False
        for metric, bound in bounds:
            value = figures[metric]
            if value is None:
                undecided = True
            elif value < bound:
                break
        else:
            return SizeClass.UNKNOWN if undecided else size
    return SizeClass.MICRO
