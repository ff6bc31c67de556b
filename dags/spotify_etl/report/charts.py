"""The report's charts: static, self-contained inline SVG (pure functions, no I/O).

Every chart is a `<figure>` whose SVG has `role="img"`, a `<title>` and a `<desc>` (a sentence
saying what it shows and its main figures), followed by the same data as a table inside
`<details>`: text alternatives for screen readers (the description is also the printed
caption). Colours come from the
Okabe–Ito palette, which stays distinguishable with the common colour-vision deficiencies,
and series also differ by dash pattern and marker, never by colour alone. The SVGs scale with
the page (`viewBox`, width 100%), so the charts fit a phone's width.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence

# Okabe & Ito (2008), without the yellow (too light on white for thin lines).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4", "4 4")
MARKERS = ("circle", "square", "diamond", "triangle", "circle", "square", "diamond")
# A single-hue ramp (light to dark blue) for the heatmap: ordered by lightness, so it reads
# in greyscale and for every colour-vision type.
RAMP = ("#f7fbff", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c", "#08306b")
ADDED, REMOVED = "#0072B2", "#D55E00"
WIDTH = 480
FONT = 'font-family="system-ui, sans-serif" font-size="14"'


def number(value: float) -> str:
    """1234 → '1,234'; 12.5 → '12.5' (no trailing zeros)."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _esc(text: object) -> str:
    return html.escape(str(text))


def _figure(
    title: str, summary: str, width: int, height: int, body: str, table: str, key: str = ""
) -> str:
    # Ids derived from the chart itself: the same input renders the same HTML (a page's charts
    # have distinct titles, so their ids differ).
    n = hashlib.sha256(f"{title}\x1f{summary}".encode()).hexdigest()[:10]
    return (
        f'<figure class="chart"><svg role="img" aria-labelledby="c{n}t c{n}d" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'{FONT}><title id="c{n}t">{_esc(title)}</title><desc id="c{n}d">{_esc(summary)}</desc>'
        f"{body}</svg>{key}<figcaption>{_esc(title)}. {_esc(summary)}</figcaption>"
        f"<details><summary>Data as a table</summary>{table}</details></figure>"
    )


def _empty(title: str, why: str) -> str:
    return (
        f'<figure class="chart empty"><p class="chart-title">{_esc(title)}</p>'
        f'<p class="muted">{_esc(why)}</p></figure>'
    )


def _table(head: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    th = "".join(f'<th scope="col">{_esc(h)}</th>' for h in head)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{number(v)}</td>'
            if isinstance(v, int | float) and not isinstance(v, bool)
            else f"<td>{_esc(v)}</td>"
            for v in r
        )
        + "</tr>"
        for r in rows
    )
    return f'<table class="data"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'


def _ticks(top: float, n: int = 4) -> list[float]:
    """Round axis ticks from 0 up to at least `top`."""
    if top <= 0:
        return [0, 1]
    raw = top / n
    magnitude = 10 ** (len(str(int(raw))) - 1) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return [step * i for i in range(int(-(-top // step)) + 1)]


def bars(title: str, items: Sequence[tuple[str, float]], unit: str, empty: str = "") -> str:
    """Horizontal bars, largest first as given: `items` are (label, value)."""
    if not items:
        return _empty(title, empty or "Nothing to show yet.")
    row, label_w = 26, 170
    height = len(items) * row + 10
    top = max(v for _, v in items) or 1
    span = WIDTH - label_w - 70
    parts = []
    for i, (label, value) in enumerate(items):
        y = 5 + i * row
        w = max(1.0, span * value / top) if value else 0.0
        shown = label if len(label) <= 24 else label[:23] + "…"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end">{_esc(shown)}</text>'
            f'<rect class="bar" x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" '
            f'fill="{PALETTE[0]}"><title>{_esc(label)}: {number(value)} {_esc(unit)}</title></rect>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 17}">{number(value)}</text>'
        )
    best = max(items, key=lambda x: x[1])
    summary = f"{len(items)} bars; the largest is {best[0]} with {number(best[1])} {unit}."
    return _figure(
        title, summary, WIDTH, height, "".join(parts), _table(["", unit], [list(x) for x in items])
    )


def _axes(
    x_labels: Sequence[str], top: float, plot: tuple[int, int, int, int], every: int = 1
) -> tuple[str, list[float], float]:
    """Gridlines, y ticks and x labels; returns (svg, x positions, y scale per unit)."""
    left, top_px, right, bottom = plot
    ticks = _ticks(top)
    scale = (bottom - top_px) / (ticks[-1] or 1)
    parts = []
    for t in ticks:
        y = bottom - t * scale
        parts.append(
            f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d0d0"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{number(t)}</text>'
        )
    n = len(x_labels)
    step = (right - left) / max(1, n)
    xs = [left + step * (i + 0.5) for i in range(n)]
    for i, (x, label) in enumerate(zip(xs, x_labels, strict=True)):
        if i % every == 0 or i == n - 1:
            parts.append(
                f'<text x="{x:.1f}" y="{bottom + 18}" text-anchor="middle">{_esc(label)}</text>'
            )
    return "".join(parts), xs, scale


def _marker(kind: str, x: float, y: float, color: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{color}"/>'
    if kind == "diamond":
        pts = f"{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} {x - 5:.1f},{y:.1f}"
        return f'<polygon points="{pts}" fill="{color}"/>'
    if kind == "triangle":
        pts = f"{x:.1f},{y - 5:.1f} {x + 5:.1f},{y + 4:.1f} {x - 5:.1f},{y + 4:.1f}"
        return f'<polygon points="{pts}" fill="{color}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}"/>'


def _legend(names: Sequence[str]) -> str:
    items = "".join(
        f'<li><svg width="28" height="12" aria-hidden="true"><line x1="1" x2="27" y1="6" y2="6" '
        f'stroke="{PALETTE[i % len(PALETTE)]}" stroke-width="2.5" '
        f'stroke-dasharray="{DASHES[i % len(DASHES)]}"/>'
        f"{_marker(MARKERS[i % len(MARKERS)], 14, 6, PALETTE[i % len(PALETTE)])}</svg>"
        f"{_esc(name)}</li>"
        for i, name in enumerate(names)
    )
    return f'<ul class="legend">{items}</ul>'


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
    height = 250
    values = [v for _, vs in series for v in vs if v is not None]
    grid, xs, scale = _axes(
        x_labels, max(values, default=1), (48, 12, WIDTH - 12, 210), every=_every(x_labels)
    )
    parts = [grid]
    for i, (name, vs) in enumerate(series):
        color, dash = PALETTE[i % len(PALETTE)], DASHES[i % len(DASHES)]
        # A None (no readable snapshot that day) breaks the line: nothing is drawn across it.
        runs: list[list[tuple[float, float]]] = [[]]
        for x, v in zip(xs, vs, strict=True):
            if v is None:
                runs.append([])
            else:
                runs[-1].append((x, 210 - v * scale))
        for run in (r for r in runs if r):
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
            parts.append(
                f'<polyline class="series" points="{path}" fill="none" stroke="{color}" '
                f'stroke-width="2.5" stroke-dasharray="{dash}"><title>{_esc(name)}</title>'
                "</polyline>"
            )
            parts.extend(_marker(MARKERS[i % len(MARKERS)], x, y, color) for x, y in run)
    first, last = x_labels[0], x_labels[-1]
    moves = "; ".join(
        f"{name}: {_span(vs, unit)}" for name, vs in series if any(v is not None for v in vs)
    )
    summary = f"From {first} to {last}. {moves}."
    table = _table(
        ["date", *[n for n, _ in series]],
        [
            [x, *["–" if vs[j] is None else vs[j] for _, vs in series]]
            for j, x in enumerate(x_labels)
        ],
    )
    return _figure(
        title, summary, WIDTH, height, "".join(parts), table, _legend([n for n, _ in series])
    )


def _span(values: Sequence[float | None], unit: str) -> str:
    known = [v for v in values if v is not None]
    if len(set(known)) == 1:
        return f"{number(known[0])} {unit} throughout"
    return f"{number(known[0])} to {number(known[-1])} {unit}"


def _every(labels: Sequence[str]) -> int:
    return 1 if len(labels) <= 8 else -(-len(labels) // 7)


def columns(
    title: str,
    x_labels: Sequence[str],
    values: Sequence[float],
    unit: str,
    empty: str = "",
) -> str:
    """Vertical columns, one per x label (a day)."""
    if not values or not any(values):
        return _empty(title, empty or "Nothing to show yet.")
    height = 250
    grid, xs, scale = _axes(x_labels, max(values), (48, 12, WIDTH - 12, 210), _every(x_labels))
    w = (WIDTH - 60) / max(1, len(values)) * 0.7
    parts = [grid]
    for x, label, v in zip(xs, x_labels, values, strict=True):
        h = v * scale
        parts.append(
            f'<rect class="bar" x="{x - w / 2:.1f}" y="{210 - h:.1f}" width="{w:.1f}" '
            f'height="{h:.1f}" fill="{PALETTE[0]}"><title>{_esc(label)}: {number(v)} '
            f"{_esc(unit)}</title></rect>"
        )
        if v:
            parts.append(
                f'<text x="{x:.1f}" y="{205 - h:.1f}" text-anchor="middle" font-size="12">'
                f"{number(v)}</text>"
            )
    best = max(range(len(values)), key=lambda i: values[i])
    summary = (
        f"{number(sum(values))} {unit} over {len(values)} days; the most on "
        f"{x_labels[best]} ({number(values[best])})."
    )
    table = _table(["date", unit], list(zip(x_labels, values, strict=True)))
    return _figure(title, summary, WIDTH, height, "".join(parts), table)


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
    height, mid_top, mid_bottom = 260, 12, 230
    top = max([*up, *down, 1])
    ticks = _ticks(top, 2)
    half = (mid_bottom - mid_top) / 2
    scale = half / ticks[-1]
    axis = mid_top + half
    n, every = len(x_labels), _every(x_labels)
    step = (WIDTH - 60) / n
    w = step * 0.6
    parts = []
    for t in ticks:
        for sign in (1, -1) if t else (1,):
            y = axis - sign * t * scale
            parts.append(
                f'<line x1="48" x2="{WIDTH - 12}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d0d0"/>'
                f'<text x="42" y="{y + 4:.1f}" text-anchor="end">{"−" if sign < 0 else ""}'
                f"{number(t)}</text>"
            )
    for i, label in enumerate(x_labels):
        x = 48 + step * (i + 0.5)
        for value, sign, color, name in (
            (up[i], 1, ADDED, names[0]),
            (down[i], -1, REMOVED, names[1]),
        ):
            if not value:
                continue
            h = value * scale
            y = axis - h if sign > 0 else axis
            pattern = "" if sign > 0 else ' stroke="#000" stroke-width="0.5" stroke-dasharray="2 2"'
            parts.append(
                f'<rect class="bar" x="{x - w / 2:.1f}" y="{y:.1f}" width="{w:.1f}" '
                f'height="{h:.1f}" fill="{color}"{pattern}><title>{_esc(label)}: '
                f"{number(value)} {name}</title></rect>"
            )
            ty = y - 4 if sign > 0 else y + h + 12
            parts.append(
                f'<text x="{x:.1f}" y="{ty:.1f}" text-anchor="middle" font-size="12">'
                f"{'+' if sign > 0 else '−'}{number(value)}</text>"
            )
        if i % every == 0 or i == n - 1:
            parts.append(
                f'<text x="{x:.1f}" y="{height - 4}" text-anchor="middle">{_esc(label)}</text>'
            )
    parts.append(f'<line x1="48" x2="{WIDTH - 12}" y1="{axis}" y2="{axis}" stroke="#444"/>')
    summary = (
        f"{number(sum(up))} {names[0]} and {number(sum(down))} {names[1]} from "
        f"{x_labels[0]} to {x_labels[-1]}."
    )
    key = (
        f'<ul class="legend"><li><span class="swatch" style="background:{ADDED}"></span>'
        f'{names[0]} (above the line)</li><li><span class="swatch" style="background:{REMOVED}">'
        f"</span>{names[1]} (below the line)</li></ul>"
    )
    table = _table(["date", names[0], names[1]], list(zip(x_labels, up, down, strict=True)))
    return _figure(title, summary, WIDTH, height, "".join(parts), table, key)


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
    left, top_px = 44, 8
    cell_w = (WIDTH - left - 8) / len(col_labels)
    cell_h = 24
    height = top_px + cell_h * len(row_labels) + 24
    top = max(max(r) for r in values)
    parts = []
    for i, label in enumerate(row_labels):
        y = top_px + i * cell_h
        parts.append(f'<text x="{left - 6}" y="{y + 16}" text-anchor="end">{_esc(label)}</text>')
        for j, v in enumerate(values[i]):
            shade = (
                RAMP[0] if not v else RAMP[min(len(RAMP) - 1, 1 + int((len(RAMP) - 2) * v / top))]
            )
            parts.append(
                f'<rect class="cell" x="{left + j * cell_w:.1f}" y="{y}" width="{cell_w - 1:.1f}" '
                f'height="{cell_h - 1}" fill="{shade}" stroke="#e0e0e0" stroke-width="0.5">'
                f"<title>{_esc(label)} {_esc(col_labels[j])}: {number(v)} {_esc(unit)}"
                "</title></rect>"
            )
    for j, label in enumerate(col_labels):
        if j % 3 == 0:
            x = left + (j + 0.5) * cell_w
            parts.append(
                f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" font-size="12">'
                f"{_esc(label)}</text>"
            )
    best = max(
        ((i, j) for i in range(len(row_labels)) for j in range(len(col_labels))),
        key=lambda ij: values[ij[0]][ij[1]],
    )
    summary = (
        f"{number(total)} {unit}; the busiest hour is {row_labels[best[0]]} "
        f"{col_labels[best[1]]} ({number(values[best[0]][best[1]])})."
    )
    steps = "".join(f'<span class="swatch" style="background:{c}"></span>' for c in RAMP)
    key = f'<p class="legend">fewer {steps} more {_esc(unit)}</p>'
    table = _table(
        ["", *col_labels],
        [[label, *row] for label, row in zip(row_labels, values, strict=True)],
    )
    return _figure(title, summary, WIDTH, int(height), "".join(parts), table, key)
