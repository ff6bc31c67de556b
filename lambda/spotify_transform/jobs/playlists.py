"""The playlist job: one snapshot date's raw files → its curated Parquet partitions.

List and read the date through a `ByteStore` (the files its manifest lists, each verified),
hand the bytes to the pure normalisation batch by batch (memory stays bounded by the batch,
not by the day), the library's (saved tracks and albums, top items) as one more part, and write
exactly one Parquet file per table into that date's partition.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from spotify_transform.errors import TransformError
from spotify_transform.jobs.library import library_files
from spotify_transform.jobs.output import ordered_map, write_tables
from spotify_transform.normalize.dimensions import combine
from spotify_transform.normalize.library import normalize_library
from spotify_transform.normalize.model import Normalized, PlaylistFiles
from spotify_transform.normalize.parsing import RawFile
from spotify_transform.normalize.playlists import apply_listing, listing_rows, normalize_playlists
from spotify_transform.rawzone import commit, layout
from spotify_transform.rawzone.manifest import (
    FileRecord,
    ListingRecord,
    ManifestError,
    read_snapshot,
)
from spotify_transform.storage import ByteStore, StorageError
from spotify_transform.tables import QUARANTINE_TABLE, SNAPSHOT_TABLES
from spotify_transform.uris import join, relative

DEFAULT_BATCH_BYTES = 64 * 1024 * 1024
STAGES = ("all", "shard", "merge")
MAX_SHARDS = 64
PREFETCH_FILES = 256  # reads kept in flight ahead of parsing (~40 MB of pages of 50)
_NO_LISTING = ListingRecord(None)


@dataclass(frozen=True)
class TransformRequest:
    """What to transform.

    Attributes:
        snapshot_date: The date partition (YYYY-MM-DD).
        raw_root: Root of the raw zone (local folder or s3://bucket[/prefix]).
        curated_root: Root of the curated zone.
        max_quarantine_ratio: Fail above this share of quarantined entries and files.
        batch_bytes: Raw bytes parsed per batch (bounds memory).
        stage: "all" transforms the date in one go; a date split over several invocations
            runs "shard" once per shard (0 … shards-1), then "merge".
        shard: This invocation's shard (stage "shard").
        shards: How many shards the date is split into.
    """

    snapshot_date: str
    raw_root: str
    curated_root: str
    max_quarantine_ratio: float = 0.05
    batch_bytes: int = DEFAULT_BATCH_BYTES
    stage: str = "all"
    shard: int = 0
    shards: int = 1

    def __post_init__(self) -> None:
        try:
            date.fromisoformat(self.snapshot_date)
        except (TypeError, ValueError):
            raise TransformError(
                f"snapshot_date must be YYYY-MM-DD, got {self.snapshot_date!r}"
            ) from None
        if not 0 <= self.max_quarantine_ratio <= 1:
            raise TransformError("max_quarantine_ratio must be between 0 and 1")
        if self.stage not in STAGES:
            raise TransformError(f"stage must be one of {', '.join(STAGES)}, got {self.stage!r}")
        if not 1 <= self.shards <= MAX_SHARDS or not 0 <= self.shard < self.shards:
            raise TransformError(
                f"shard {self.shard} of {self.shards} is not allowed (1 to {MAX_SHARDS} shards)"
            )


@dataclass
class RawSet:
    """The response files to read for a date, grouped by playlist.

    Attributes:
        grouped: Per playlist, its `playlist.json` and its pages (offset, path).
        expected: The manifest's record per path; empty for a hand-made partition.
        incomplete: Playlists whose contents are not whole (manifest status other than
            ok/unchanged): their metadata is read, their entries are not.
        listing: The `/me/playlists` pages.
        from_listing: Playlists whose `playlist.json` was copied: the listing names them.
        library: Per complete library dataset (ok/unchanged), its files in order (pages
            newest first; top_items one file per kind and range). A dataset that is not
            complete (deferred, incomplete, forbidden) is not read: none of its rows is
            presented as the library.
        library_offsets: Per saved-tracks or saved-albums file, the position of its first
            entry in the date's list: the manifest's (`LibraryRecord.file_offsets`: a page
            carried over from an earlier date is shifted), else its page name's.
    """

    grouped: dict[str, dict[str, list[tuple[int, str]]]]
    expected: dict[str, FileRecord]
    incomplete: frozenset[str] = frozenset()
    listing: tuple[str, ...] = ()
    from_listing: frozenset[str] = frozenset()
    library: dict[str, tuple[str, ...]] = field(default_factory=dict)
    library_offsets: dict[str, int] = field(default_factory=dict)

    def only(self, keep: Callable[[str], bool], library: bool = True) -> RawSet:
        """The playlists for which `keep(playlist_id)` holds (and the library, or not)."""
        return RawSet(
            {pid: f for pid, f in self.grouped.items() if keep(pid)},
            self.expected,
            frozenset(p for p in self.incomplete if keep(p)),
            self.listing,
            frozenset(p for p in self.from_listing if keep(p)),
            dict(self.library) if library else {},
            dict(self.library_offsets) if library else {},
        )


def _group(paths: list[str]) -> dict[str, dict[str, list[tuple[int, str]]]]:
    """Group the partition's response files by playlist; other files are ignored."""
    out: dict[str, dict[str, list[tuple[int, str]]]] = {}
    for path in paths:
        parsed = layout.parse_playlist_path(path)
        if parsed is None:
            continue
        playlist_id, offset = parsed
        slot = out.setdefault(playlist_id, {"playlist": [], "pages": []})
        if offset is None:
            slot["playlist"].append((0, path))
        else:
            slot["pages"].append((offset, path))
    return out


def read_raw_set(store: ByteStore, raw_root: str, snapshot_date: str) -> RawSet:
    """What to read of a date: the files its manifest lists (contents only of ok/unchanged
    playlists), or, for a partition with no manifest (made by hand), every file in it.

    Raises:
        TransformError: No raw data; or the date is half-replaced (a swap marker and no
            manifest: an extract stopped mid-swap), which is never read as if complete.
    """
    partition = layout.raw_partition(raw_root, snapshot_date)
    try:
        manifest = read_snapshot(store, raw_root, snapshot_date)
    except ManifestError as exc:
        raise TransformError(str(exc)) from None
    if manifest is not None:
        expected: dict[str, FileRecord] = {}
        incomplete = {p.playlist_id for p in manifest.playlists if not p.complete}
        for record in manifest.playlists:
            for path, file in record.paths():
                if record.complete or file.name == layout.PLAYLIST_FILE:
                    expected[join(partition, path)] = file
        listing = [join(partition, path) for path, _ in (manifest.listing or _NO_LISTING).paths()]
        expected.update(
            (join(partition, path), f) for path, f in (manifest.listing or _NO_LISTING).paths()
        )
        grouped = _group([p for p in expected if p not in listing])
        from_listing = {p.playlist_id for p in manifest.playlists if p.copied_metadata}
        library: dict[str, tuple[str, ...]] = {}
        offsets: dict[str, int] = {}
        for dataset, kept in manifest.library.items():
            if kept.complete:
                paths = [(join(partition, path), f) for path, f in kept.paths()]
                expected.update(paths)
                library[dataset] = tuple(path for path, _ in paths)
                if dataset != "top_items":
                    offsets.update(zip(library[dataset], kept.file_offsets(), strict=True))
        return RawSet(
            grouped,
            expected,
            frozenset(incomplete & set(grouped)),
            tuple(listing),
            frozenset(from_listing & set(grouped)),
            library,
            offsets,
        )
    try:
        commit.ensure_readable(store, raw_root, snapshot_date)
    except commit.HalfReplaced as exc:
        raise TransformError(str(exc)) from None
    files = store.list_files(partition)
    if not files:
        raise TransformError(f"no raw data for {snapshot_date} at {partition}")
    found: dict[str, list[str]] = {}
    named: dict[str, int] = {}
    for path in files:  # a hand-made partition: every library file found, as complete
        parts = relative(path, partition).split("/")
        if len(parts) == 3 and parts[0] == "library" and parts[1] in layout.LIBRARY_DATASETS:
            found.setdefault(parts[1], []).append(path)
            offset = layout.library_page_offset(parts[2])
            if offset is not None:  # a page named by its offset (a carried page is not)
                named[path] = offset
    library = {k: tuple(sorted(v)) for k, v in found.items()}
    return RawSet(_group(files), {}, library=library, library_offsets=named)


def _read_verified(store: ByteStore, request: TransformRequest, raw: RawSet, path: str) -> RawFile:
    """A raw file's bytes; a file the manifest lists is verified (size and sha256), and one
    that differs or cannot be read fails the transform naming it (the date was changed after
    its extract)."""
    try:
        data = store.read(path)
    except StorageError as exc:
        if path in raw.expected:
            raise TransformError(
                f"{path} is listed in the date's manifest but cannot be read ({exc}); "
                "extract the date again"
            ) from None
        raise
    want = raw.expected.get(path)
    if want is not None and not want.matches(data):
        raise TransformError(
            f"{path} does not match the date's manifest ({len(data)} bytes, manifest "
            f"{want.size}; or a different sha256): the raw partition changed after its "
            "extract; extract the date again"
        )
    return RawFile(relative(path, request.raw_root), data)


def _batches(
    store: ByteStore, request: TransformRequest, raw: RawSet
) -> Iterator[tuple[list[PlaylistFiles], int, int]]:
    """Yield playlists whose files add up to about `batch_bytes`, with file and byte counts.

    Files the manifest lists are verified as they are read: a size or sha256 that differs
    fails the transform naming the file (the date was changed after its extract).
    """
    grouped = raw.grouped

    def load(path: str) -> RawFile:
        return _read_verified(store, request, raw, path)

    order = [
        (pid, grouped[pid]["playlist"][:1], sorted(grouped[pid]["pages"]))
        for pid in sorted(grouped)
    ]
    paths = [p for _, meta, pages in order for _, p in (*meta, *pages)]
    # Reads overlap with parsing and hide S3 GET latency.
    files = ordered_map(load, paths, store.read_concurrency(request.raw_root), PREFETCH_FILES)
    batch: list[PlaylistFiles] = []
    size = count = 0
    for playlist_id, meta_slot, page_slot in order:
        meta = next(files) if meta_slot else None
        pages = tuple((offset, next(files)) for offset, _ in page_slot)
        batch.append(
            PlaylistFiles(playlist_id, meta, pages, complete=playlist_id not in raw.incomplete)
        )
        count += len(pages) + (meta is not None)
        size += sum(len(f.data) for _, f in pages) + (len(meta.data) if meta else 0)
        if size >= request.batch_bytes:
            yield batch, count, size
            batch, size, count = [], 0, 0
    if batch:
        yield batch, count, size


def normalize_set(
    store: ByteStore, request: TransformRequest, raw: RawSet
) -> tuple[Normalized, dict[str, int]]:
    """Normalise the files of `raw` batch by batch, and its complete library datasets as one
    more part, and combine them (dimensions seen in both merge as one)."""
    parts: list[Normalized] = []
    stats = {
        "playlists": len(raw.grouped),
        "playlists_incomplete": len(raw.incomplete),
        "files_read": 0,
        "bytes_read": 0,
    }
    batches = _batches(store, request, raw)

    def normalize(batch: tuple[list[PlaylistFiles], int, int]) -> tuple[Normalized, int, int]:
        return normalize_playlists(batch[0]), batch[1], batch[2]

    # Two batches in flight: one parsing on the pool while the other's column work runs.
    for part, files, size in ordered_map(normalize, batches, workers=2, window=2):
        parts.append(part)
        stats["files_read"] += files
        stats["bytes_read"] += size
    if raw.library:
        library = library_files(
            raw.library,
            raw.library_offsets,
            lambda path: _read_verified(store, request, raw, path),
            store.read_concurrency(request.raw_root),
        )
        parts.append(normalize_library(library))
        read = [*(f for _, f in library.saved_tracks), *(f for _, f in library.saved_albums)]
        read += [*(f for _, _, f in library.top_items), *library.unnamed]
        stats["files_read"] += len(read)
        stats["bytes_read"] += sum(len(f.data) for f in read)
    return combine(parts), stats


def _listed(store: ByteStore, request: TransformRequest, raw: RawSet) -> pl.DataFrame:
    """The date's listing rows (read and verified like every file the manifest lists)."""
    return listing_rows([_read_verified(store, request, raw, path) for path in raw.listing])


def finish(
    store: ByteStore,
    request: TransformRequest,
    result: Normalized,
    stats: dict[str, int],
    raw: RawSet,
) -> dict[str, object]:
    """Write the date's tables and check the quarantine ratio; return the small summary.

    Raises:
        TransformError: The quarantine ratio is above the limit (raised after every table,
            quarantine included, has been written).
    """
    # Every snapshot table, the library's too: a date without a complete library dataset
    # writes its table empty, so a date extracted again never keeps an older library.
    tables = {name: result.tables[name] for name in SNAPSHOT_TABLES}
    if raw.from_listing:
        tables["playlists"] = apply_listing(
            tables["playlists"], _listed(store, request, raw), sorted(raw.from_listing)
        )
    written = write_tables(store, request.curated_root, request.snapshot_date, tables)

    quarantine = result.tables[QUARANTINE_TABLE]
    whole_files = quarantine.filter(pl.col("position").is_null()).height
    denominator = result.entries + sum(result.library.values()) + whole_files
    ratio = quarantine.height / denominator if denominator else 0.0
    summary: dict[str, object] = {
        "snapshot_date": request.snapshot_date,
        **stats,
        "entries": result.entries,
        "item_types": result.item_types,
        "quarantined": quarantine.height,
        "quarantine_ratio": round(ratio, 6),
        "shapes": result.shapes,
        "library": result.library,
        "shards": request.shards,
        "tables": written,
    }
    if ratio > request.max_quarantine_ratio:
        top = Counter(quarantine["reason"].to_list()).most_common(3)
        reasons = ", ".join(f"{reason} ×{n}" for reason, n in top)
        raise TransformError(
            f"quarantine ratio {ratio:.1%} is above SPOTIFY_MAX_QUARANTINE_RATIO "
            f"{request.max_quarantine_ratio:.1%} ({quarantine.height} of {denominator}; "
            f"top reasons: {reasons}); rows kept in {written[QUARANTINE_TABLE]['uri']}"
        )
    return summary


def run(store: ByteStore, request: TransformRequest) -> dict[str, object]:
    """Transform a whole snapshot date in one go; return a small JSON-able summary.

    Raises:
        TransformError: The raw partition does not exist or is half-replaced, a file differs
            from the manifest, or the quarantine ratio is above the limit.
    """
    raw = read_raw_set(store, request.raw_root, request.snapshot_date)
    result, stats = normalize_set(store, request, raw)
    return finish(store, request, result, stats, raw)
