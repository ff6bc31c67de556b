"""Extract one snapshot date into the raw zone: the playlists (and, per SPOTIFY_DATASETS, the
library), every response body byte for byte, and the manifest that commits the date
(`spotify_transform.rawzone`).

The new set is written to a staging folder and replaces the date only once complete. A playlist
whose `snapshot_id` equals the previous date's gets that date's files copied instead of calling
the API again, so every date partition is complete on its own. `ok` means every position
0…total−1 landed once; anything short of that is `incomplete`, `not_visible`, `not_found`,
`error` or `deferred`, never `ok`.

**The call budget.** With a `CallBudget`, calls are spent in a stated order: the listing, then
the playlists that changed, then the library, then what an earlier run left deferred. What does
not fit is `deferred`, with the time calls are possible again, and committed as such. A date
left deferred is resumed from its own manifest by its next extract (complete playlists copied,
deferred ones continued); a later date picks them up from the previous date as usual.
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

from spotify_etl.extract import contents, library
from spotify_etl.extract.budget import BudgetedSource, CallBudget, OutOfBudget
from spotify_etl.extract.listing import Listed, Listing, listing_owners, sort_listing
from spotify_etl.spotify.responses import IncompleteListing, Source
from spotify_transform.rawzone import commit, layout, lock
from spotify_transform.rawzone.manifest import (
    FileRecord,
    LibraryRecord,
    PlaylistRecord,
    RunRecord,
    SnapshotManifest,
    read_snapshot,
    snapshot_dates,
)
from spotify_transform.storage import ByteStore, StorageError

log = logging.getLogger(__name__)
LISTING_PAGE = 50  # GET /me/playlists pages hold at most 50 playlists
PAGE_LIMIT = contents.PAGE_LIMIT


@dataclass(frozen=True)
class ExtractRequest:
    """What to extract.

    Attributes:
        snapshot_date: The date partition (YYYY-MM-DD) derived from the run's logical date.
        raw_root: Root of the raw zone.
        playlists: Playlist IDs, or ("me",) for all of the user's playlists.
        run_id: The orchestrator's run ID, recorded in the manifest.
        datasets: SPOTIFY_DATASETS: `playlists` and the library datasets to extract.
    """

    snapshot_date: str
    raw_root: str
    playlists: tuple[str, ...]
    run_id: str = "manual"
    datasets: tuple[str, ...] = ("playlists",)


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


def baseline(store: ByteStore, raw_root: str, snapshot_date: str) -> SnapshotManifest | None:
    """What this extract builds on: the date's own manifest when an earlier run left it with
    deferred work (resumed), else the previous date's."""
    own = read_snapshot(store, raw_root, snapshot_date)
    if own is not None and own.deferred:
        return own
    return previous_manifest(store, raw_root, snapshot_date)


def extract(
    store: ByteStore,
    source: Source,
    request: ExtractRequest,
    *,
    list_playlists: Callable[[Source, str | None], tuple[Listing, list[bytes]]] | None = None,
    progress: Callable[[str], None] | None = None,
    budget: CallBudget | None = None,
) -> SnapshotManifest:
    """Extract one snapshot date and return its manifest.

    Args:
        store: Byte store for the raw zone.
        source: Where responses come from.
        request: Date, raw root, playlists, datasets, run ID.
        list_playlists: Resolves `me` (default: `list_my_playlists`, GET /me/playlists).
        progress: Called with a short line per playlist (CLI progress).
        budget: The rolling call budget to spend from (None: unlimited).
    """
    with lock.writer(store, request.raw_root, request.snapshot_date, request.run_id) as lease:
        spending = BudgetedSource(source, budget) if budget is not None else source
        try:
            return _Extract(store, spending, request, lease, budget, progress).run(
                list_playlists or list_my_playlists
            )
        finally:
            if budget is not None:
                budget.save()


class _Extract:
    """One extract of a date: its staging, its baseline and what it has done so far."""

    def __init__(
        self,
        store: ByteStore,
        source: Source,
        request: ExtractRequest,
        lease: lock.Lease,
        budget: CallBudget | None,
        progress: Callable[[str], None] | None,
    ) -> None:
        self.store, self.source, self.request = store, source, request
        self.lease, self.budget, self.progress = lease, budget, progress
        self.records: list[PlaylistRecord] = []
        self.probes: list[dict[str, Any]] = []

    def run(
        self, list_playlists: Callable[[Source, str | None], tuple[Listing, list[bytes]]]
    ) -> SnapshotManifest:
        request, store = self.request, self.store
        started, t0 = _now(), time.monotonic()
        # An earlier extract of this date that stopped mid-way: a swap it left half done is
        # finished first, so the date is whole whatever becomes of this run; then its
        # leftovers go (this run replaces the whole date anyway), and the manifest says so.
        interrupted = commit.interrupted(store, request.raw_root, request.snapshot_date)
        if interrupted:
            with contextlib.suppress(StorageError):  # staging gone: only an extract rebuilds
                commit.repair(store, request.raw_root, request.snapshot_date)
        commit.clear_leftovers(store, request.raw_root, request.snapshot_date)
        self.staging = commit.Staging(store, request.raw_root, request.snapshot_date)
        self.previous = baseline(store, request.raw_root, request.snapshot_date)
        self.since = self.previous.snapshot_date if self.previous is not None else ""
        try:
            listing, listing_files, todo = self._listing(list_playlists)
            before = self.previous.by_id() if self.previous is not None else {}
            # Spent in order: the playlists that changed, the library, then the deferred ones.
            waiting = [x for x in todo if getattr(before.get(x.playlist_id), "status", "") ==
                       "deferred"]  # fmt: skip
            for listed in [x for x in todo if x not in waiting]:
                self._playlist(listed, len(todo))
            shelf = self._library()
            for listed in waiting:
                self._playlist(listed, len(todo))
            self.records += listing.skipped if listing else []
            deferred = [r.resume_at for r in self.records if r.status == "deferred"]
            deferred += [r.resume_at for r in shelf if r.status == "deferred"]
            resume = min((str(at) for at in deferred if at), default=None)
            if self.budget is not None:
                self.budget.deferred = len(deferred)
            manifest = SnapshotManifest.build(
                request.snapshot_date,
                self.source.name,
                self.records,
                RunRecord(
                    run_id=request.run_id,
                    started_at=started,
                    finished_at=_now(),
                    seconds=round(time.monotonic() - t0, 3),
                    api_calls=self.source.api_calls,
                    http_429=self.source.throttled,
                    repaired_interrupted_extract=interrupted,
                ),
                # The capability probe: what the first playlist whose contents were read showed.
                capabilities=self.probes[0] if self.probes else None,
                listing=listing.record(listing_files) if listing is not None else None,
                library=shelf,
                budget=(
                    self.budget.record(datetime.fromisoformat(resume) if resume else None)
                    if self.budget is not None
                    else None
                ),
            )
            self.lease.renew(force=True)  # the swap has the lease's whole span to finish
            self.staging.commit(manifest)
        except BaseException:
            # Before the commit began, the date is untouched: drop the staging copy. After,
            # keep it: `repair` (or the next extract) needs it, and the marker says where.
            self.staging.discard()
            raise
        return manifest

    def _listing(
        self, list_playlists: Callable[[Source, str | None], tuple[Listing, list[bytes]]]
    ) -> tuple[Listing | None, list[FileRecord], list[Listed]]:
        """What to read: the listing's playlists (`me`) or the named ones."""
        previous = self.previous
        todo = [Listed(pid) for pid in self.request.playlists]
        if "playlists" not in self.request.datasets:
            return None, [], []
        if list(self.request.playlists) != ["me"]:
            return None, [], todo
        pages = len(previous.listing.files) if previous and previous.listing else 1
        try:
            if self.budget is not None and not self.budget.affords(pages + 1):
                raise OutOfBudget(
                    "GET /me/playlists: the call budget is spent",
                    self.budget.resume_at(pages + 1),
                )
            known = previous.listing.user_id if previous and previous.listing else None
            listing, bodies = list_playlists(self.source, known)
        except OutOfBudget as exc:
            # No listing: every playlist of the baseline waits, keeping its row.
            self._defer_all(exc)
            return None, [], []
        files = [self.staging.put_listing(n * LISTING_PAGE, body) for n, body in enumerate(bodies)]
        todo = list(listing.read)
        if listing.problem is not None and previous is not None:
            # A listing cut short must not make yesterday's playlists look removed: the ones
            # it did not reach are read by their ID (a deleted one answers 404); the followed
            # ones stay skipped.
            unlisted = [p for p in previous.playlists if p.playlist_id not in listing.listed()]
            todo += [Listed(p.playlist_id) for p in unlisted if p.status != "skipped"]
            listing.skipped += [p for p in unlisted if p.status == "skipped"]
        return listing, files, todo

    def _defer_all(self, exc: OutOfBudget) -> None:
        for before in self.previous.playlists if self.previous is not None else ():
            if before.status == "skipped":
                self.records.append(before)
            else:
                listed = Listed(before.playlist_id, before.snapshot_id, before.item_total)
                self.records.append(contents.defer(self.staging, listed, before, self.since, exc))

    def _playlist(self, listed: Listed, count: int) -> None:
        self.lease.renew()
        before = self.previous.by_id().get(listed.playlist_id) if self.previous else None
        record = contents.extract_playlist(
            self.source, self.staging, listed, before, self.since, self.probes, self.budget
        )
        self.records.append(record)
        log.info(
            orjson.dumps(
                {
                    "event": "playlist_extracted",
                    "playlist_id": listed.playlist_id,
                    "status": record.status,
                    "files": len(record.files),
                    "api_calls": self.source.api_calls,
                }
            ).decode()
        )
        if self.progress:
            self.progress(
                f"[{len(self.records)}/{count}] {listed.playlist_id} {record.status}"
                f" ({len(record.files)} files)"
            )

    def _library(self) -> list[LibraryRecord]:
        wanted = tuple(d for d in self.request.datasets if d in layout.LIBRARY_DATASETS)
        if not wanted:
            return []
        self.lease.renew()
        before = dict(self.previous.library) if self.previous is not None else {}
        return library.extract_library(
            self.source, self.staging, wanted, before, self.since, self.progress
        )


def summary(manifest: SnapshotManifest, raw_root: str) -> dict[str, Any]:
    """The small XCom-sized view of a manifest."""
    return {
        "snapshot_date": manifest.snapshot_date,
        "raw_uri": layout.raw_partition(raw_root, manifest.snapshot_date),
        "playlists": len(manifest.playlists),
        # playlist.json files landed: the rows the playlists table must have for this date
        "playlists_with_metadata": manifest.playlists_with_metadata,
        # complete saved tracks and albums: the items their tables must hold for this date
        "library_totals": manifest.library_totals,
        "statuses": dict(manifest.statuses),
        "listing_complete": manifest.listing.complete if manifest.listing else None,
        "api_calls": manifest.run.api_calls,
        "http_429": manifest.run.http_429,
        "library": {name: r.status for name, r in manifest.library.items()},
        # what the budget or the quota left for later, and when it can continue
        "deferred": manifest.deferred,
        "resume_at": manifest.budget.resume_at if manifest.budget else None,
    }
