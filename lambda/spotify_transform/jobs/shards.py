"""A snapshot date split over several invocations: each shard parks its tables, one more
invocation merges them into the date's files (the same bytes as one invocation gives).

Shards live under `<curated>/_staging/…`, outside every table folder, so neither the crawler
nor a query ever sees them. A playlist's shard is a stable hash of its ID; the library is read by
shard 0.
"""

from __future__ import annotations

import io
import json
import zlib

import polars as pl

from spotify_transform.errors import TransformError
from spotify_transform.jobs.output import parquet_bytes
from spotify_transform.jobs.playlists import TransformRequest, finish, normalize_set, read_raw_set
from spotify_transform.normalize.dimensions import combine
from spotify_transform.normalize.model import Normalized
from spotify_transform.rawzone import layout
from spotify_transform.rawzone.manifest import snapshot_identity
from spotify_transform.storage import ByteStore
from spotify_transform.tables import SNAPSHOT_TABLES


def shard_of(playlist_id: str, shards: int) -> int:
    """The shard a playlist belongs to: stable across runs and machines."""
    return zlib.crc32(playlist_id.encode()) % shards


def staging_prefix(request: TransformRequest) -> str:
    """Where shard results of a split date wait for the merge."""
    return layout.shard_staging(request.curated_root, request.snapshot_date, request.shards)


def run_shard(store: ByteStore, request: TransformRequest) -> dict[str, object]:
    """Normalise this shard's playlists and park the (shard-unique) tables for the merge."""
    raw = read_raw_set(store, request.raw_root, request.snapshot_date).only(
        lambda pid: shard_of(pid, request.shards) == request.shard,
        library=request.shard == 0,  # the library is read by one shard
    )
    result, stats = normalize_set(store, request, raw)
    staging = staging_prefix(request)
    store.delete([layout.shard_merged_file(staging)])  # a new split of the date begins
    for name, frame in result.tables.items():
        store.write(layout.shard_table_file(staging, request.shard, name), parquet_bytes(frame))
    counters = {
        **stats,
        "entries": result.entries,
        "item_types": result.item_types,
        "shapes": result.shapes,
        "library": result.library,
    }
    # Written last: its presence says the shard is complete.
    store.write(
        layout.shard_done_file(staging, request.shard),
        json.dumps(counters).encode(),
        "application/json",
    )
    return {"snapshot_date": request.snapshot_date, "shard": request.shard, **counters}


def run_merge(store: ByteStore, request: TransformRequest) -> dict[str, object]:
    """Combine every shard into the date's tables (dimensions unique again), then clean up.

    Idempotent: the merge leaves `_merged.json` (its summary and the raw date it merged) when
    it removes the shards, so a retry after a merge that finished (a lost worker, a cut
    connection) returns the same summary instead of failing; a retry after the date was
    extracted again (another manifest) still needs its shards.

    Raises:
        TransformError: A shard has not finished.
    """
    staging = staging_prefix(request)
    identity = snapshot_identity(store, request.raw_root, request.snapshot_date)
    merged = layout.shard_merged_file(staging)
    if store.exists(merged):
        done = json.loads(store.read(merged))
        if done.get("raw") == identity and not _any_shard_done(store, staging, request.shards):
            return dict(done["summary"])
    parts: list[Normalized] = []
    stats = {"playlists": 0, "playlists_incomplete": 0, "files_read": 0, "bytes_read": 0}
    missing = []
    for shard in range(request.shards):
        done_file = layout.shard_done_file(staging, shard)
        if not store.exists(done_file):
            missing.append(shard)
            continue
        counters = json.loads(store.read(done_file))
        tables = {
            name: pl.read_parquet(
                io.BytesIO(store.read(layout.shard_table_file(staging, shard, name)))
            )
            for name in SNAPSHOT_TABLES
        }
        parts.append(
            Normalized(
                tables=tables,
                entries=counters["entries"],
                item_types=counters["item_types"],
                shapes=counters["shapes"],
                library=counters.get("library", {}),
            )
        )
        for key in stats:
            stats[key] += counters[key]
    if missing:
        raise TransformError(
            f"cannot merge {request.snapshot_date}: shard(s) {missing} of {request.shards} "
            f"have not finished (nothing under {staging})"
        )
    raw = read_raw_set(store, request.raw_root, request.snapshot_date)
    summary = finish(store, request, combine(parts), stats, raw)
    body = json.dumps({"raw": identity, "summary": summary}, sort_keys=True, default=str)
    store.write(merged, body.encode(), "application/json")
    for shard in range(request.shards):
        store.delete_prefix(layout.shard_folder(staging, shard))
    return summary


def _any_shard_done(store: ByteStore, staging: str, shards: int) -> bool:
    return any(store.exists(layout.shard_done_file(staging, s)) for s in range(shards))
