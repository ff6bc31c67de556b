"""The bundled sample's library (pure): Liked Songs, saved albums and top items, answered like
`GET /me/tracks`, `/me/albums` and `/me/top/{type}`, derived from the sample's own tracks.

Over the sample's week the library moves the way a listener's does: each day a few songs are
liked (on top, newest first), one is unliked deep in the list, and an old song is liked again
(it moves to the top with a new `added_at`); the top lists shift a little between days. All of it
is a pure function of the track objects and the day, so every run answers the same bytes.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import orjson

API = "https://api.spotify.com/v1"
LIKED_AT_START = 120  # songs liked a week before the anchor
WEEK = 7


def _key(text: str, salt: str) -> int:
    return zlib.crc32(f"{salt}:{text}".encode())


def _at(day: date, seconds: int) -> str:
    return (datetime.combine(day, time()) + timedelta(seconds=seconds % 86_400)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


def liked(tracks: Sequence[dict[str, Any]], day: int, anchor: date) -> list[dict[str, Any]]:
    """Liked Songs on day `day` before the anchor (0: the anchor), newest first, as
    `{"added_at", "track"}` entries."""
    ordered = sorted(tracks, key=lambda t: _key(str(t["id"]), "like"))
    first, rest = ordered[:LIKED_AT_START], ordered[LIKED_AT_START:]
    # (added day offset before the anchor, seconds into that day, track) per liked song
    songs = [(WEEK + 30 + n, _key(str(t["id"]), "at") % 86_400, t) for n, t in enumerate(first)]
    for k in range(WEEK - 1, day - 1, -1):  # the week's days, oldest first, up to `day`
        fresh, rest = rest[:3], rest[3:]
        songs += [(k, _key(str(t["id"]), f"d{k}") % 86_400, t) for t in fresh]  # three likes
        if len(songs) > 40:  # one unlike, deep in the list
            songs.pop(_key(str(k), "unlike") % 20 + 10)
        if k % 3 == 0 and len(songs) > 60:  # an old song liked again: now on top
            old = songs.pop(_key(str(k), "again") % 10)
            songs.append((k, (old[1] + 1) % 86_400, old[2]))
    songs.sort(key=lambda s: (-s[0], s[1]), reverse=True)
    return [{"added_at": _at(anchor - timedelta(days=d), sec), "track": t} for d, sec, t in songs]


def saved_albums(tracks: Sequence[dict[str, Any]], day: int, anchor: date) -> list[dict[str, Any]]:
    """Saved albums on day `day`: the albums of the liked songs with two or more liked tracks
    (full album objects with their tracks paging), newest first."""
    per_album: dict[str, list[dict[str, Any]]] = {}
    for entry in liked(tracks, day, anchor):
        album = entry["track"].get("album") or {}
        if album.get("id"):
            per_album.setdefault(str(album["id"]), []).append(entry)
    out = []
    for entries in per_album.values():
        if len(entries) < 2:
            continue
        album = dict(entries[0]["track"]["album"])
        items = [{k: v for k, v in e["track"].items() if k != "album"} for e in entries]
        album["tracks"] = {
            "href": f"{API}/albums/{album['id']}/tracks?offset=0&limit=50", "items": items,
            "limit": 50, "next": None, "offset": 0, "previous": None, "total": len(items),
        }  # fmt: skip
        out.append({"added_at": entries[-1]["added_at"], "album": album})
    return sorted(out, key=lambda e: (e["added_at"], e["album"]["id"]), reverse=True)


def top(
    tracks: Sequence[dict[str, Any]], kind: str, time_range: str, day: int, limit: int
) -> list[dict[str, Any]]:
    """The top tracks or artists of a time range on day `day`: a stable order that moves a
    little from day to day (more for short_term)."""
    moves = {"short_term": 3, "medium_term": 1, "long_term": 0}[time_range]
    if kind == "tracks":
        items: dict[str, dict[str, Any]] = {str(t["id"]): t for t in tracks}
    else:
        items = {str(a["id"]): a for t in tracks for a in t.get("artists") or [] if a.get("id")}

    def score(item_id: str) -> int:
        base = _key(item_id, time_range) % 1000
        return base + (_key(item_id, f"{time_range}{day}") % 200 if moves else 0) * moves

    ranked = sorted(items, key=lambda i: (score(i), i))
    return [items[i] for i in ranked[: min(limit, 50, 40 if kind == "tracks" else 15)]]


def page(entries: Sequence[dict[str, Any]], path: str, offset: int, limit: int) -> bytes:
    """One paging object of `entries` as Spotify sends it."""
    total = len(entries)

    def href(at: int) -> str:
        return f"{API}/{path}?offset={at}&limit={limit}"

    return orjson.dumps(
        {
            "href": href(offset),
            "items": list(entries[offset : offset + limit]),
            "limit": limit,
            "next": href(offset + limit) if offset + limit < total else None,
            "offset": offset,
            "previous": href(max(0, offset - limit)) if offset > 0 else None,
            "total": total,
        }
    )
