"""The page's first section (pure): the listener's period in music — minutes and listens against
the period before, the longest streak, new artists, the share skipped, the top tracks, artists
and albums by minutes, what is on repeat, and when they listen (their time zone's hours)."""

from __future__ import annotations

from datetime import date
from typing import Any

from spotify_etl import sql
from spotify_etl.report import charts
from spotify_etl.report.periods import period_of
from spotify_etl.report.sections.common import (
    WEEKDAYS,
    change,
    day,
    e,
    link,
    minutes,
    month,
    n,
    name,
    plural,
    section,
    short_day,
    span,
)

NO_LISTENING = (
    "Your listening comes from two places: the hourly listening DAG "
    "(spotify_listening_history) keeps the Web API's last 50 plays, and your Spotify data "
    "export holds your years. Ask Spotify for the export (your account page → Privacy "
    "settings → Download your data: “Extended streaming history”), then run "
    "<code>spotify-pipeline import my_spotify_data.zip</code>."
)


def _stat(value: str, what: str, sub: str = "") -> str:
    extra = f'<span class="sub">{sub}</span>' if sub else ""
    return f"<li><b>{value}</b><span>{e(what)}</span>{extra}</li>"


def _compared(r: dict[str, Any]) -> str:
    """What the period is compared with: 'the week before', 'October 2026', '2025 to 24 Nov'."""
    compared, page = r["listening"].get("compared"), r["page"]
    if not compared:
        return ""
    start, end = compared
    # Whole when it runs to the end of its own week, month or year (a cut one stops earlier).
    if page["kind"] in ("month", "year"):
        cut = end != period_of(page["kind"], start).end
    else:
        cut = (date.fromisoformat(end) - date.fromisoformat(start)).days < 6
    if page["kind"] == "week":
        return "the week before" if not cut else f"the week before ({span(start, end)})"
    label = month(start[:7]) if page["kind"] == "month" else start[:4]
    if cut:
        return f"{label} to {span(end, end).rsplit(' ', 1)[0]}"
    return label


def stats(r: dict[str, Any]) -> str:
    """The period's figures as cards, each against the period compared with."""
    lst = r["listening"]
    now, before = lst["now"], lst.get("before") or {}
    when = _compared(r)
    cards = []
    for key, what in (("minutes", "minutes listened"), ("plays", "listens (30 s or more)")):
        diff = change(now[key], before.get(key)) if when else ""
        sub = f"{diff} {when}: {before.get(key, 0):,.0f}" if diff else (
            f"none in {when}" if when else ""
        )  # fmt: skip
        cards.append(_stat(f"{now[key]:,.0f}", what, e(sub)))
    streak = lst.get("streak")
    if streak:
        when_streak = span(streak["first"], streak["last"])
        cards.append(_stat(plural(streak["days"], "day"), "longest daily streak", e(when_streak)))
    new = lst["new_artists"]
    first = new["shown"][0]["artist"] if new["shown"] else ""
    cards.append(_stat(f"{new['total']:,}", "new artists", "first heard: " + name(first) if first
                       else "none first heard in this period"))  # fmt: skip
    if now["told"]:
        share = now["skipped"] / now["told"] * 100
        cards.append(_stat(f"{share:,.0f}%", "skipped", e(f"of {now['told']:,} streams that say")))
    if lst["top_tracks"]:
        top = lst["top_tracks"][0]
        cards.append(
            _stat(link("track", top["track_id"], top["track"]), "top track",
                  f"{name(top['artist'] or '')} · {minutes(top['minutes'])}")
        )  # fmt: skip
    return f'<ul class="stats">{"".join(cards)}</ul>'


def ranked(title: str, rows: list[dict[str, Any]], item: Any, empty: str) -> str:
    """A numbered list with a bar per entry, whose names link to Spotify."""
    if not rows:
        return f'<div class="ranked"><h3>{e(title)}</h3><p class="muted">{e(empty)}</p></div>'
    top = max(x["minutes"] for x in rows) or 1
    items = "".join(
        f'<li><span class="what">{item(x)}</span><span class="fig">{minutes(x["minutes"])}'
        f'</span><span class="meter" aria-hidden="true"><span style="width:'
        f'{max(1.0, 100 * x["minutes"] / top):.0f}%"></span></span></li>'
        for x in rows
    )
    return f'<div class="ranked"><h3>{e(title)}</h3><ol>{items}</ol></div>'


def _track(x: dict[str, Any]) -> str:
    by = link("artist", x.get("artist_id"), x["artist"]) if x.get("artist") else ""
    track = link("track", x["track_id"], x["track"])
    return track + (f' <span class="by">by {by}</span>' if by else "")


def _artist(x: dict[str, Any]) -> str:
    return (
        link("artist", x["artist_id"], x["artist"])
        + f' <span class="by">· {plural(x["plays"], "listen")}</span>'
    )


def _album(x: dict[str, Any]) -> str:
    by = f' <span class="by">by {name(x["artist"])}</span>' if x.get("artist") else ""
    return link("album", x["album_id"], x["album"]) + by


def _repeat(x: dict[str, Any]) -> str:
    return _track(x) + f' <span class="by">· {plural(x["plays"], "listen")}</span>'


def _when(r: dict[str, Any]) -> str:
    grid = [[0.0] * 24 for _ in WEEKDAYS]
    for h in r["listening"]["hours"]:
        grid[h["weekday"] - 1][h["hour"]] += round(h["minutes"], 1)
    return charts.heatmap(
        f"When you listen: minutes by weekday and hour ({r['time_zone']})",
        WEEKDAYS, [f"{h:02d}" for h in range(24)], grid, "minutes",
    )  # fmt: skip


def _per_bucket(r: dict[str, Any]) -> str:
    kind, buckets = r["page"]["kind"], r["listening"]["buckets"]
    if kind == "year":
        keys = [f"{r['page']['value']}-{m:02d}" for m in range(1, 13)]
        labels = [month(k)[:3] for k in keys]
        names, over, title = [month(k) for k in keys], "months", "Minutes per month"
    elif kind == "all":
        keys = [b["key"] for b in buckets]
        labels = names = keys
        over, title = "years", "Minutes per year"
    else:
        keys = _days(r["page"]["start"], r["page"]["end"])
        labels = (
            [short_day(k) for k in keys] if kind == "week" else [k[8:].lstrip("0") for k in keys]
        )
        names, over, title = [day(k) for k in keys], "days", "Minutes per day"
    per = {b["key"]: round(b["minutes"], 1) for b in buckets}
    return charts.columns(title, labels, [per.get(k, 0) for k in keys], "minutes",
                          over=over, names=names)  # fmt: skip


def _days(start: str, end: str) -> list[str]:
    count = (date.fromisoformat(end) - date.fromisoformat(start)).days + 1
    return sql.dates_up_to(end, count)


def music(r: dict[str, Any]) -> str:
    """The section, or an honest empty state that says how listening gets into the lake."""
    lst, page = r["listening"], r["page"]
    title = page["title"]
    if not lst["now"] or not lst["now"]["streams"]:
        return section("music", title, f"<p>No listening in {e(page['title'])}.</p>"
                       f"<p>{NO_LISTENING}</p>")  # fmt: skip
    none = "Nothing counted in this period."
    body = (
        stats(r)
        + '<div class="grid2">'
        + ranked("Top tracks", lst["top_tracks"], _track, none)
        + ranked("Top artists", lst["top_artists"], _artist, none)
        + ranked("Top albums", lst["top_albums"], _album, none)
        + ranked("On repeat: played three times or more", lst["on_repeat"], _repeat,
                 "No track was played three times or more.")
        + "</div>"
        + '<div class="grid2">' + _per_bucket(r) + _when(r) + "</div>"
        + _new(lst["new_artists"])
    )  # fmt: skip
    return section("music", title, body)


def _new(new: dict[str, Any]) -> str:
    if not new["total"]:
        return '<h3>New artists</h3><p class="muted">No artist was heard for the first time.</p>'
    more = f" (the {len(new['shown'])} heard most)" if new["total"] > len(new["shown"]) else ""
    items = "".join(
        f'<li>{link("artist", x["artist_id"], x["artist"])} <span class="by">first heard '
        f"{e(day(x['first_day']))} with {name(x['first_track'] or 'a track')} · "
        f"{minutes(x['minutes'])}</span></li>"
        for x in new["shown"]
    )
    return f'<h3>New artists: {n(new["total"])}{e(more)}</h3><ul class="plain">{items}</ul>'
