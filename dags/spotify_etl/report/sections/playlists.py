"""The playlists (pure): each one on the snapshot date with what changed since its previous
snapshot, the ones not read and why, their four weeks, and what they hold."""

from __future__ import annotations

from typing import Any

from spotify_etl.report import charts
from spotify_etl.report.changes import change_notes, playlist_events
from spotify_etl.report.sections.common import (
    day,
    e,
    link,
    n,
    name,
    plural,
    section,
    short_day,
    table,
)


def _current(r: dict[str, Any]) -> str:
    """Each playlist on the date, with what changed since its previous snapshot."""
    rows = []
    deferred = {p["playlist_id"]: p for p in (r.get("deferred") or {}).get("playlists", [])}
    for now in r.get("playlists_now", []):
        notes = change_notes(now)
        if now["playlist_id"] in deferred:
            notes = [f"deferred: read after {deferred[now['playlist_id']]['resume_at']}"]
        elif not now["readable"]:
            notes.append("contents not readable by this app")
        before = now.get("before")
        since = f" (since {before['date']})" if before is not None and notes else ""
        visibility = {True: "public", False: "private"}.get(now["public"], "–")
        rows.append([
            link("playlist", now["playlist_id"], now["name"] or now["playlist_id"]),
            n(now["items"]), visibility, e(", ".join(notes) + since if notes else "no change"),
        ])  # fmt: skip
    if not rows:
        return _none_readable(r)
    return table(
        [("playlist", False), ("entries", True), ("visibility", False),
         ("since the previous snapshot", False)], rows,
    ) + _not_read(r)  # fmt: skip


def _not_read(r: dict[str, Any]) -> str:
    """The playlists the date did not read, each with its reason."""
    skipped = r.get("skipped_playlists", [])
    if not skipped:
        return ""
    items = "".join(
        f"<li>{name(p['name'] or p['playlist_id'])}: {e(p['status'].replace('_', ' '))}"
        + (f" — {e(p['message'])}" if p.get("message") else "")
        + "</li>"
        for p in skipped
    )
    return f'<p class="note">{plural(len(skipped), "playlist")} not read:</p><ul>{items}</ul>'


def _none_readable(r: dict[str, Any]) -> str:
    """A date whose extract read no playlist: say so, and why, rather than show nothing."""
    statuses = r["api"]["statuses"]
    if not statuses:
        return "<p>No playlist snapshot yet: the daily run (spotify_pipeline) reads them.</p>"
    what = ", ".join(f"{k:,} {s.replace('_', ' ')}" for s, k in sorted(statuses.items()))
    return (
        f"<p>No playlist could be read on this date ({e(what)}). Spotify lets this app read "
        "only playlists you own or collaborate on: followed ones are skipped, and a playlist "
        "that is gone or hidden answers 404 or 403.</p>" + _not_read(r)
    )


def _history(r: dict[str, Any]) -> str:
    dates = r.get("playlist_dates", [])
    sizes = r.get("playlist_sizes", {})
    names: dict[str, str] = {}
    values: dict[tuple[str, str], int | None] = {}
    for x in sizes.get("series", []):
        names[x["playlist_id"]] = x["name"] or x["playlist_id"]
        values[x["playlist_id"], x["date"]] = x["items"]
    series = [
        (names[pid], [values.get((pid, d)) for d in dates])
        for pid in sorted(names, key=lambda p: names[p])
    ]
    sizes_title = "Playlist sizes over time (entries)"
    if sizes.get("playlists", 0) > len(names):
        sizes_title = (
            f"Playlist sizes over time: the {len(names)} largest of {sizes['playlists']:,}"
        )
    by_day = {
        (c["date"], k): c[k] for c in r.get("changes_per_day", []) for k in ("added", "removed")
    }
    # The window's first date is a change date only when it had a snapshot before it.
    first_changed = bool(dates) and any(c["date"] == dates[0] for c in r.get("changes_per_day", []))
    change_dates = dates if first_changed else dates[1:]
    one_date = "The history fills in as snapshots accumulate: run the pipeline on more days."
    return (
        '<div class="grid2">'
        + charts.lines(sizes_title, [short_day(x) for x in dates], series, "entries",
                       empty=one_date)
        + charts.diverging(
            "Tracks added and removed per day (all playlists)",
            [short_day(x) for x in change_dates],
            [by_day.get((x, "added"), 0) for x in change_dates],
            [by_day.get((x, "removed"), 0) for x in change_dates],
            empty="No tracks were added or removed between snapshots yet.",
        )
        + "</div>" + _events(r)
    )  # fmt: skip


def _events(r: dict[str, Any]) -> str:
    events = playlist_events(r)
    if not events:
        return ""
    total = r.get("playlist_events", {}).get("total", len(events))
    more = f" (the newest {len(events):,} of {total:,})" if total > len(events) else ""
    return f"<h3>What changed, day by day{e(more)}</h3>" + table(
        [("day", False), ("playlist", False), ("change", False)],
        [[e(short_day(d)), name(title), e(what)] for d, title, what in events],
    )


def _contents(r: dict[str, Any]) -> str:
    artists = r.get("top_artists", [])
    bars = charts.bars(
        "Artists with most playlist entries", [(a["artist"], a["entries"]) for a in artists],
        "entries",
        data=(["artist", "entries", "playlists", "artist ID"],
              [[a["artist"], a["entries"], a["playlists"], a["artist_id"]] for a in artists]),
    )  # fmt: skip
    decades = charts.bars(
        "Release decades (entries)",
        [(f"{d['decade']}s", d["entries"]) for d in r.get("release_decades", [])], "entries",
    )  # fmt: skip
    kinds = r.get("non_track_entries", [])
    other = ""
    if kinds:
        other = "<h3>Entries that are not tracks</h3>" + table(
            [("playlist", False), ("kind", False), ("entries", True)],
            [[e(x["playlist"]), e(x["item_type"]), n(x["entries"])] for x in kinds],
        )
    return f'<div class="grid2">{bars}{decades}</div>{other}'


def playlists(r: dict[str, Any]) -> str:
    snap = r.get("snapshot_date")
    if not snap:
        return section(
            "playlists", "Your playlists",
            f"<p>No playlist snapshot on or before {e(day(r['date']))}: the daily run "
            "(spotify_pipeline) takes one.</p>",
        )  # fmt: skip
    body = _current(r) + _history(r) + _contents(r)
    return section("playlists", f"Your playlists on {day(snap)}", body)
