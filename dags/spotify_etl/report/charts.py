"""The report's charts: static, self-contained inline SVG (pure functions, no I/O).

Each chart is a figure with its title visible above it, a text alternative (`<title>`,
`<desc>`, a printed description) and its data as a table (`svg.figure`). Colours come from the
Okabe–Ito palette, which stays distinguishable with the common colour-vision deficiencies, and
series also differ by dash pattern and marker, never by colour alone. Labels are measured
(`textfit`): margins grow to hold them, x labels thin out to what fits side by side, and a label
longer than its room ends in an ellipsis with the whole text as its tooltip.
"""

from __future__ import annotations

from collections.abc import Sequence

from spotify_etl.report import textfit
from spotify_etl.report.svg import (
    DASHES,
    GAP,
    MARKERS,
    PALETTE,
    SIZE,
    WIDTH,
    axes,
    empty,
    esc,
    figure,
    label,
    legend,
    marker,
    number,
    table,
    ticks,
    x_axis,
)

__all__ = ["PALETTE", "bars", "columns", "diverging", "heatmap", "lines", "number"]
_ticks = ticks  # the name the tests know
# A single-hue ramp (light to dark blue) for the heatmap: ordered by lightness, so it reads
# in greyscale and for every colour-vision type.
RAMP = ("#f7fbff", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c", "#08306b")
ADDED, REMOVED = "#0072B2", "#D55E00"
ROW = 26  # a bar's row


def bars(
    title: str,
    items: Sequence[tuple[str, float]],
    unit: str,
    empty: str = "",
    data: tuple[Sequence[str], Sequence[Sequence[object]]] | None = None,
) -> str:
    """Horizontal bars, largest first as given: `items` are (label, value); `data` replaces
    the data table's (head, rows) (e.g. to add the IDs the labels leave out)."""
    if not items:
        return _empty(title, empty or "Nothing to show yet.")
    texts = [number(v) for _, v in items]
    value_w = max(textfit.width(t, SIZE) for t in texts) + GAP
    label_w = min(max(textfit.width(x, SIZE) for x, _ in items) + GAP + 2, WIDTH * 0.45)
    span = WIDTH - label_w - value_w - 4
    top = max(v for _, v in items) or 1
    parts = []
    for i, ((name, value), text) in enumerate(zip(items, texts, strict=True)):
        y = 5 + i * ROW
        w = max(1.0, span * value / top) if value else 0.0
        parts.append(
            label(label_w - GAP, y + 17, name, label_w - GAP - 1, "end")
            + f'<rect class="bar" x="{label_w:.1f}" y="{y + 4}" width="{w:.1f}" '
            f'height="{ROW - 8}" fill="{PALETTE[0]}"><title>{esc(name)}: {text} {esc(unit)}'
            f'</title></rect><text x="{label_w + w + 4:.1f}" y="{y + 17}">{text}</text>'
        )
    best = max(items, key=lambda x: x[1])
    summary = f"{len(items)} bars; the largest is {best[0]} with {number(best[1])} {unit}."
    head, rows = data or (["", unit], [list(x) for x in items])
    return figure(title, summary, len(items) * ROW + 10, "".join(parts), table(head, rows))


def _empty(title: str, why: str) -> str:
    return empty(title, why)


def lines(
    title: str,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    unit: str,
    empty: str = "",
) -> str:
    """One line per series over the x labels (dates); None leaves a gap."""
    if len(x_labels) < 2 or not any(v is not None for _, vs in series for v in vs):
        return _empty(title, empty or "A line needs two dates or more.")
    values = [v for _, vs in series for v in vs if v is not None]
    bottom = 210
    grid, xs, scale, _ = axes(x_labels, max(values, default=1), 12, bottom)
    parts = [grid]
    for i, (name, vs) in enumerate(series):
        color, dash = PALETTE[i % len(PALETTE)], DASHES[i % len(DASHES)]
        # A None (no readable snapshot that day) breaks the line: nothing is drawn across it.
        runs: list[list[tuple[float, float]]] = [[]]
        for x, v in zip(xs, vs, strict=True):
            if v is None:
                runs.append([])
            else:
                runs[-1].append((x, bottom - v * scale))
        for run in (r for r in runs if r):
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
            parts.append(
                f'<polyline class="series" points="{path}" fill="none" stroke="{color}" '
                f'stroke-width="2.5" stroke-dasharray="{dash}"><title>{esc(name)}</title>'
                "</polyline>"
            )
            parts.extend(marker(MARKERS[i % len(MARKERS)], x, y, color) for x, y in run)
    moves = "; ".join(
        f"{name}: {_span(vs, unit)}" for name, vs in series if any(v is not None for v in vs)
    )
    summary = f"From {x_labels[0]} to {x_labels[-1]}. {moves}."
    data = table(
        ["date", *[n for n, _ in series]],
        [
            [x, *["–" if vs[j] is None else vs[j] for _, vs in series]]
            for j, x in enumerate(x_labels)
        ],
    )
    return figure(title, summary, bottom + SIZE + 14, "".join(parts), data,
                  legend([n for n, _ in series]))  # fmt: skip


def _span(values: Sequence[float | None], unit: str) -> str:
    known = [v for v in values if v is not None]
    if len(set(known)) == 1:
        return f"{number(known[0])} {unit} throughout"
    return f"{number(known[0])} to {number(known[-1])} {unit}"


def columns(
    title: str,
    x_labels: Sequence[str],
    values: Sequence[float],
    unit: str,
    empty: str = "",
    over: str = "days",
    names: Sequence[str] | None = None,
) -> str:
    """Vertical columns, one per x label (a day, a month, a year); `names` are the labels'
    long forms for the description and table (default: the labels)."""
    if not values or not any(values):
        return _empty(title, empty or "Nothing to show yet.")
    names = list(names or x_labels)
    bottom = 210
    grid, xs, scale, left = axes(x_labels, max(values), 12 + SIZE + 4, bottom)
    step = (WIDTH - 4 - left) / max(1, len(values))
    w = step * 0.7
    texts = [number(v) for v in values]
    # Figures on top of the columns only when each fits above its own column.
    on_top = all(textfit.width(t, SIZE) <= step - 2 for t in texts)
    parts = [grid]
    for x, name, v, text in zip(xs, names, values, texts, strict=True):
        h = v * scale
        parts.append(
            f'<rect class="bar" x="{x - w / 2:.1f}" y="{bottom - h:.1f}" width="{w:.1f}" '
            f'height="{h:.1f}" fill="{PALETTE[0]}"><title>{esc(name)}: {text} {esc(unit)}'
            "</title></rect>"
        )
        if v and on_top:
            parts.append(
                f'<text x="{x:.1f}" y="{bottom - h - 4:.1f}" text-anchor="middle">{text}</text>'
            )
    best = max(range(len(values)), key=lambda i: values[i])
    summary = (
        f"{number(round(sum(values), 1))} {unit} over {len(values)} {over}; the most "
        f"{'on' if over == 'days' else 'in'} "
        f"{names[best]} ({texts[best]})."
    )
    data = table(["", unit], list(zip(names, values, strict=True)))
    return figure(title, summary, bottom + SIZE + 14, "".join(parts), data)


def diverging(
    title: str,
    x_labels: Sequence[str],
    up: Sequence[float],
    down: Sequence[float],
    names: tuple[str, str] = ("added", "removed"),
    empty: str = "",
) -> str:
    """Columns above the axis (added) and below it (removed), one pair per x label."""
    if not x_labels or not (any(up) or any(down)):
        return _empty(title, empty or "No changes yet.")
    mid_top, mid_bottom = 12 + SIZE + 4, 236 - SIZE - 4
    height = mid_bottom + SIZE + 4 + SIZE + 10
    marks = ticks(max([*up, *down, 1]), 2)
    half = (mid_bottom - mid_top) / 2
    scale = half / marks[-1]
    axis = mid_top + half
    left = max(textfit.width(f"−{number(t)}", SIZE) for t in marks) + GAP + 2
    n = len(x_labels)
    step = (WIDTH - 4 - left) / n
    w = step * 0.6
    texts = [
        (f"+{number(a)}" if a else "", f"−{number(r)}" if r else "")
        for a, r in zip(up, down, strict=True)
    ]
    on_bar = all(textfit.width(t, SIZE) <= step - 2 for pair in texts for t in pair)
    parts = []
    for t in marks:
        for sign in (1, -1) if t else (1,):
            y = axis - sign * t * scale
            parts.append(
                f'<line x1="{left:.1f}" x2="{WIDTH - 4}" y1="{y:.1f}" y2="{y:.1f}" '
                f'stroke="#d0d0d0"/><text x="{left - GAP:.1f}" y="{y + 4.5:.1f}" '
                f'text-anchor="end">{"−" if sign < 0 else ""}{number(t)}</text>'
            )
    for i, text in enumerate(x_labels):
        x = left + step * (i + 0.5)
        for value, sign, color, name, shown_text in (
            (up[i], 1, ADDED, names[0], texts[i][0]),
            (down[i], -1, REMOVED, names[1], texts[i][1]),
        ):
            if not value:
                continue
            h = value * scale
            y = axis - h if sign > 0 else axis
            pattern = "" if sign > 0 else ' stroke="#000" stroke-width="0.5" stroke-dasharray="2 2"'
            parts.append(
                f'<rect class="bar" x="{x - w / 2:.1f}" y="{y:.1f}" width="{w:.1f}" '
                f'height="{h:.1f}" fill="{color}"{pattern}><title>{esc(text)}: '
                f"{number(value)} {name}</title></rect>"
            )
            if on_bar:
                ty = y - 4 if sign > 0 else y + h + SIZE
                parts.append(
                    f'<text x="{x:.1f}" y="{ty:.1f}" text-anchor="middle">{shown_text}</text>'
                )
    parts += x_axis(x_labels, [left + step * (i + 0.5) for i in range(n)], step, height - 6)
    parts.append(f'<line x1="{left:.1f}" x2="{WIDTH - 4}" y1="{axis}" y2="{axis}" stroke="#444"/>')
    summary = (
        f"{number(sum(up))} {names[0]} and {number(sum(down))} {names[1]} from "
        f"{x_labels[0]} to {x_labels[-1]}."
    )
    key = (
        f'<ul class="legend"><li><span class="swatch" style="background:{ADDED}"></span>'
        f'<span>{names[0]} (above the line)</span></li><li><span class="swatch" '
        f'style="background:{REMOVED}"></span><span>{names[1]} (below the line)</span></li></ul>'
    )
    data = table(["date", names[0], names[1]], list(zip(x_labels, up, down, strict=True)))
    return figure(title, summary, height, "".join(parts), data, key)


def heatmap(
    title: str,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    values: Sequence[Sequence[float]],
    unit: str,
    empty: str = "",
) -> str:
    """A grid of cells (rows × columns) shaded by value, each cell titled with its figure."""
    total = sum(sum(r) for r in values)
    if not total:
        return _empty(title, empty or "Nothing to show yet.")
    left = max(textfit.width(x, SIZE) for x in row_labels) + GAP + 2
    top_px, cell_h = 6, 22
    cell_w = (WIDTH - left - 4) / len(col_labels)
    height = top_px + cell_h * len(row_labels) + SIZE + 10
    top = max(max(r) for r in values)
    parts = []
    for i, name in enumerate(row_labels):
        y = top_px + i * cell_h
        parts.append(
            f'<text x="{left - GAP:.1f}" y="{y + 15.5}" text-anchor="end">{esc(name)}</text>'
        )
        for j, v in enumerate(values[i]):
            shade = (
                RAMP[0] if not v else RAMP[min(len(RAMP) - 1, 1 + int((len(RAMP) - 2) * v / top))]
            )
            parts.append(
                f'<rect class="cell" x="{left + j * cell_w:.1f}" y="{y}" '
                f'width="{cell_w - 1:.1f}" height="{cell_h - 1}" fill="{shade}" '
                f'stroke="#e0e0e0" stroke-width="0.5"><title>{esc(name)} {esc(col_labels[j])}: '
                f"{number(v)} {esc(unit)}</title></rect>"
            )
    xs = [left + (j + 0.5) * cell_w for j in range(len(col_labels))]
    parts += x_axis(col_labels, xs, cell_w, height - 6)
    best = max(
        ((i, j) for i in range(len(row_labels)) for j in range(len(col_labels))),
        key=lambda ij: values[ij[0]][ij[1]],
    )
    summary = (
        f"{number(round(total, 1))} {unit}; the busiest hour is {row_labels[best[0]]} "
        f"{col_labels[best[1]]} ({number(values[best[0]][best[1]])})."
    )
    steps = "".join(f'<span class="swatch" style="background:{c}"></span>' for c in RAMP)
    key = f'<p class="legend">fewer {steps} more {esc(unit)}</p>'
    data = table(
        ["", *col_labels],
        [[name, *row] for name, row in zip(row_labels, values, strict=True)],
    )
    return figure(title, summary, height, "".join(parts), data, key)
