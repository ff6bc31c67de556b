"""The report page (pure): the figures `gather` collected, as one self-contained HTML file with
inline CSS (`page.css`) and SVG charts (`charts`), no script, nothing fetched (its links to
open.spotify.com and to the other pages are plain links a reader may follow).

Music first: the listener's period (`sections.music`), then the long view, the playlists, the
library, and last the pipeline's health, data quality and cost — which also opens the page as a
warning banner when something is wrong.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from spotify_etl.report.periods import period_of
from spotify_etl.report.sections.common import e
from spotify_etl.report.sections.health import health, warnings
from spotify_etl.report.sections.library import library
from spotify_etl.report.sections.longview import long_view
from spotify_etl.report.sections.music import music
from spotify_etl.report.sections.playlists import playlists

# What a page holds when gather gave less (a page rendered from a partial report).
_DEFAULTS: dict[str, Any] = {
    "date": None, "snapshot_date": None, "platform": "local", "rows": {}, "quarantined": {},
    "item_types": {}, "api": {"calls": None, "http_429": None, "statuses": {}, "shapes": {}},
    "time_zone": "UTC", "listening": {
        "now": None, "before": None, "buckets": [], "hours": [], "streak": None,
        "top_tracks": [], "on_repeat": [], "top_artists": [], "top_albums": [],
        "new_artists": {"total": 0, "shown": []}, "compared": None,
    },
    "long_view": {"months": [], "top_artists_years": {}, "first_listens": {}},
    "library": {}, "pages": [], "queries": 0, "bytes_scanned": 0,
    "cost_estimate": {"athena_usd": 0.0, "lambda_usd": 0.0, "crawler_usd": 0.0, "total_usd": 0.0},
}  # fmt: skip


@cache
def css() -> str:
    """The page's style sheet (inlined: the page fetches nothing)."""
    return (resources.files("spotify_etl.report") / "page.css").read_text(encoding="utf-8")


def _nav(r: dict[str, Any]) -> str:
    """Links to the other pages (this week, each year, all time, every page)."""
    links = r.get("pages") or []
    if not links:
        return ""
    items = "".join(
        f'<li><a href="{e(x["href"])}" aria-current="page">{e(x["label"])}</a></li>'
        if x.get("current")
        else f'<li><a href="{e(x["href"])}">{e(x["label"])}</a></li>'
        for x in links
    )
    return f'<nav aria-label="Other pages"><ul class="periods">{items}</ul></nav>'


def _header(r: dict[str, Any]) -> str:
    page = r["page"]
    kind = page["kind"]
    heading = {
        "week": "Your week in music", "month": f"Your {page['title']} in music",
        "year": f"Your {page['title']} in music", "all": "All your listening",
    }[kind]  # fmt: skip
    sub = "Spotify wrapped" if kind == "year" else "Spotify report"
    return (
        f'<header><p class="eyebrow">{e(sub)} · {e(page["title"])} · times in '
        f"{e(r['time_zone'])}</p>"
        f"<h1>{e(heading)}</h1>{_nav(r)}</header>"
    )


def title(r: dict[str, Any]) -> str:
    page = r.get("page") or {}
    return f"Spotify report: {page.get('title') or r.get('date') or r.get('snapshot_date')}"


def render_html(report: dict[str, Any]) -> str:
    """The self-contained page: inline CSS and SVG, no script, nothing fetched (pure)."""
    r = {**_DEFAULTS, **report}
    r["date"] = r["date"] or r["snapshot_date"] or ""
    r["listening"] = {**_DEFAULTS["listening"], **r["listening"]}
    if "page" not in r:  # a report of one date: the week ending on it
        week = period_of("week", r["date"])
        r["page"] = {"kind": "week", "key": week.key, "value": week.value,
                     "start": week.start, "end": week.end, "title": week.title()}  # fmt: skip
    source = r["snapshot_date"] and f"the snapshot of {r['snapshot_date']}"
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title(r))}</title><style>{css()}</style></head><body><main>"
        + _header(r) + warnings(r) + music(r) + long_view(r) + playlists(r) + library(r)
        + health(r)
        + '<footer><p class="muted">spotify-pipeline · figures from the curated tables'
        + (f" ({e(source)})" if source else "")
        + ", `listening` and the raw-zone manifests · report.json beside this page holds them "
        "all.</p></footer></main></body></html>\n"
    )  # fmt: skip
