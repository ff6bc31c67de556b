"""The report's figures from its queries' rows (pure): every row arrives as text (`part`, then
its values), the same from DuckDB and from Athena, and leaves as the typed figures of
`report.json`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from spotify_etl.report.labels import UNKNOWN_TRACK, distinct_names, parse_bool

Parts = dict[str, list[list[Any]]]


def split(rows: Iterable[Sequence[Any]]) -> Parts:
    """A section query's rows by part (the first column), without it."""
    out: Parts = defaultdict(list)
    for row in rows:
        out[str(row[0])].append(list(row[1:]))
    return dict(out)


def num(value: Any) -> float:
    """A number however the engine wrote it as text ('12', '12.5', Athena's '1.25E1')."""
    return 0.0 if value is None else float(value)


def whole(value: Any) -> int:
    return round(num(value))


def maybe(value: Any) -> int | None:
    return None if value is None else whole(value)


def text(value: Any) -> str | None:
    return None if value is None else str(value)


# ---------------------------------------------------------------------------- snapshot sections
def step(r: Sequence[Any]) -> dict[str, Any]:
    """A playlist's snapshot beside its previous one (rows of playlists_on_date and
    playlist_events: date, id, name, items, readable, public, then the same of the previous
    snapshot, then tracks added and removed)."""
    before = None
    if r[6] is not None:
        before = {"date": str(r[6]), "name": r[7], "items": maybe(r[8]),
                  "readable": parse_bool(r[9]) is True, "public": parse_bool(r[10])}  # fmt: skip
    return {
        "date": str(r[0]), "playlist_id": r[1], "name": r[2], "items": maybe(r[3]),
        "readable": parse_bool(r[4]) is True, "public": parse_bool(r[5]), "before": before,
        "added": whole(r[11]), "removed": whole(r[12]),
    }  # fmt: skip


def playlists(p: Parts) -> dict[str, Any]:
    """The playlists on the snapshot date: each beside its previous snapshot, the entries that
    are not tracks, the changes, the artists with most entries, the release decades."""
    artists = p.get("artist", [])
    labels = distinct_names([(r[0], r[4]) for r in artists])
    return {
        "playlists_now": sorted(
            (step(r) for r in p.get("now", [])),
            key=lambda s: (s["name"] or s["playlist_id"], s["playlist_id"]),
        ),
        "non_track_entries": sorted(
            ({"playlist": str(r[0]), "item_type": str(r[1]), "entries": whole(r[2])}
             for r in p.get("kind", [])),
            key=lambda x: (x["playlist"], x["item_type"]),
        ),
        "playlist_changes": sorted(
            ({"playlist_id": r[0], "change": r[1], "tracks": whole(r[2])}
             for r in p.get("change", [])),
            key=lambda x: (x["playlist_id"], x["change"]),
        ),
        "top_artists": sorted(
            ({"artist": label, "name": r[0], "entries": whole(r[1]), "playlists": whole(r[2]),
              "artist_id": r[3], "top_track": r[4]}
             for r, label in zip(artists, labels, strict=True)),
            key=lambda a: (-a["entries"], a["name"] or "", a["artist_id"] or ""),
        ),
        "release_decades": sorted(
            ({"decade": whole(r[0]), "entries": whole(r[1])} for r in p.get("decade", [])),
            key=lambda d: d["decade"],
        ),
    }  # fmt: skip


def history(p: Parts) -> dict[str, Any]:
    """The four weeks up to the snapshot date: its dates, the largest playlists' sizes, tracks
    added and removed per day, and what changed in each playlist (newest first)."""
    sizes = sorted(p.get("size", []), key=lambda r: (str(r[0]), str(r[1])))
    events = sorted(p.get("event", []), key=lambda r: (str(r[0]), str(r[2] or r[1]), str(r[1])))
    events.reverse()
    return {
        "playlist_dates": sorted(str(r[0]) for r in p.get("date", [])),
        "playlist_sizes": {
            "series": [{"date": str(r[0]), "playlist_id": r[1], "name": r[2],
                        "items": maybe(r[3])} for r in sizes],
            "playlists": whole(sizes[0][4]) if sizes else 0,
        },
        "changes_per_day": sorted(
            ({"date": str(r[0]), "added": whole(r[1]), "removed": whole(r[2])}
             for r in p.get("day", [])),
            key=lambda c: c["date"],
        ),
        "playlist_events": {
            "shown": [{**step(r), "gone": parse_bool(r[13]) is True} for r in events],
            "total": whole(events[0][14]) if events else 0,
        },
    }  # fmt: skip


def library(p: Parts) -> dict[str, Any]:
    """The library on the snapshot date: its size, the songs liked per day and lately, the
    newest saved albums, Spotify's own top lists of the last four weeks with their moves."""
    totals = {str(r[0]): whole(r[1]) for r in p.get("total", [])}
    top = sorted(p.get("top", []), key=lambda r: (str(r[0]), whole(r[1])))
    return {
        "liked_songs": totals.get("saved_tracks", 0),
        "saved_albums": totals.get("saved_albums", 0),
        "liked_since": totals.get("liked", 0),
        "unliked_since": totals.get("unliked", 0),
        "liked_per_day": {str(r[0]): whole(r[1]) for r in p.get("liked_day", [])},
        "recently_liked": [
            {"track_id": r[0], "track": r[1] or UNKNOWN_TRACK, "artists": r[2], "liked_on": r[3]}
            for r in p.get("liked", [])
        ],
        "recent_albums": [
            {"album_id": r[0], "album": r[1] or r[0], "released": maybe(r[2]), "saved_on": r[3]}
            for r in p.get("album", [])
        ],
        "top": {
            kind: [{"rank": whole(r[1]), "item_id": r[2], "name": r[3], "move": r[4]}
                   for r in top if r[0] == kind]
            for kind in ("tracks", "artists")
        },
    }  # fmt: skip


def health(p: Parts) -> dict[str, Any]:
    """Rows per snapshot table, quarantined entries by reason, the checks that failed."""
    return {
        "rows": {str(r[0]): whole(r[1]) for r in p.get("rows", [])},
        "quarantined": {
            str(r[0]): whole(r[1])
            for r in sorted(p.get("quarantine", []), key=lambda r: (-whole(r[1]), str(r[0])))
        },
        "failed": [
            {"table": r[0], "problem": r[1], "key": r[2], "rows": whole(r[3])}
            for r in sorted(p.get("check", []), key=lambda r: (str(r[0]), str(r[1]), str(r[2])))
        ],
    }


# ---------------------------------------------------------------------------- listening
def long_view(p: Parts, end: str) -> dict[str, Any]:
    """Every month the lake holds up to `end`, each year's top artists and first listens."""
    years: dict[str, list[dict[str, Any]]] = defaultdict(list)
    rows = sorted(p.get("year_artist", []), key=lambda r: (str(r[0]), whole(r[1]), str(r[2])))
    for year in sorted({str(r[0]) for r in rows}, reverse=True):
        if year > end[:4]:
            continue
        of_year = [r for r in rows if str(r[0]) == year]
        labels = distinct_names([(r[2], r[6]) for r in of_year])
        years[year] = [
            {"rank": whole(r[1]), "artist": label, "name": r[2], "minutes": num(r[3]),
             "plays": whole(r[4]), "artist_id": r[5], "top_track": r[6]}
            for r, label in zip(of_year, labels, strict=True)
        ]  # fmt: skip
    firsts: dict[str, dict[str, Any]] = {}
    for r in sorted(p.get("first", []), key=lambda r: (str(r[0]), whole(r[2]))):
        if str(r[5]) > end:
            continue
        entry = firsts.setdefault(str(r[0]), {"artists": whole(r[1]), "shown": []})
        entry["shown"].append({"artist": r[3], "artist_id": r[4], "first_day": r[5],
                              "first_track": r[6], "minutes": num(r[7])})  # fmt: skip
    return {
        "months": [
            {"month": str(r[0]), "minutes": num(r[1]), "plays": whole(r[2])}
            for r in sorted(p.get("month", []), key=lambda r: str(r[0]))
            if str(r[0]) <= end[:7]
        ],
        "top_artists_years": dict(years),
        "first_listens": dict(sorted(firsts.items(), reverse=True)),
    }


def _tracks(rows: list[list[Any]]) -> list[dict[str, Any]]:
    return [
        {"rank": whole(r[7]), "track": r[1] or UNKNOWN_TRACK, "track_id": r[0],
         "artist": r[2], "artist_id": r[3], "album_id": r[4], "minutes": num(r[5]),
         "plays": whole(r[6])}
        for r in sorted(rows, key=lambda r: whole(r[7]))
    ]  # fmt: skip


def period(listening: Parts, top: Parts, key: str) -> dict[str, Any]:
    """One page's listening: totals against the period compared with, minutes per day (or
    month, or year), per weekday and hour, the longest streak, and the lists of the most
    played, on repeat and newly found."""

    def mine(p: Parts, part: str) -> list[list[Any]]:
        return [r[1:] for r in p.get(part, []) if r[0] == key]

    totals = {}
    for r in mine(listening, "total"):
        totals[str(r[0])] = {
            "minutes": num(r[2]), "plays": whole(r[3]), "streams": whole(r[4]),
            "told": whole(r[5]), "skipped": whole(r[6]), "days": whole(r[7]),
        }  # fmt: skip
    streak = next(
        ({"first": r[0], "last": r[1], "days": whole(r[2])} for r in mine(listening, "streak")),
        None,
    )
    artists = sorted(mine(top, "artist"), key=lambda r: whole(r[7]))
    artist_labels = distinct_names([(r[1], r[2]) for r in artists])
    new = sorted(mine(top, "new"), key=lambda r: whole(r[7]))
    new_labels = distinct_names([(r[1], r[2]) for r in new])
    return {
        "now": totals.get("now"),
        "before": totals.get("before"),
        "buckets": [
            {"key": str(r[0]), "minutes": num(r[2]), "plays": whole(r[3])}
            for r in sorted(mine(listening, "bucket"), key=lambda r: str(r[0]))
        ],
        "hours": [
            {
                "weekday": whole(r[0]),
                "hour": whole(r[1]),
                "minutes": num(r[2]),
                "streams": whole(r[3]),
            }
            for r in sorted(mine(listening, "hour"), key=lambda r: (whole(r[0]), whole(r[1])))
        ],
        "streak": streak,
        "top_tracks": _tracks(mine(top, "track")),
        "on_repeat": _tracks(mine(top, "repeat")),
        "top_artists": [
            {
                "rank": whole(r[7]),
                "artist": label,
                "name": r[1],
                "artist_id": r[0],
                "top_track": r[2],
                "minutes": num(r[5]),
                "plays": whole(r[6]),
                "tracks": whole(r[8]),
            }
            for r, label in zip(artists, artist_labels, strict=True)
        ],
        "top_albums": [
            {
                "rank": whole(r[7]),
                "album": r[1],
                "album_id": r[0],
                "artist": r[2],
                "minutes": num(r[5]),
                "plays": whole(r[6]),
            }
            for r in sorted(mine(top, "album"), key=lambda r: whole(r[7]))
        ],
        "new_artists": {
            "total": whole(new[0][8]) if new else 0,
            "shown": [
                {
                    "artist": label,
                    "name": r[1],
                    "artist_id": r[0],
                    "first_track": r[2],
                    "first_day": r[3],
                    "minutes": num(r[5]),
                    "plays": whole(r[6]),
                }
                for r, label in zip(new, new_labels, strict=True)
            ],
        },
    }
