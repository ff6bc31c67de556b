"""The charts' building blocks (pure): the figure around a chart, its data table, axes and
legends, with every label measured (`textfit`) so nothing is cut off or drawn over another.

Every chart is a `<figure>`: its title visible above it, then the SVG (`role="img"`, with a
`<title>` and a `<desc>`: a sentence saying what it shows and its main figures, also printed
under it), then the same data as a table inside `<details>`. The SVG is drawn on a 420-unit
wide canvas that the page scales to its column (about 600 px on a desktop, 370 px on a phone):
no text is smaller than 13 units, so none is under 11 px on a phone.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence

from spotify_etl.report import textfit

# Okabe & Ito (2008), without the yellow (too light on white for thin lines).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4", "4 4")
MARKERS = ("circle", "square", "diamond", "triangle", "circle", "square", "diamond")
WIDTH = 420
SIZE = 13  # the smallest text of a chart, in canvas units
FONT = f'font-family="system-ui, sans-serif" font-size="{SIZE}"'
GAP = 6  # between a label and what it labels


def number(value: float) -> str:
    """1234 → '1,234'; 12.5 → '12.5' (no trailing zeros)."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def esc(text: object) -> str:
    return html.escape(str(text))


def label(x: float, y: float, text: str, room: float, anchor: str = "start") -> str:
    """A text that fits `room` (cut with an ellipsis, the whole text in its tooltip)."""
    shown = textfit.fit(text, room, SIZE)
    tip = f"<title>{esc(text)}</title>" if shown != text else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{tip}{esc(shown)}</text>'


def figure(title: str, summary: str, height: float, body: str, table: str, key: str = "") -> str:
    # Ids derived from the chart itself: the same input renders the same HTML (a page's charts
    # have distinct titles, so their ids differ).
    n = hashlib.sha256(f"{title}\x1f{summary}".encode()).hexdigest()[:10]
    return (
        f'<figure class="chart"><figcaption class="chart-title">{esc(title)}</figcaption>'
        f'<svg role="img" aria-labelledby="c{n}t c{n}d" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" {FONT}><title id="c{n}t">'
        f'{esc(title)}</title><desc id="c{n}d">{esc(summary)}</desc>{body}</svg>{key}'
        f'<p class="chart-desc">{esc(summary)}</p>'
        f"<details><summary>Data as a table</summary>{table}</details></figure>"
    )


def empty(title: str, why: str) -> str:
    return (
        f'<figure class="chart empty"><figcaption class="chart-title">{esc(title)}</figcaption>'
        f'<p class="muted">{esc(why)}</p></figure>'
    )


def table(head: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    th = "".join(f'<th scope="col">{esc(h)}</th>' for h in head)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{number(v)}</td>'
            if isinstance(v, int | float) and not isinstance(v, bool)
            else f"<td>{esc(v)}</td>"
            for v in r
        )
        + "</tr>"
        for r in rows
    )
    return f'<table class="data"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'


def ticks(top: float, n: int = 4) -> list[float]:
    """Round axis ticks from 0 up to at least `top`."""
    if top <= 0:
        return [0, 1]
    raw = top / n
    magnitude = 10 ** (len(str(int(raw))) - 1) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return [step * i for i in range(int(-(-top // step)) + 1)]


def every(labels: Sequence[str], step: float) -> int:
    """Show every n-th x label: as many as fit side by side in columns `step` wide."""
    widest = max((textfit.width(x, SIZE) for x in labels), default=0) + GAP
    return max(1, int(-(-widest // max(step, 1))))


def axes(
    x_labels: Sequence[str], top: float, top_px: float, bottom: float, n_ticks: int = 4
) -> tuple[str, list[float], float, float]:
    """Gridlines, y ticks (a margin as wide as their text) and the x labels that fit; returns
    (svg, x positions, y scale per unit, the plot's left edge)."""
    marks = ticks(top, n_ticks)
    left = max(textfit.width(number(t), SIZE) for t in marks) + GAP + 2
    right = WIDTH - 4
    scale = (bottom - top_px) / (marks[-1] or 1)
    parts = []
    for t in marks:
        y = bottom - t * scale
        parts.append(
            f'<line x1="{left:.1f}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d0d0"/>'
            f'<text x="{left - GAP:.1f}" y="{y + 4.5:.1f}" text-anchor="end">{number(t)}</text>'
        )
    n = len(x_labels)
    step = (right - left) / max(1, n)
    xs = [left + step * (i + 0.5) for i in range(n)]
    parts += x_axis(x_labels, xs, step, bottom + SIZE + 8)
    return "".join(parts), xs, scale, left


def x_axis(labels: Sequence[str], xs: Sequence[float], step: float, y: float) -> list[str]:
    """The x labels that fit side by side, centred under their columns: none reaches past the
    canvas (the first and last are pulled in) or into its neighbour (then it is left out)."""
    shown, parts, right = every(labels, step), [], float(-GAP)
    for i, (x, text) in enumerate(zip(xs, labels, strict=True)):
        if i % shown:
            continue
        half = textfit.width(text, SIZE) / 2
        x_at = min(max(x, half + 1), WIDTH - half - 1)
        if x_at - half < right + GAP:
            continue
        right = x_at + half
        parts.append(f'<text x="{x_at:.1f}" y="{y:.1f}" text-anchor="middle">{esc(text)}</text>')
    return parts


def marker(kind: str, x: float, y: float, color: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{color}"/>'
    if kind == "diamond":
        pts = f"{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} {x - 5:.1f},{y:.1f}"
        return f'<polygon points="{pts}" fill="{color}"/>'
    if kind == "triangle":
        pts = f"{x:.1f},{y - 5:.1f} {x + 5:.1f},{y + 4:.1f} {x - 5:.1f},{y + 4:.1f}"
        return f'<polygon points="{pts}" fill="{color}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}"/>'


def legend(names: Sequence[str]) -> str:
    """The series' keys as an HTML list: each name whole on its line (never broken inside),
    the list wrapping between names; a name wider than the column ends in an ellipsis, with
    the whole name as its tooltip."""
    items = "".join(
        f'<li title="{esc(name)}"><svg width="28" height="12" aria-hidden="true">'
        f'<line x1="1" x2="27" y1="6" y2="6" stroke="{PALETTE[i % len(PALETTE)]}" '
        f'stroke-width="2.5" stroke-dasharray="{DASHES[i % len(DASHES)]}"/>'
        f"{marker(MARKERS[i % len(MARKERS)], 14, 6, PALETTE[i % len(PALETTE)])}</svg>"
        f"<span>{esc(name)}</span></li>"
        for i, name in enumerate(names)
    )
    return f'<ul class="legend">{items}</ul>'
