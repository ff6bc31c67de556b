"""What the report says about the playlists and the run (pure): changes between a playlist's
snapshots, the problems that keep a date from being complete, the checks that failed."""

from __future__ import annotations

from typing import Any


def plural(n: int, word: str, words: str | None = None) -> str:
    """'1 warning', '2 warnings'."""
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
LIBRARY_NAMES = {"saved_tracks": "Liked Songs", "saved_albums": "saved albums",
                 "top_items": "top tracks and artists"}  # fmt: skip


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
    if deferred := r.get("deferred"):
        what = [plural(len(deferred["playlists"]), "playlist")] if deferred["playlists"] else []
        what += [LIBRARY_NAMES.get(d, d) for d in deferred["library"]]
        why = ("Spotify's daily quota ran out (QUOTA_EXCEEDED)" if deferred["quota"] else
               f"the call budget ({deferred['limit']:,} calls a day) was spent")  # fmt: skip
        out.append(
            f"Deferred: {', '.join(what)}: {why}; the next run after "
            f"{deferred['resume_at'] or 'the budget frees up'} continues where this one stopped"
        )
    out += [
        f"{LIBRARY_NAMES.get(p['dataset'], p['dataset'])}: {p['status']} — {p['message']}"
        for p in r.get("library_problems", [])
    ]
    quarantined = sum(r.get("quarantined", {}).values())
    if quarantined:
        out.append(f"{plural(quarantined, 'malformed entry', 'malformed entries')} quarantined")
    views, setting = r.get("time_zone"), r.get("time_zone_setting")
    if views and setting and views != setting:
        out.append(
            f"Listening days and hours are in {views}, the zone the views were created with: "
            f"SPOTIFY_TIMEZONE is now {setting}, which the next crawl (the next run) applies"
        )
    return out


def failed_checks(checks: dict[str, Any]) -> int:
    """Checks that failed: a check returns one row per offending key, so count the distinct
    (table, problem) pairs, never the rows."""
    return len({(f["table"], f["problem"]) for f in checks.get("failed", [])})


def change_notes(step: dict[str, Any]) -> list[str]:
    """What changed in a playlist since its previous snapshot (a row of `playlists_now` or
    `playlist_events`): tracks added and removed, a rename, its visibility, emptied, no longer
    readable."""
    what = []
    if added := step.get("added"):
        what.append(f"+{added:,} added")
    if removed := step.get("removed"):
        what.append(f"−{removed:,} removed")
    before = step.get("before")
    if before is None:
        return what
    if before["name"] != step["name"]:
        what.append(f"renamed from “{before['name']}”")
    if before["public"] is True and step["public"] is False:
        what.append("made private")
    if before["public"] is False and step["public"] is True:
        what.append("made public")
    if (before["items"] or 0) > 0 and step["items"] == 0:
        what.append("emptied")
    if before["readable"] and not step["readable"]:
        what.append("contents no longer readable")
    return what


def playlist_events(r: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(date, playlist, what changed) between consecutive snapshots, newest first (the newest
    the report's query returns: `playlist_events.total` says how many there are)."""
    events = []
    for step in r.get("playlist_events", {}).get("shown", []):
        name = step["name"] or step["playlist_id"]
        if step.get("gone"):  # deleted, unfollowed or no longer named in SPOTIFY_PLAYLISTS
            events.append((step["date"], name, "no longer extracted"))
        elif what := change_notes(step):
            events.append((step["date"], name, ", ".join(what)))
    return sorted(events, key=lambda e: (e[0], e[1]), reverse=True)
