"""Extract the playlists of one snapshot date into the raw zone: every response body byte for
byte, and the manifest that commits the date (`spotify_transform.rawzone`).

The new set is written to a staging folder and replaces the date only once complete. A playlist
whose `snapshot_id` equals the previous date's gets that date's files copied instead of calling
the API again, so every date partition is complete on its own. `ok` means every position
0…total−1 landed once; anything short of that is `incomplete`, `not_visible`, `not_found` or
`error`, never `ok`.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from spotify_etl.extract.listing import Listed, Listing, listing_owners, sort_listing
from spotify_etl.extract.probe import probe, shape_of
from spotify_etl.spotify.responses import (
    BadResponse,
    IncompleteListing,
    PlaylistNotFound,
    PlaylistNotVisible,
    Source,
    next_offset,
    page_problem,
)
from spotify_transform.rawzone import commit, layout, lock
from spotify_transform.rawzone.manifest import (
    FileRecord,
    PlaylistRecord,
    RunRecord,
    SnapshotManifest,
    read_snapshot,
    snapshot_dates,
)
from spotify_transform.storage import ByteStore, StorageError

log = logging.getLogger(__name__)
PAGE_LIMIT = 50
LISTING_PAGE = 50  # GET /me/playlists pages hold at most 50 playlists


@dataclass(frozen=True)
class ExtractRequest:
    """What to extract.

    Attributes:
        snapshot_date: The date partition (YYYY-MM-DD) derived from the run's logical date.
        raw_root: Root of the raw zone.
        playlists: Playlist IDs, or ("me",) for all of the user's playlists.
        run_id: The orchestrator's run ID, recorded in the manifest.
    """

    snapshot_date: str
    raw_root: str
    playlists: tuple[str, ...]
    run_id: str = "manual"


def list_my_playlists(
    source: Source, known_user_id: str | None = None
) -> tuple[Listing, list[bytes]]:
    """`GET /me/playlists` (every page), sorted by `sort_listing`, and the pages' bodies.

    A listing that stays short after the retries is sorted as far as it goes and says so
    (`problem`). The user's id comes from `known_user_id` (the previous date's manifest) when
    the listing bears it out (the user owns at least one listed playlist, or none is listed),
    else from one `GET /me`.
    """
    problem = None
    try:
        responses = source.my_playlists()
    except IncompleteListing as exc:
        responses, problem = exc.pages, str(exc)
        log.warning("the playlist listing is incomplete: %s", problem)
    pages = [r.data for r in responses]
    owners = listing_owners(pages)
    user_id = known_user_id if known_user_id and (known_user_id in owners or not owners) else None
    if user_id is None:
        user_id = str(source.me().data.get("id") or "") or None
    listing = sort_listing(pages, user_id)
    listing.problem = problem
    return listing, [r.body for r in responses]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def previous_manifest(
    store: ByteStore, raw_root: str, snapshot_date: str
) -> SnapshotManifest | None:
    """The manifest of the latest extracted date before `snapshot_date`, if any."""
    earlier = [d for d in snapshot_dates(store, raw_root) if d < snapshot_date]
    return read_snapshot(store, raw_root, earlier[-1]) if earlier else None


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


def _copy_previous(
    staging: commit.Staging, entry: _Playlist, before: PlaylistRecord, day: str, pages_only: bool
) -> None:
    """Copy the previous date's files of the playlist into this date (server-side on S3)."""
    for f in before.files:
        if not (pages_only and f.name == layout.PLAYLIST_FILE):
            entry.files.append(staging.copy_in(day, entry.playlist_id, f))


def _extract_playlist(
    source: Source,
    staging: commit.Staging,
    listed: Listed,
    previous: SnapshotManifest | None,
    probes: list[dict[str, Any]],
) -> PlaylistRecord:
    """One playlist into staging: `ok` only when every position 0…total−1 landed once."""
    playlist_id = listed.playlist_id
    entry = _Playlist(playlist_id)
    before = previous.by_id().get(playlist_id) if previous is not None else None
    # The previous date's snapshot of this playlist, when its files can stand for this date.
    kept = before if before is not None and before.complete and before.snapshot_id else None
    since = previous.snapshot_date if previous is not None else ""
    if kept is not None and listed.snapshot_id == kept.snapshot_id:
        # The listing says nothing changed: the previous date's files, without a single call.
        entry.fields.update(
            name=kept.name,
            snapshot_id=kept.snapshot_id,
            shape=kept.shape,
            item_total=kept.item_total,
        )
        _copy_previous(staging, entry, kept, since, pages_only=False)
        return entry.done("unchanged", copied_from=since, copied_metadata=True)
    try:
        meta = source.playlist(playlist_id)
    except PlaylistNotFound as exc:
        return entry.done("not_found", message=str(exc))
    except PlaylistNotVisible as exc:
        return entry.done("not_visible", message=str(exc))
    except BadResponse as exc:
        return entry.done("error", message=str(exc))
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
        _copy_previous(staging, entry, kept, since, pages_only=True)
        return entry.done("unchanged", copied_from=since)

    if total == 0:  # nothing to page: the playlist object already says it is empty
        return entry.done("ok", entries_landed=0)
    offset: int | None = 0
    landed = 0
    try:
        while offset is not None:
            page = source.items_page(playlist_id, offset, PAGE_LIMIT)
            if offset == 0:
                probes.append(probe(meta.data, page.data))
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
    if landed != total:
        return entry.incomplete(landed, f"{landed} entries landed of {total}")
    return entry.done("ok", entries_landed=landed)


def extract(
    store: ByteStore,
    source: Source,
    request: ExtractRequest,
    *,
    list_playlists: Callable[[Source, str | None], tuple[Listing, list[bytes]]] | None = None,
    progress: Callable[[str], None] | None = None,
) -> SnapshotManifest:
    """Extract one snapshot date and return its manifest.

    Args:
        store: Byte store for the raw zone.
        source: Where responses come from.
        request: Date, raw root, playlists, run ID.
        list_playlists: Resolves `me` (default: `list_my_playlists`, GET /me/playlists).
        progress: Called with a short line per playlist (CLI progress).
    """
    with lock.writer(store, request.raw_root, request.snapshot_date, request.run_id) as lease:
        return _extract(store, source, request, lease, list_playlists, progress)


def _extract(
    store: ByteStore,
    source: Source,
    request: ExtractRequest,
    lease: lock.Lease,
    list_playlists: Callable[[Source, str | None], tuple[Listing, list[bytes]]] | None,
    progress: Callable[[str], None] | None,
) -> SnapshotManifest:
    started, t0 = _now(), time.monotonic()
    # An earlier extract of this date that stopped mid-way: a swap it left half done is
    # finished first, so the date is whole whatever becomes of this run; then its leftovers go
    # (this run replaces the whole date anyway), and the manifest says it was found.
    interrupted = commit.interrupted(store, request.raw_root, request.snapshot_date)
    if interrupted:
        with contextlib.suppress(StorageError):  # staging gone: only this extract can rebuild
            commit.repair(store, request.raw_root, request.snapshot_date)
    commit.clear_leftovers(store, request.raw_root, request.snapshot_date)
    staging = commit.Staging(store, request.raw_root, request.snapshot_date)

    previous = previous_manifest(store, request.raw_root, request.snapshot_date)
    listing: Listing | None = None
    listing_files: list[FileRecord] = []
    todo = [Listed(pid) for pid in request.playlists]
    if list(request.playlists) == ["me"]:
        known = previous.listing.user_id if previous and previous.listing else None
        listing, bodies = (list_playlists or list_my_playlists)(source, known)
        listing_files = [
            staging.put_listing(n * LISTING_PAGE, body) for n, body in enumerate(bodies)
        ]
        todo = list(listing.read)
        if listing.problem is not None and previous is not None:
            # A listing cut short must not make yesterday's playlists look removed: the ones
            # it did not reach are read by their ID (a deleted one answers 404); the followed
            # ones stay skipped.
            unlisted = [p for p in previous.playlists if p.playlist_id not in listing.listed()]
            todo += [Listed(p.playlist_id) for p in unlisted if p.status != "skipped"]
            listing.skipped += [p for p in unlisted if p.status == "skipped"]

    records: list[PlaylistRecord] = []
    probes: list[dict[str, Any]] = []
    try:
        for n, listed in enumerate(todo, 1):
            lease.renew()
            record = _extract_playlist(source, staging, listed, previous, probes)
            records.append(record)
            log.info(
                orjson.dumps(
                    {
                        "event": "playlist_extracted",
                        "playlist_id": listed.playlist_id,
                        "status": record.status,
                        "files": len(record.files),
                        "api_calls": source.api_calls,
                    }
                ).decode()
            )
            if progress:
                progress(
                    f"[{n}/{len(todo)}] {listed.playlist_id} {record.status}"
                    f" ({len(record.files)} files)"
                )
        records += listing.skipped if listing else []
        manifest = SnapshotManifest.build(
            request.snapshot_date,
            source.name,
            records,
            RunRecord(
                run_id=request.run_id,
                started_at=started,
                finished_at=_now(),
                seconds=round(time.monotonic() - t0, 3),
                api_calls=source.api_calls,
                http_429=source.throttled,
                repaired_interrupted_extract=interrupted,
            ),
            # The capability probe: what the first playlist whose contents were read showed.
            capabilities=probes[0] if probes else None,
            listing=listing.record(listing_files) if listing is not None else None,
        )
        lease.renew(force=True)  # the swap has the lease's whole span to finish
        staging.commit(manifest)
    except BaseException:
        # Before the commit began, the date is untouched: drop the staging copy. After, keep
        # it: `repair` (or the next extract) needs it, and the marker says where it is.
        staging.discard()
        raise
    return manifest


def summary(manifest: SnapshotManifest, raw_root: str) -> dict[str, Any]:
    """The small XCom-sized view of a manifest."""
    return {
        "snapshot_date": manifest.snapshot_date,
        "raw_uri": layout.raw_partition(raw_root, manifest.snapshot_date),
        "playlists": len(manifest.playlists),
        # playlist.json files landed: the rows the playlists table must have for this date
        "playlists_with_metadata": manifest.playlists_with_metadata,
        "statuses": dict(manifest.statuses),
        "listing_complete": manifest.listing.complete if manifest.listing else None,
        "api_calls": manifest.run.api_calls,
        "http_429": manifest.run.http_429,
    }
