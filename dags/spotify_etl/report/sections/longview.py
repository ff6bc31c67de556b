"""The long view (pure): minutes per month over the years, each year's top artists and the
artists first heard each year, from all of `listening` up to the page's end."""

from __future__ import annotations

from typing import Any

from spotify_etl.report import charts
from spotify_etl.report.sections.common import day, e, link, minutes, month, n, name, section, table

NONE = (
    "Only the last days so far: import your Spotify data export "
    "(spotify-pipeline import my_spotify_data.zip) to see your years."
)


def long_view(r: dict[str, Any]) -> str:
    lv = r["long_view"]
    months = lv["months"]
    hours = charts.columns(
        "Hours listened per month, over the years",
        [m["month"] for m in months],
        [round(m["minutes"] / 60, 1) for m in months],
        "hours",
        empty=NONE,
        over="months",
        names=[month(m["month"]) for m in months],
    )
    years = lv["top_artists_years"]
    top = ""
    if years:
        rows = [
            [
                e(year),
                ", ".join(
                    f"{link('artist', a['artist_id'], a['artist'])} ({minutes(a['minutes'])})"
                    for a in artists
                ),
            ]
            for year, artists in years.items()
        ]
        top = "<h3>Your top artists, year by year</h3>" + table(
            [("year", False), ("the five listened to most", False)], rows
        )
    firsts = ""
    if lv["first_listens"]:
        rows = [
            [
                e(year),
                n(f["artists"]),
                "; ".join(
                    f"{link('artist', x['artist_id'], x['artist'])} (from "
                    f"{e(day(x['first_day']))}, with {name(x['first_track'] or 'a track')})"
                    for x in f["shown"]
                ),
            ]
            for year, f in lv["first_listens"].items()
        ]
        firsts = "<h3>First listens: the artists you found each year</h3>" + table(
            [("year", False), ("artists", True), ("the three heard most that year", False)],
            rows,
        )
    body = f'<div class="grid2">{hours}<div>{top}</div></div>{firsts}'
    return section("years", "The long view", body)
