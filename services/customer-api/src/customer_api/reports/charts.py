"""Tiny server-side SVG charts: horizontal bars, stacked bars and a line, nothing external.

The page must render where no script or font may be fetched (an examiner's laptop, an archive),
so charts are inline SVG drawn here. Every chart is a ``<figure data-chart="name">`` holding an
``<svg role="img">`` with a ``<title>``; all text is escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from html import escape

PALETTE = ("#2f6db5", "#e08a2e", "#c23b3b", "#5a9e4b", "#8064a2", "#7f7f7f")
# The legend's colours as classes, not style attributes: the page's Content-Security-Policy
# allows exactly its one stylesheet (by hash), and an inline style attribute is not in it.
CSS = "".join(f".swatch.s{i}{{background:{colour}}}" for i, colour in enumerate(PALETTE))
_ROW = 24
_LABEL_W = 230
_BAR_W = 380
_VALUE_W = 90
_TOP = 8

Formatter = Callable[[float], str]
# Ratios arrive as Decimal, counts as int: charts draw floats.
Value = float | Decimal | None


def integer(value: float) -> str:
    return f"{value:,.0f}"


def percent(value: float) -> str:
    return f"{value:.2%}"


def _figure(name: str, title: str, width: int, height: int, body: str, legend: str = "") -> str:
    chart_id = f"chart-{escape(name)}"
    return (
        f'<figure class="chart" data-chart="{escape(name)}">'
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{chart_id}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f'<title id="{chart_id}">{escape(title)}</title>{body}</svg>'
        f"{legend}<figcaption>{escape(title)}</figcaption></figure>"
    )


def _empty(name: str, title: str) -> str:
    width = _LABEL_W + _BAR_W + _VALUE_W
    body = f'<text x="{width // 2}" y="22" text-anchor="middle" class="muted">无数据 No data</text>'
    return _figure(name, title, width, 36, body)


def _label(y: int, text: str) -> str:
    return (
        f'<text x="{_LABEL_W - 8}" y="{y + _ROW // 2 + 4}" text-anchor="end">{escape(text)}</text>'
    )


def bar_chart(
    name: str,
    title: str,
    bars: Sequence[tuple[str, Value]],
    *,
    fmt: Formatter = integer,
    scale_max: float | None = None,
    marker: tuple[str, float] | None = None,
) -> str:
    """Horizontal bars, one per (label, value); ``None`` is drawn as "—" without a bar.

    ``marker`` draws a labelled vertical line (a limit) at that value.
    """
    drawn = [(text, None if v is None else float(v)) for text, v in bars]
    values = [v for _, v in drawn if v is not None]
    if not values:
        return _empty(name, title)
    top = max([scale_max or 0.0, *values, marker[1] if marker else 0.0]) or 1.0
    width = _LABEL_W + _BAR_W + _VALUE_W
    height = _TOP * 2 + _ROW * len(drawn)
    parts: list[str] = []
    for i, (text, value) in enumerate(drawn):
        y = _TOP + i * _ROW
        parts.append(_label(y, text))
        if value is None:
            parts.append(f'<text x="{_LABEL_W + 4}" y="{y + _ROW // 2 + 4}">—</text>')
            continue
        length = max(1.0, _BAR_W * max(value, 0.0) / top)
        parts.append(
            f'<rect class="bar" x="{_LABEL_W}" y="{y + 4}" width="{length:.1f}" '
            f'height="{_ROW - 8}" fill="{PALETTE[0]}"><title>{escape(text)}: '
            f"{escape(fmt(value))}</title></rect>"
        )
        parts.append(
            f'<text x="{_LABEL_W + length + 6:.1f}" y="{y + _ROW // 2 + 4}">'
            f"{escape(fmt(value))}</text>"
        )
    if marker is not None:
        x = _LABEL_W + _BAR_W * marker[1] / top
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="2" y2="{height - 2}" stroke="{PALETTE[2]}" '
            f'stroke-dasharray="4 3"><title>{escape(marker[0])}</title></line>'
        )
    return _figure(name, title, width, height, "".join(parts))


def _legend(series: Sequence[str]) -> str:
    items = "".join(
        f'<li><span class="swatch s{i % len(PALETTE)}"></span>{escape(label)}</li>'
        for i, label in enumerate(series)
    )
    return f'<ul class="legend">{items}</ul>'


def stacked_bar_chart(
    name: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
) -> str:
    """One horizontal bar per category, split into the series' values (same order)."""
    totals = [sum(values[i] for _, values in series) for i in range(len(categories))]
    if not categories or not any(totals):
        return _empty(name, title)
    top = max(totals)
    width = _LABEL_W + _BAR_W + _VALUE_W
    height = _TOP * 2 + _ROW * len(categories)
    parts: list[str] = []
    for i, category in enumerate(categories):
        y = _TOP + i * _ROW
        parts.append(_label(y, category))
        x = float(_LABEL_W)
        for s, (label, values) in enumerate(series):
            if values[i] <= 0:
                continue
            length = _BAR_W * values[i] / top
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{y + 4}" width="{length:.1f}" '
                f'height="{_ROW - 8}" fill="{PALETTE[s % len(PALETTE)]}">'
                f"<title>{escape(category)} · {escape(label)}: {integer(values[i])}</title></rect>"
            )
            x += length
        parts.append(f'<text x="{x + 6:.1f}" y="{y + _ROW // 2 + 4}">{integer(totals[i])}</text>')
    return _figure(
        name, title, width, height, "".join(parts), _legend([label for label, _ in series])
    )


def line_chart(
    name: str,
    title: str,
    points: Sequence[tuple[str, Value]],
    *,
    y_min: float,
    y_max: float,
) -> str:
    """A line over labelled x positions; ``None`` breaks the line (no data that period)."""
    if not any(v is not None for _, v in points):
        return _empty(name, title)
    width, height, left, bottom, top = 640, 220, 40, 30, 12
    step = (width - left - 40) / max(1, len(points) - 1)
    span = (y_max - y_min) or 1.0

    def y_of(value: float) -> float:
        return top + (height - top - bottom) * (1 - (value - y_min) / span)

    parts = [
        f'<line x1="{left}" x2="{width - 10}" y1="{y_of(y_min):.1f}" y2="{y_of(y_min):.1f}" '
        'stroke="#999"/>'
    ]
    for tick in range(int(y_min), int(y_max) + 1):
        parts.append(
            f'<text x="{left - 6}" y="{y_of(tick) + 4:.1f}" text-anchor="end" class="muted">'
            f"{tick}</text>"
        )
    segments: list[list[tuple[float, float]]] = [[]]
    for i, (label, value) in enumerate(points):
        x = left + i * step
        parts.append(
            f'<text x="{x:.1f}" y="{height - 10}" text-anchor="middle" class="muted">'
            f"{escape(label)}</text>"
        )
        if value is None:
            segments.append([])
            continue
        y = y_of(float(value))
        segments[-1].append((x, y))
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{PALETTE[0]}">'
            f"<title>{escape(label)}: {float(value):.2f}</title></circle>"
        )
    for segment in segments:
        if len(segment) >= 2:
            path = " ".join(
                f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(segment)
            )
            parts.append(f'<path d="{path}" fill="none" stroke="{PALETTE[0]}" stroke-width="2"/>')
    return _figure(name, title, width, height, "".join(parts))


def roc_chart(name: str, title: str, points: Sequence[tuple[float, float]]) -> str:
    """A ROC curve on the unit square, with the diagonal of a rating that tells nothing."""
    if not points:
        return _empty(name, title)
    size, left, bottom, top, right = 240, 44, 34, 10, 10
    width, height = left + size + right, top + size + bottom

    def at(fpr: float, tpr: float) -> str:
        return f"{left + fpr * size:.1f},{top + (1 - tpr) * size:.1f}"

    parts = [
        f'<rect x="{left}" y="{top}" width="{size}" height="{size}" fill="none" stroke="#999"/>',
        f'<path d="M{at(0, 0)} L{at(1, 1)}" fill="none" stroke="#999" stroke-dasharray="4 4"/>',
        f'<path d="M{" L".join(at(x, y) for x, y in points)}" fill="none" '
        f'stroke="{PALETTE[0]}" stroke-width="2"/>',
    ]
    for tick in (0.0, 0.5, 1.0):
        parts.append(
            f'<text x="{left - 6}" y="{top + (1 - tick) * size + 4:.1f}" text-anchor="end" '
            f'class="muted">{tick:g}</text>'
            f'<text x="{left + tick * size:.1f}" y="{top + size + 14}" text-anchor="middle" '
            f'class="muted">{tick:g}</text>'
        )
    parts.append(
        f'<text x="{left + size / 2:.0f}" y="{height - 4}" text-anchor="middle" class="muted">'
        "误报率 false positive rate</text>"
    )
    return _figure(name, title, width, height, "".join(parts))
