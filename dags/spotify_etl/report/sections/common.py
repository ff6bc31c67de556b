"""What every section writes alike (pure): escaped text, numbers, durations, days, and plain
links that open a track, artist or album in Spotify (nothing is fetched: a reader's click)."""

from __future__ import annotations

import html
import re
from datetime import date

from spotify_etl.report.changes import WEEKDAYS, plural
from spotify_etl.report.periods import MONTHS, short_date
from spotify_etl.report.svg import number

__all__ = ["WEEKDAYS", "plural"]
SPOTIFY = "https://open.spotify.com"
_ID = re.compile(r"^[0-9A-Za-z]{22}$")


def e(value: object) -> str:
    return html.escape(str(value))


def n(value: float | None) -> str:
    return "–" if value is None else number(value)


def minutes(value: float) -> str:
    """953.6 → '954 min'; 5,012 minutes → '83.5 h'."""
    if value >= 6000:
        return f"{value / 60:,.1f} h"
    return f"{value:,.0f} min" if value >= 10 else f"{value:,.1f} min"


def day(iso: str) -> str:
    """'2026-11-24' → '24 Nov 2026'."""
    return short_date(date.fromisoformat(iso))


def short_day(iso: str) -> str:
    """'2026-11-28' → 'Sat 28' (axis labels that fit a phone)."""
    d = date.fromisoformat(iso)
    return f"{WEEKDAYS[d.weekday()]} {d.day}"


def month(iso: str) -> str:
    """'2026-11' → 'Nov 2026'."""
    return f"{MONTHS[int(iso[5:7]) - 1]} {iso[:4]}"


def name(text: object) -> str:
    """A name in its own direction (an Arabic title beside Latin text keeps its place)."""
    return f"<bdi>{e(text)}</bdi>"


def link(kind: str, spotify_id: str | None, text: str) -> str:
    """`text` linking to the item in Spotify when its ID is a Spotify ID, else plain text."""
    if spotify_id and _ID.fullmatch(spotify_id):
        return f'<a href="{SPOTIFY}/{kind}/{spotify_id}">{name(text)}</a>'
    return name(text)


def span(first: str, last: str) -> str:
    """'18 – 24 Nov 2026', '28 Nov – 4 Dec 2026', '24 Nov 2026' (ISO days, inclusive)."""
    a, b = date.fromisoformat(first), date.fromisoformat(last)
    if a == b:
        return short_date(a)
    if a.year != b.year:
        return f"{short_date(a)} – {short_date(b)}"
    if a.month != b.month:
        return f"{a.day} {MONTHS[a.month - 1]} – {short_date(b)}"
    return f"{a.day} – {short_date(b)}"


def change(now: float, before: float | None) -> str:
    """'+12%' / '−8%' / 'same' against the period compared with ('' when it had none)."""
    if not before:
        return ""
    ratio = (now - before) / before * 100
    if abs(ratio) < 0.5:
        return "the same as"
    return f"{'+' if ratio > 0 else '−'}{abs(ratio):,.0f}% on"


def section(ident: str, title: str, body: str, lead: str = "") -> str:
    intro = f'<p class="lead">{lead}</p>' if lead else ""
    return (
        f'<section id="{ident}" aria-labelledby="{ident}-h"><h2 id="{ident}-h">{e(title)}</h2>'
        f"{intro}{body}</section>"
    )


def table(head: list[tuple[str, bool]], rows: list[list[str]], caption: str = "") -> str:
    """A table of already-escaped cells; head: (name, numeric) per column."""
    th = "".join(f'<th scope="col"{" class=num" if num else ""}>{e(h)}</th>' for h, num in head)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=num' if head[i][1] else ''}>{cell}</td>" for i, cell in enumerate(r)
        )
        + "</tr>"
        for r in rows
    )
    cap = f"<caption>{e(caption)}</caption>" if caption else ""
    return (
        f'<div class="scroll"><table>{cap}<thead><tr>{th}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )
