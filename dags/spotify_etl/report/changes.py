"""What the report says about the playlists and the run (pure): changes between a playlist's
snapshots, the problems that keep a date from being complete, the checks that failed."""

from __future__ import annotations

import itertools
from typing import Any


def plural(n: int, word: str, words: str | None = None) -> str:
    """'1 warning', '2 warnings'."""
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def problems(r: dict[str, Any]) -> list[str]:
    """Everything that keeps the date from being complete and clean, one line each."""
    out = [
        f"Playlist {p['name'] or p['playlist_id']}: {p['status']} — {p['message']} (its entries "
        "are left out of this date)"
        for p in r.get("incomplete_playlists", [])
    ]
    out += [
        f"Listening history: plays may be missing before the fetch of {g['extracted_date']} "
        f"(run {g['run_id']}): its full page began after the stored cursor"
        for g in r.get("listening_gaps", [])
    ]
    out += [
        f"Check failed: {c['table']} {c['problem']} {c['key'] or ''} ×{c['rows']}".replace(
            "  ", " "
        )
        for c in r.get("checks", {}).get("failed", [])
    ]
    quarantined = sum(r.get("quarantined", {}).values())
    if quarantined:
        out.append(f"{plural(quarantined, 'malformed entry', 'malformed entries')} quarantined")
    return out


def failed_checks(checks: dict[str, Any]) -> int:
    """Checks that failed: a check returns one row per offending key, so count the distinct
    (table, problem) pairs, never the rows."""
    return len({(f["table"], f["problem"]) for f in checks.get("failed", [])})


def by_playlist(r: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Each playlist's snapshots, oldest first."""
    out: dict[str, list[dict[str, Any]]] = {}
    for row in r.get("playlist_history", []):
        out.setdefault(row["playlist_id"], []).append(row)
    return out


def change_counts(r: dict[str, Any]) -> dict[tuple[str, str, str], int]:
    return {
        (c["date"], c["playlist_id"], c["change"]): c["tracks"] for c in r.get("changes_by_day", [])
    }


def change_notes(
    pid: str,
    before: dict[str, Any] | None,
    now: dict[str, Any],
    counts: dict[tuple[str, str, str], int],
) -> list[str]:
    """What changed in a playlist between two snapshots: tracks added and removed, a rename,
    its visibility, emptied, no longer readable."""
    what = []
    if added := counts.get((now["date"], pid, "added")):
        what.append(f"+{added:,} added")
    if removed := counts.get((now["date"], pid, "removed")):
        what.append(f"−{removed:,} removed")
    if before is None:
        return what
    if before["name"] != now["name"]:
        what.append(f"renamed from “{before['name']}”")
    if before["public"] is True and now["public"] is False:
        what.append("made private")
    if before["public"] is False and now["public"] is True:
        what.append("made public")
    if (before["items"] or 0) > 0 and now["items"] == 0:
        what.append("emptied")
    if before["readable"] and not now["readable"]:
        what.append("contents no longer readable")
    return what


def playlist_events(r: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(date, playlist, what changed) between consecutive snapshots, newest first."""
    counts = change_counts(r)
    dates = sorted({x["date"] for x in r.get("playlist_history", [])})
    events = []
    for pid, rows in by_playlist(r).items():
        for before, now in itertools.pairwise(rows):
            if what := change_notes(pid, before, now, counts):
                events.append((now["date"], now["name"] or pid, ", ".join(what)))
        gone = [d for d in dates if d > rows[-1]["date"]]
        if gone:  # deleted, unfollowed or no longer named in SPOTIFY_PLAYLISTS
            events.append((gone[0], rows[-1]["name"] or pid, "no longer extracted"))
    return sorted(events, key=lambda e: (e[0], e[1]), reverse=True)
