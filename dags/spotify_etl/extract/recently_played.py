"""Extract the listening history: `GET /me/player/recently-played`, paged forward from the
stored cursor, each body stored exactly as received.

Spotify keeps only the last 50 plays, so the hourly run pages forward from the `after` cursor
of the last successful run. The cursor lives in the raw zone and is moved only after the
fetched bodies are stored, so a failed run starts again from the same point. A full page whose
oldest play is newer than the cursor means plays may have been missed in between: the run's
manifest entry records a gap warning.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from spotify_etl.extract.budget import OutOfBudget
from spotify_etl.spotify.responses import Source
from spotify_transform.rawzone import layout
from spotify_transform.rawzone.listening import (
    Cursor,
    Fetch,
    PlaysManifest,
    PlaysRun,
    read_cursor,
    read_plays,
    write_cursor,
    write_plays,
)
from spotify_transform.rawzone.manifest import FileRecord
from spotify_transform.storage import ByteStore
from spotify_transform.uris import join

log = logging.getLogger(__name__)
PLAYS_PAGE_LIMIT = 50
MAX_PLAYS_PAGES = 20


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _played_ms(items: list[dict[str, Any]]) -> list[int]:
    out = []
    for item in items:
        try:
            stamp = str(item["played_at"]).replace("Z", "+00:00")
            out.append(int(datetime.fromisoformat(stamp).timestamp() * 1000))
        except (KeyError, TypeError, ValueError):
            continue
    return out


def played_dates(items: list[Any]) -> tuple[str, ...]:
    """The `played_date` partitions a response holds plays of (pure)."""
    return tuple(
        sorted({str(i.get("played_at"))[:10] for i in items if isinstance(i, dict)} - {"None"})
    )


def extract_recently_played(
    store: ByteStore, source: Source, raw_root: str, extracted_date: str, run_id: str = "manual"
) -> dict[str, Any]:
    """Fetch plays newer than the stored cursor into `recently_played/extracted_date=D/`;
    return the small XCom-sized summary."""
    stored = read_cursor(store, raw_root)
    cursor: int | None = stored.after if stored is not None else None
    start = cursor
    folder = layout.plays_partition(raw_root, extracted_date)
    fetches: list[Fetch] = []
    deferred: OutOfBudget | None = None
    for _ in range(MAX_PLAYS_PAGES):
        try:
            response = source.recently_played(cursor)
        except OutOfBudget as exc:  # the quota stop holds: no call until then
            log.warning("recently played: %s; the next pull resumes from the cursor", exc)
            deferred = exc
            break
        name = layout.plays_fetch_name(cursor)
        store.write(join(folder, name), response.body, "application/json")
        items = list(response.data.get("items") or [])
        played = _played_ms(items)
        gap = bool(cursor is not None and len(items) >= PLAYS_PAGE_LIMIT and min(played) > cursor)
        record = FileRecord.of(name, response.body)
        fetches.append(
            Fetch(
                file=name,
                after=cursor,
                plays=len(items),
                # The `played_date` partitions this fetch holds plays of (the transform
                # rebuilds each one from every fetch that holds it, however late it came).
                played_dates=played_dates(items),
                size=record.size,
                sha256=record.sha256,
                gap_warning=gap,
            )
        )
        if gap:
            log.warning(
                "recently played: plays between %s and %s may be missing", cursor, min(played)
            )
        newest = max(played, default=None)
        if newest is None or (cursor is not None and newest <= cursor):
            break
        cursor = newest
        if len(items) < PLAYS_PAGE_LIMIT:
            break
    manifest = read_plays(store, raw_root, extracted_date) or PlaysManifest(
        extracted_date, source.name
    )
    run = PlaysRun(
        run_id=run_id,
        at=_now(),
        cursor_before=start,
        cursor_after=cursor,
        fetches=tuple(fetches),
        api_calls=source.api_calls,
        http_429=source.throttled,
    )
    write_plays(store, raw_root, manifest.with_run(run))
    if cursor is not None and cursor != start:
        write_cursor(store, raw_root, Cursor(cursor, _now()))
    return {
        "extracted_date": extracted_date,
        "raw_uri": folder,
        "plays": sum(f.plays for f in fetches),
        "played_dates": sorted({d for f in fetches for d in f.played_dates or ()}),
        "cursor": cursor,
        "gap_warning": run.gap_warning,
        "api_calls": source.api_calls,
        "deferred_until": (
            deferred.resume_at.isoformat(timespec="seconds") if deferred is not None else None
        ),
    }
