"""One playlist of a snapshot date into staging: its object and every `/items` page, byte for
byte; `ok` only when every position 0…total−1 landed once.

A playlist whose `snapshot_id` is the one stored for the previous date is copied instead (no
call, or one when the listing did not name its version). One the call budget cannot afford is
`deferred`: it keeps its last known object (so it keeps its `playlists` row, never shown as
removed) and the pages that landed, and the next extract continues after them while its
version is the same.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from spotify_etl.extract.budget import CallBudget, OutOfBudget
from spotify_etl.extract.listing import Listed
from spotify_etl.extract.probe import probe, shape_of
from spotify_etl.spotify.responses import (
    BadResponse,
    PlaylistNotFound,
    PlaylistNotVisible,
    Source,
    next_offset,
    page_problem,
)
from spotify_transform.rawzone import commit, layout
from spotify_transform.rawzone.records import FileRecord, PlaylistRecord

log = logging.getLogger(__name__)
PAGE_LIMIT = 50


class _Playlist:
    """One playlist's record while it is being extracted."""

    def __init__(self, playlist_id: str) -> None:
        self.playlist_id = playlist_id
        self.files: list[FileRecord] = []
        self.fields: dict[str, Any] = {}

    def done(self, status: str, **fields: Any) -> PlaylistRecord:
        return PlaylistRecord(
            playlist_id=self.playlist_id,
            status=status,
            files=tuple(self.files),
            **{**self.fields, **fields},
        )

    def incomplete(self, landed: int, why: str) -> PlaylistRecord:
        log.warning("playlist %s incomplete: %s", self.playlist_id, why)
        return self.done("incomplete", message=why, entries_landed=landed)

    def deferred(self, exc: OutOfBudget, landed: int | None = None) -> PlaylistRecord:
        at = exc.resume_at.isoformat(timespec="seconds")
        return self.done("deferred", message=str(exc), resume_at=at, entries_landed=landed)


def copy_previous(
    staging: commit.Staging, entry: _Playlist, before: PlaylistRecord, day: str, pages_only: bool
) -> None:
    """Copy the previous date's files of the playlist into this date (server-side on S3)."""
    for f in before.files:
        if not (pages_only and f.name == layout.PLAYLIST_FILE):
            entry.files.append(staging.copy_in(day, entry.playlist_id, f))


def estimate(listed: Listed, before: PlaylistRecord | None) -> int:
    """The calls a playlist that changed will take: its object, then a page per 50 entries."""
    total = listed.total if listed.total is not None else (before.item_total if before else None)
    return 1 + max(1, math.ceil((total if total is not None else 50) / PAGE_LIMIT))


def defer(
    staging: commit.Staging,
    listed: Listed,
    before: PlaylistRecord | None,
    since: str,
    exc: OutOfBudget,
) -> PlaylistRecord:
    """A playlist with no call to spare: its last known object stands for its row."""
    entry = _Playlist(listed.playlist_id)
    if before is not None:
        meta = [f for f in before.files if f.name == layout.PLAYLIST_FILE]
        entry.files += [staging.copy_in(since, listed.playlist_id, f) for f in meta]
        entry.fields.update(name=before.name, snapshot_id=before.snapshot_id, shape=before.shape)
        entry.fields.update(item_total=before.item_total, copied_from=since)
    return entry.deferred(exc)


def extract_playlist(
    source: Source,
    staging: commit.Staging,
    listed: Listed,
    before: PlaylistRecord | None,
    since: str,
    probes: list[dict[str, Any]],
    budget: CallBudget | None = None,
) -> PlaylistRecord:
    """One playlist into staging (`before`: its record on the date `since`, if any)."""
    playlist_id = listed.playlist_id
    entry = _Playlist(playlist_id)
    # The previous date's snapshot of this playlist, when its files can stand for this date.
    kept = before if before is not None and before.complete and before.snapshot_id else None
    if kept is not None and listed.snapshot_id == kept.snapshot_id:
        # The listing says nothing changed: the previous date's files, without a single call.
        entry.fields.update(
            name=kept.name,
            snapshot_id=kept.snapshot_id,
            shape=kept.shape,
            item_total=kept.item_total,
        )
        copy_previous(staging, entry, kept, since, pages_only=False)
        return entry.done("unchanged", copied_from=since, copied_metadata=True)
    if budget is not None and not budget.affords(calls := estimate(listed, before)):
        # Not started: a half-read playlist would cost its calls again tomorrow.
        why = OutOfBudget(f"playlist {playlist_id}: needs about {calls} calls, the budget is "
                          "spent", budget.resume_at(calls))  # fmt: skip
        return defer(staging, listed, before, since, why)
    try:
        meta = source.playlist(playlist_id)
    except PlaylistNotFound as exc:
        return entry.done("not_found", message=str(exc))
    except PlaylistNotVisible as exc:
        return entry.done("not_visible", message=str(exc))
    except BadResponse as exc:
        return entry.done("error", message=str(exc))
    except OutOfBudget as exc:
        return defer(staging, listed, before, since, exc)
    shape = shape_of(meta.data)
    name, snapshot_id = meta.data.get("name"), meta.data.get("snapshot_id")
    entry.fields.update(
        name=None if name is None else str(name),
        snapshot_id=None if snapshot_id is None else str(snapshot_id),
        shape=shape,
    )
    entry.files.append(staging.put(playlist_id, layout.PLAYLIST_FILE, meta.body))
    if shape is None:  # no contents key: hidden, which is not the same as empty
        return entry.done("not_visible", message="contents not visible to this app")
    contents = meta.data["items" if shape == "2026" else "tracks"]
    total = contents.get("total") if isinstance(contents, dict) else None
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        return entry.done("error", message="the playlist gives no item total")
    entry.fields["item_total"] = total

    if kept is not None and kept.snapshot_id == snapshot_id:
        copy_previous(staging, entry, kept, since, pages_only=True)
        return entry.done("unchanged", copied_from=since)

    if total == 0:  # nothing to page: the playlist object already says it is empty
        return entry.done("ok", entries_landed=0)
    offset: int | None = 0
    landed = 0
    if before is not None and before.status == "deferred" and before.snapshot_id == snapshot_id:
        # The same version was being read when the budget ran out: continue after its pages.
        pages = [f for f in before.files if f.name != layout.PLAYLIST_FILE]
        copy_previous(staging, entry, before, since, pages_only=True)
        offset, landed = PAGE_LIMIT * len(pages), before.entries_landed or 0
        if landed != offset or offset >= total:
            return read_pages(source, staging, entry, meta.data, total, 0, 0, probes, fresh=True)
    return read_pages(source, staging, entry, meta.data, total, offset, landed, probes)


def read_pages(
    source: Source,
    staging: commit.Staging,
    entry: _Playlist,
    meta: dict[str, Any],
    total: int,
    offset: int | None,
    landed: int,
    probes: list[dict[str, Any]],
    fresh: bool = False,
) -> PlaylistRecord:
    """The `/items` pages from `offset` on (`fresh`: drop the pages copied for a resume)."""
    playlist_id = entry.playlist_id
    if fresh:
        entry.files = [f for f in entry.files if f.name == layout.PLAYLIST_FILE]
    try:
        while offset is not None:
            page = source.items_page(playlist_id, offset, PAGE_LIMIT)
            if offset == 0:
                probes.append(probe(meta, page.data))
            problem = page_problem(page.data, offset, PAGE_LIMIT)
            if problem is None and page.data["total"] != total:
                problem = (
                    f"the playlist changed while it was read: total {total}, then "
                    f"{page.data['total']} at offset {offset}"
                )
            if problem is not None:
                return entry.incomplete(landed, f"items at offset {offset}: {problem}")
            entry.files.append(staging.put(playlist_id, layout.items_page_name(offset), page.body))
            landed += len(page.data["items"])
            log.info("playlist %s: page at offset %d", playlist_id, offset)
            following = next_offset(page.data)
            if following is not None and following != offset + len(page.data["items"]):
                return entry.incomplete(
                    landed, f"`next` after offset {offset} points at {following}"
                )
            offset = following
    except PlaylistNotVisible as exc:
        return entry.done("not_visible", message=str(exc), entries_landed=landed)
    except PlaylistNotFound as exc:
        return entry.done("not_found", message=str(exc), entries_landed=landed)
    except BadResponse as exc:
        return entry.incomplete(landed, str(exc))
    except OutOfBudget as exc:
        return entry.deferred(exc, landed)
    if landed != total:
        return entry.incomplete(landed, f"{landed} entries landed of {total}")
    return entry.done("ok", entries_landed=landed)
