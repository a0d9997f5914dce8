"""Building blocks of the HTML report: escaped tables, sections, notes and the inline CSS."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from html import escape

Cell = str | int | float | Decimal | date | None

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","PingFang SC",
"Microsoft YaHei",sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.25rem;border-bottom:2px solid #2f6db5;padding-bottom:.2rem;
margin-top:2.2rem}h3{font-size:1.05rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#eef3fa}
.chart{margin:.8rem 0}.chart svg{font-size:12px;max-width:100%;height:auto}
.chart text{fill:#222}.chart .muted{fill:#777}figcaption{color:#555;font-size:.85rem}
.legend{list-style:none;padding:0;margin:.3rem 0;display:flex;gap:1rem;font-size:.85rem}
.swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:middle}
.bad{color:#c23b3b;font-weight:600}.ok{color:#3a7d2c}.note{color:#555;font-size:.9rem}
"""


def _fmt(value: Cell) -> tuple[str, bool]:
    """(text, numeric) for a table cell."""
    if value is None:
        return "—", False
    if isinstance(value, bool):
        return ("是 yes" if value else "否 no"), False
    if isinstance(value, Decimal):
        return f"{value:,.2f}", True
    if isinstance(value, int):
        return f"{value:,}", True
    if isinstance(value, float):
        return f"{value:,.2f}", True
    if isinstance(value, date):
        return value.isoformat(), False
    return str(value), False


def pct(value: Decimal | float | None) -> str:
    return "—" if value is None else f"{float(value):.2%}"


def table(headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for value in row:
            text, numeric = _fmt(value)
            cells.append(
                f'<td class="n">{escape(text)}</td>' if numeric else f"<td>{escape(text)}</td>"
            )
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not body:
        body.append(f'<tr><td colspan="{len(headers)}">无 none</td></tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def section(anchor: str, title: str, *parts: str) -> str:
    return f'<section id="{escape(anchor)}"><h2>{escape(title)}</h2>{"".join(parts)}</section>'


def note(text: str) -> str:
    return f'<p class="note">{escape(text)}</p>'
