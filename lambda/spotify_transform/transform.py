"""Transform one snapshot date: raw response files → curated Parquet partitions.

The I/O side of the transform: list and read the raw partition through a `ByteStore`, hand the
bytes to the pure `normalize` module batch by batch (so memory stays bounded by the batch, not by
the day), and write exactly one Parquet file per table into that date's partition.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

import polars as pl

from spotify_transform.errors import TransformError
from spotify_transform.layout import (
    MANIFEST,
    PART_FILE,
    SWAP_MARKER,
    curated_file,
    plays_partition,
    plays_root,
    raw_partition,
    shard_staging,
)
from spotify_transform.normalize import (
    PLAYLIST_TABLES,
    Normalized,
    PlaylistFiles,
    RawFile,
    combine,
    normalize_playlists,
)
from spotify_transform.storage import ByteStore, StorageError, join

__all__ = [
    "MANIFEST",
    "PART_FILE",
    "SWAP_MARKER",
    "RawSet",
    "TransformError",
    "TransformRequest",
    "curated_file",
    "plays_partition",
    "raw_partition",
    "read_raw_set",
    "run",
    "run_plays",
]

COMPLETE_STATUSES = ("ok", "unchanged")
DEFAULT_BATCH_BYTES = 64 * 1024 * 1024
STAGES = ("all", "shard", "merge")
MAX_SHARDS = 64
PREFETCH_FILES = 256  # reads kept in flight ahead of parsing (~40 MB of pages of 50)
_PLAYLIST_DIR = re.compile(r"/playlist_id=([^/]+)/(playlist\.json|items-(\d{6,})\.json)$")


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
        expected: (bytes, sha256) per path, from the manifest; empty for a hand-made partition.
        incomplete: Playlists whose contents are not whole (manifest status other than
            ok/unchanged): their metadata is read, their entries are not.
    """

    grouped: dict[str, dict[str, list[tuple[int, str]]]]
    expected: dict[str, tuple[int, str]]
    incomplete: frozenset[str] = frozenset()

    def only(self, keep: Callable[[str], bool]) -> RawSet:
        """The playlists for which `keep(playlist_id)` holds."""
        return RawSet(
            {pid: f for pid, f in self.grouped.items() if keep(pid)},
            self.expected,
            frozenset(p for p in self.incomplete if keep(p)),
        )


def _group(paths: list[str]) -> dict[str, dict[str, list[tuple[int, str]]]]:
    """Group the partition's response files by playlist; other files are ignored."""
    out: dict[str, dict[str, list[tuple[int, str]]]] = {}
    for path in paths:
        m = _PLAYLIST_DIR.search(path)
        if not m:
            continue
        slot = out.setdefault(m.group(1), {"playlist": [], "pages": []})
        if m.group(3) is None:
            slot["playlist"].append((0, path))
        else:
            slot["pages"].append((int(m.group(3)), path))
    return out


T = TypeVar("T")
R = TypeVar("R")


def _ordered_map(
    fn: Callable[[T], R], items: Iterable[T], workers: int, window: int
) -> Iterator[R]:
    """`map(fn, items)` on a thread pool, in order, with at most `window` calls in flight.

    Unlike `Executor.map`, it does not submit everything at once, so memory stays bounded by
    the window while work overlaps (polars and file reads release the GIL).
    """
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque[Future[R]] = deque()
        queue = iter(items)
        for item in queue:
            pending.append(pool.submit(fn, item))
            if len(pending) >= window:
                break
        while pending:
            done = pending.popleft().result()
            for item in queue:
                pending.append(pool.submit(fn, item))
                break
            yield done


def _batches(
    store: ByteStore, request: TransformRequest, raw: RawSet
) -> Iterator[tuple[list[PlaylistFiles], int, int]]:
    """Yield playlists whose files add up to about `batch_bytes`, with file and byte counts.

    Files the manifest lists are verified as they are read: a size or sha256 that differs
    fails the transform naming the file (the date was changed after its extract).
    """
    root = request.raw_root.rstrip("/") + "/"
    grouped = raw.grouped

    def load(path: str) -> RawFile:
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
        if want is not None and (len(data), hashlib.sha256(data).hexdigest()) != want:
            raise TransformError(
                f"{path} does not match the date's manifest ({len(data)} bytes, manifest "
                f"{want[0]}; or a different sha256): the raw partition changed after its "
                "extract; extract the date again"
            )
        return RawFile(path.removeprefix(root), data)

    order = [
        (pid, grouped[pid]["playlist"][:1], sorted(grouped[pid]["pages"]))
        for pid in sorted(grouped)
    ]
    paths = [p for _, meta, pages in order for _, p in (*meta, *pages)]
    # Reads overlap with parsing and hide S3 GET latency.
    files = _ordered_map(load, paths, store.read_concurrency(root), PREFETCH_FILES)
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


def parquet_bytes(frame: pl.DataFrame) -> bytes:
    """Serialise a frame with fixed writer settings, so equal frames give equal bytes."""
    buf = io.BytesIO()
    frame.write_parquet(buf, compression="zstd", compression_level=1, statistics=True)
    return buf.getvalue()


def write_tables(
    store: ByteStore, curated_root: str, snapshot_date: str, tables: dict[str, pl.DataFrame]
) -> dict[str, dict[str, object]]:
    """Write each table's single partition file (atomically) and return rows and URIs."""
    written: dict[str, dict[str, object]] = {}

    def write(item: tuple[str, pl.DataFrame]) -> None:
        name, frame = item
        uri = curated_file(curated_root, name, snapshot_date)
        store.write(uri, parquet_bytes(frame))
        written[name] = {"rows": frame.height, "uri": uri}

    for _ in _ordered_map(write, tables.items(), workers=4, window=len(tables) or 1):
        pass  # tables compress in parallel; each file is still replaced in one step
    return {name: written[name] for name in tables}


def shard_of(playlist_id: str, shards: int) -> int:
    """The shard a playlist belongs to: stable across runs and machines."""
    return zlib.crc32(playlist_id.encode()) % shards


def staging_prefix(request: TransformRequest) -> str:
    """Where shard results of a split date wait for the merge (outside every table folder)."""
    return shard_staging(request.curated_root, request.snapshot_date, request.shards)


def _normalize(
    store: ByteStore, request: TransformRequest, raw: RawSet
) -> tuple[Normalized, dict[str, int]]:
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
    for part, files, size in _ordered_map(normalize, batches, workers=2, window=2):
        parts.append(part)
        stats["files_read"] += files
        stats["bytes_read"] += size
    return combine(parts), stats


def read_raw_set(store: ByteStore, raw_root: str, snapshot_date: str) -> RawSet:
    """What to read of a date: the files its manifest lists (contents only of ok/unchanged
    playlists), or, for a partition with no manifest (made by hand), every file in it.

    Raises:
        TransformError: No raw data; or the date is half-replaced (a swap marker and no
            manifest: an extract stopped mid-swap), which is never read as if complete.
    """
    partition = raw_partition(raw_root, snapshot_date)
    manifest_uri = join(partition, MANIFEST)
    if store.exists(manifest_uri):
        try:
            manifest = json.loads(store.read(manifest_uri))
            listed = manifest["playlists"]
        except (ValueError, KeyError, TypeError) as exc:
            raise TransformError(f"{manifest_uri} is not a manifest: {exc}") from None
        paths: list[str] = []
        expected: dict[str, tuple[int, str]] = {}
        incomplete: set[str] = set()
        for entry in listed:
            pid = str(entry["playlist_id"])
            whole = entry.get("status") in COMPLETE_STATUSES
            if not whole:
                incomplete.add(pid)
            for f in entry.get("files") or []:
                if not whole and f["name"] != "playlist.json":
                    continue
                path = join(partition, f"playlist_id={pid}", f["name"])
                paths.append(path)
                expected[path] = (int(f["bytes"]), str(f["sha256"]))
        grouped = _group(paths)
        return RawSet(grouped, expected, frozenset(incomplete & set(grouped)))
    if store.exists(join(partition, SWAP_MARKER)):
        raise TransformError(
            f"raw partition {snapshot_date} is half-replaced: an extract stopped while swapping "
            f"it in ({join(partition, SWAP_MARKER)}, no {MANIFEST}); run the extract again"
        )
    files = store.list_files(partition)
    if not files:
        raise TransformError(f"no raw data for {snapshot_date} at {partition}")
    return RawSet(_group(files), {})


def _grouped(store: ByteStore, request: TransformRequest) -> RawSet:
    return read_raw_set(store, request.raw_root, request.snapshot_date)


def run(store: ByteStore, request: TransformRequest) -> dict[str, object]:
    """Transform one snapshot date (or one shard of it, or merge its shards); return a small
    JSON-able summary.

    Raises:
        TransformError: The raw partition does not exist, a shard is missing at merge time, or
            the quarantine ratio is above the limit (raised after every table, quarantine
            included, has been written).
    """
    if request.stage == "shard":
        return _run_shard(store, request)
    if request.stage == "merge":
        return _run_merge(store, request)
    result, stats = _normalize(store, request, _grouped(store, request))
    return _finish(store, request, result, stats)


def _run_shard(store: ByteStore, request: TransformRequest) -> dict[str, object]:
    """Normalise this shard's playlists and park the (shard-unique) tables for the merge."""
    raw = _grouped(store, request).only(lambda pid: shard_of(pid, request.shards) == request.shard)
    result, stats = _normalize(store, request, raw)
    folder = join(staging_prefix(request), f"shard={request.shard:03d}")
    for name, frame in result.tables.items():
        store.write(join(folder, f"{name}.parquet"), parquet_bytes(frame))
    counters = {
        **stats,
        "entries": result.entries,
        "item_types": result.item_types,
        "shapes": result.shapes,
    }
    # Written last: its presence says the shard is complete.
    store.write(join(folder, "_counters.json"), json.dumps(counters).encode(), "application/json")
    return {"snapshot_date": request.snapshot_date, "shard": request.shard, **counters}


def _run_merge(store: ByteStore, request: TransformRequest) -> dict[str, object]:
    """Combine every shard into the date's tables (dimensions unique again), then clean up."""
    prefix = staging_prefix(request)
    parts: list[Normalized] = []
    stats = {"playlists": 0, "playlists_incomplete": 0, "files_read": 0, "bytes_read": 0}
    missing = []
    for shard in range(request.shards):
        folder = join(prefix, f"shard={shard:03d}")
        if not store.exists(join(folder, "_counters.json")):
            missing.append(shard)
            continue
        counters = json.loads(store.read(join(folder, "_counters.json")))
        tables = {
            name: pl.read_parquet(io.BytesIO(store.read(join(folder, f"{name}.parquet"))))
            for name in (*PLAYLIST_TABLES, "quarantine")
        }
        parts.append(
            Normalized(
                tables=tables,
                entries=counters["entries"],
                item_types=counters["item_types"],
                shapes=counters["shapes"],
            )
        )
        for key in stats:
            stats[key] += counters[key]
    if missing:
        raise TransformError(
            f"cannot merge {request.snapshot_date}: shard(s) {missing} of {request.shards} "
            f"have not finished (nothing under {prefix})"
        )
    summary = _finish(store, request, combine(parts), stats)
    store.delete_prefix(prefix)
    return summary


def _finish(
    store: ByteStore, request: TransformRequest, result: Normalized, stats: dict[str, int]
) -> dict[str, object]:
    tables = {name: result.tables[name] for name in (*PLAYLIST_TABLES, "quarantine")}
    written = write_tables(store, request.curated_root, request.snapshot_date, tables)

    quarantine = result.tables["quarantine"]
    whole_files = quarantine.filter(pl.col("position").is_null()).height
    denominator = result.entries + whole_files
    ratio = quarantine.height / denominator if denominator else 0.0
    summary: dict[str, object] = {
        "snapshot_date": request.snapshot_date,
        **stats,
        "entries": result.entries,
        "item_types": result.item_types,
        "quarantined": quarantine.height,
        "quarantine_ratio": round(ratio, 6),
        "shapes": result.shapes,
        "shards": request.shards,
        "tables": written,
    }
    if ratio > request.max_quarantine_ratio:
        top = Counter(quarantine["reason"].to_list()).most_common(3)
        reasons = ", ".join(f"{reason} ×{n}" for reason, n in top)
        raise TransformError(
            f"quarantine ratio {ratio:.1%} is above SPOTIFY_MAX_QUARANTINE_RATIO "
            f"{request.max_quarantine_ratio:.1%} ({quarantine.height} of {denominator}; "
            f"top reasons: {reasons}); rows kept in {written['quarantine']['uri']}"
        )
    return summary


def _fetches_holding(store: ByteStore, raw_root: str, day: str) -> list[str]:
    """Every recently-played fetch that may hold plays of `day`: those fetched that day or
    later whose manifest lists `day` among their played dates (fetches whose manifest predates
    that record, or has none, are all read; the normalisation keeps only `day`'s plays)."""
    root = plays_root(raw_root)
    paths: list[str] = []
    for folder in store.list_dirs(root):
        if not folder.startswith("extracted_date=") or folder.split("=", 1)[1] < day:
            continue
        base = join(root, folder)
        listed: set[str] | None = None
        if store.exists(join(base, MANIFEST)):
            try:
                runs = json.loads(store.read(join(base, MANIFEST)))["runs"]
                fetches = [f for r in runs for f in r["fetches"]]
                if all("played_dates" in f for f in fetches):
                    listed = {f["file"] for f in fetches if day in f["played_dates"]}
            except (ValueError, KeyError, TypeError):
                listed = None
        for path in store.list_files(base):
            name = path.rsplit("/", 1)[-1]
            if (
                name.endswith(".json")
                and not name.startswith("_")
                and (listed is None or name in listed)
            ):
                paths.append(path)
    return paths


def run_plays(
    store: ByteStore, raw_root: str, curated_root: str, played_dates: list[str]
) -> dict[str, object]:
    """Rebuild the `plays` partitions of `played_dates` from the recently-played fetches.

    A play of day D can be fetched on D or any day after (the first run brings the last 50
    plays, a paused DAG or failed runs bring them late), so partition D is rebuilt, whole, from
    every fetch that holds plays of D, and plays repeated by overlapping fetches collapse:
    re-running gives the same file.
    """
    from spotify_transform.normalize import normalize_plays

    root = raw_root.rstrip("/") + "/"
    written: dict[str, dict[str, object]] = {}
    skipped: Counter[str] = Counter()
    bad_files: list[tuple[str, str]] = []
    for day in sorted(set(played_dates)):
        date.fromisoformat(day)
        paths = _fetches_holding(store, raw_root, day)
        if not paths:
            continue
        result = normalize_plays([RawFile(p.removeprefix(root), store.read(p)) for p in paths])
        for _, reason, n in result.skipped.filter(pl.col("played_date") == day).iter_rows():
            skipped[reason] += n
        bad_files += result.bad_files
        plays = result.plays.filter(pl.col("played_date") == day).drop("played_date")
        uri = curated_file(curated_root, "plays", day)
        store.write(uri, parquet_bytes(plays))
        written[day] = {"rows": plays.height, "uri": uri}
    return {
        "dataset": "plays",
        "partitions": written,
        "skipped": dict(skipped),
        "bad_files": bad_files,
    }
