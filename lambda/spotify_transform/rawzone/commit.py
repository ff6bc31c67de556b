"""The commit protocol of a raw date partition: stage, marker, swap, repair, clean up.

An extract writes a whole date into a staging folder; `Staging.commit` then replaces the date
so that a crash at any step leaves a state readers and the next run understand:

1. the new manifest is written into staging (the staging copy is now complete);
2. the marker `_swap.json` (naming the staging folder) is written into the date;
3. the old manifest is removed: from here until step 5 the date is "half-replaced", which the
   transform refuses (`ensure_readable`) and `repair` rolls forward from staging;
4. the files are copied in;
5. the new manifest is written last: the date is the new complete one (files it does not list
   are ignored, then removed);
6. stale files, the marker and the staging folder go.

Standard library only; the byte store is passed in.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from spotify_transform.rawzone import layout
from spotify_transform.rawzone.manifest import FileRecord, ManifestError, SnapshotManifest
from spotify_transform.storage import ByteStore, StorageError
from spotify_transform.uris import is_s3, join, relative


class HalfReplaced(StorageError):
    """A date an extract stopped swapping in: never read as if complete."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Staging:
    """One extract's private copy of a snapshot date, committed whole or not at all.

    Args:
        store: The raw zone's byte store.
        raw_root: The raw zone.
        snapshot_date: The date being replaced.
    """

    def __init__(self, store: ByteStore, raw_root: str, snapshot_date: str) -> None:
        self.store = store
        self.raw_root = raw_root
        self.snapshot_date = snapshot_date
        self.final = layout.raw_partition(raw_root, snapshot_date)
        self.folder = layout.new_staging(raw_root, snapshot_date)
        self.committing = False

    def put(self, playlist_id: str, name: str, body: bytes) -> FileRecord:
        """Stage one response body; return its manifest record."""
        uri = layout.playlist_file(self.folder, playlist_id, name)
        self.store.write(uri, body, "application/json")
        return FileRecord.of(name, body)

    def put_listing(self, offset: int, body: bytes) -> FileRecord:
        """Stage one `GET /me/playlists` page; return its manifest record."""
        name = layout.listing_page_name(offset)
        self.store.write(layout.listing_file(self.folder, name), body, "application/json")
        return FileRecord.of(name, body)

    def copy_in(self, source_date: str, playlist_id: str, record: FileRecord) -> FileRecord:
        """Stage a file of another committed date as it is (server-side on S3)."""
        source = layout.raw_partition(self.raw_root, source_date)
        self.store.copy(
            layout.playlist_file(source, playlist_id, record.name),
            layout.playlist_file(self.folder, playlist_id, record.name),
        )
        return record

    def put_library(self, dataset: str, name: str, body: bytes) -> FileRecord:
        """Stage one library response (a page of saved tracks or albums, a top list)."""
        self.store.write(layout.library_file(self.folder, dataset, name), body, "application/json")
        return FileRecord.of(name, body)

    def copy_library_in(
        self, source_date: str, dataset: str, record: FileRecord, as_name: str | None = None
    ) -> FileRecord:
        """Stage a library file of another committed date (or of this date's own commit, when
        a deferred dataset resumes) as it is, under its name or `as_name`."""
        source = layout.raw_partition(self.raw_root, source_date)
        name = as_name or record.name
        self.store.copy(
            layout.library_file(source, dataset, record.name),
            layout.library_file(self.folder, dataset, name),
        )
        return FileRecord(name, record.size, record.sha256)

    def read_library(self, source_date: str, dataset: str, record: FileRecord) -> bytes:
        """The bytes of a committed library file (the unchanged rule compares first pages)."""
        partition = layout.raw_partition(self.raw_root, source_date)
        return self.store.read(layout.library_file(partition, dataset, record.name))

    def commit(self, manifest: SnapshotManifest) -> None:
        """Replace the date by the staged files; the manifest is written last."""
        self.committing = True
        _swap(
            self.store,
            self.folder,
            self.final,
            manifest.to_json(),
            [path for path, _ in manifest.files()],
        )

    def discard(self) -> None:
        """Drop the staging copy of an extract that stopped before its commit began (after, it
        is kept: `repair` needs it, and the marker says where it is)."""
        if not self.committing:
            self.store.delete_prefix(self.folder)


def _swap(store: ByteStore, staging: str, final: str, manifest: bytes, names: list[str]) -> None:
    marker = layout.swap_marker(final)
    store.write(layout.manifest_file(staging), manifest, "application/json")
    store.write(
        marker,
        json.dumps({"staging": staging, "started_at": _now()}).encode(),
        "application/json",
    )
    store.delete([layout.manifest_file(final)])
    for name in names:
        store.copy(join(staging, name), join(final, name))
    store.write(layout.manifest_file(final), manifest, "application/json")
    keep = {*names, layout.MANIFEST}
    store.delete(
        [f for f in store.list_files(final) if relative(f, final) not in keep and f != marker]
    )
    store.delete([marker])
    store.delete_prefix(staging)


def interrupted(store: ByteStore, raw_root: str, snapshot_date: str) -> bool:
    """Whether an earlier extract of the date stopped mid-swap (its marker is still there)."""
    return store.exists(layout.swap_marker(layout.raw_partition(raw_root, snapshot_date)))


def clear_leftovers(store: ByteStore, raw_root: str, snapshot_date: str) -> None:
    """Delete the staging folders that earlier, interrupted extracts of the date left."""
    parent = layout.staging_parent(raw_root)
    prefix = layout.staging_name_prefix(raw_root, snapshot_date)
    if is_s3(raw_root):
        names = {relative(f, parent).split("/", 1)[0] for f in store.list_files(parent)}
        folders = sorted(join(parent, n) for n in names if n.startswith(prefix))
    else:
        folders = sorted(str(p) for p in Path(parent).glob(f"{prefix}*") if p.is_dir())
    for folder in folders:
        store.delete_prefix(folder)


def repair(store: ByteStore, raw_root: str, snapshot_date: str) -> str | None:
    """Finish a swap that an interrupted extract left half done; say what was found.

    Returns None when the date needs nothing, "rolled forward" when the staging copy named by
    the marker was complete (every file with its manifest's size and sha256) and has been
    committed, and "committed" when the marker outlived a commit that had finished.

    Raises:
        StorageError: The date is half-replaced and its staging copy is gone or damaged: only a
            new extract can rebuild it.
    """
    final = layout.raw_partition(raw_root, snapshot_date)
    marker = layout.swap_marker(final)
    if not store.exists(marker):
        return None
    if store.exists(layout.manifest_file(final)):
        store.delete([marker])
        return "committed"
    try:
        staging = str(json.loads(store.read(marker))["staging"])
        manifest_bytes = store.read(layout.manifest_file(staging))
        manifest = SnapshotManifest.from_json(manifest_bytes, layout.manifest_file(staging))
        for path, record in manifest.files():
            if not record.matches(store.read(join(staging, path))):
                raise StorageError(f"{join(staging, path)} does not match its manifest")
    except (StorageError, ManifestError, ValueError, KeyError, TypeError) as exc:
        raise StorageError(
            f"raw partition {snapshot_date} is half-replaced ({marker}) and its staging copy "
            f"cannot finish it ({exc}); extract the date again"
        ) from None
    _swap(store, staging, final, manifest_bytes, [path for path, _ in manifest.files()])
    return "rolled forward"


def ensure_readable(store: ByteStore, raw_root: str, snapshot_date: str) -> None:
    """Refuse a date with a swap marker and no manifest: an extract stopped swapping it in.

    Raises:
        HalfReplaced: The date is half-replaced; the message says to extract it again.
    """
    partition = layout.raw_partition(raw_root, snapshot_date)
    if store.exists(layout.swap_marker(partition)) and not store.exists(
        layout.manifest_file(partition)
    ):
        raise HalfReplaced(
            f"raw partition {snapshot_date} is half-replaced: an extract stopped while swapping "
            f"it in ({layout.swap_marker(partition)}, no {layout.MANIFEST}); run the extract again"
        )
