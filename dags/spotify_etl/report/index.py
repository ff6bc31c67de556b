"""The reports' index page (pure): every page the reports folder holds, linked, newest first —
the weeks, the months, each year's "wrapped" and all time. Self-contained like the pages."""

from __future__ import annotations

from typing import Any

from spotify_etl.report.page import css
from spotify_etl.report.sections.common import e

_KINDS = (("week", "Weeks"), ("month", "Months"), ("year", "Years"), ("all", "All time"))


def render_index(entries: list[dict[str, Any]]) -> str:
    """The index of `entries` (kind, label, href relative to the index)."""
    parts = []
    for kind, title in _KINDS:
        mine = [x for x in entries if x["kind"] == kind]
        if mine:
            items = "".join(f'<li><a href="{e(x["href"])}">{e(x["label"])}</a></li>' for x in mine)
            parts.append(f'<h2>{e(title)}</h2><ul class="periods">{items}</ul>')
    body = "".join(parts) or "<p>No report yet: the daily run writes the first.</p>"
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Spotify reports</title><style>{css()}</style></head><body><main>"
        '<header><h1>Your Spotify reports</h1><p class="eyebrow">Every page in this folder: '
        "your weeks, months and years in music.</p></header>"
        f"{body}</main></body></html>\n"
    )
