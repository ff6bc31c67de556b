"""Where everything lives in the zones (DESIGN §3, §4): the one owner of the paths.

Standard library only, so the extractor and the command line find their way without importing
polars. Every function takes a zone root (a local folder or `s3://bucket[/prefix]`) and returns
a path or URI under it.

    <raw>/spotify/playlists/snapshot_date=D/playlist_id=<id>/{playlist.json,items-NNNNNN.json}
    <raw>/spotify/playlists/snapshot_date=D/_manifest.json      (the date's commit)
    <raw>/spotify/playlists/snapshot_date=D/_swap.json          (a swap in progress)
    <raw>/spotify/playlists/.staging-snapshot_date=D-<uuid>/     (an extract's staging, local)
    <raw>/spotify/_staging/snapshot_date=D-<uuid>/              (an extract's staging, S3)
    <raw>/spotify/recently_played/extracted_date=D/<cursor>.json, _manifest.json, ../_cursor.json
    <curated>/<table>/snapshot_date=D/part-00000.parquet        (plays: played_date=D)
    <curated>/_staging/snapshot_date=D/shards=N/shard=NNN/      (a split transform's shards)
"""

from __future__ import annotations

import uuid

from spotify_transform.storage import is_s3, join

MANIFEST = "_manifest.json"
SWAP_MARKER = "_swap.json"
CURSOR = "_cursor.json"
PART_FILE = "part-00000.parquet"
# Every curated table is partitioned by snapshot date, except the listening history.
PARTITION_KEYS = {"plays": "played_date"}
DEFAULT_PARTITION_KEY = "snapshot_date"


def partition_key(table: str) -> str:
    """The partition column of a curated table."""
    return PARTITION_KEYS.get(table, DEFAULT_PARTITION_KEY)


def playlists_root(raw_root: str) -> str:
    """The raw zone folder of every snapshot date's playlists."""
    return join(raw_root, "spotify", "playlists")


def raw_partition(raw_root: str, snapshot_date: str) -> str:
    """The raw zone folder of one snapshot date's playlists."""
    return join(playlists_root(raw_root), f"snapshot_date={snapshot_date}")


def playlist_folder(partition: str, playlist_id: str) -> str:
    """One playlist's folder within a date (or within a staging copy of it)."""
    return join(partition, f"playlist_id={playlist_id}")


def items_page_name(offset: int) -> str:
    """The file name of the `/items` page at `offset`."""
    return f"items-{offset:06d}.json"


def staging_parent(raw_root: str) -> str:
    """Where extracts stage a date before committing it."""
    if is_s3(raw_root):
        return join(raw_root, "spotify", "_staging")
    return playlists_root(raw_root)


def staging_name_prefix(raw_root: str, snapshot_date: str) -> str:
    """The name every staging folder of `snapshot_date` starts with."""
    hidden = "" if is_s3(raw_root) else ".staging-"  # locally hidden from listings
    return f"{hidden}snapshot_date={snapshot_date}-"


def new_staging(raw_root: str, snapshot_date: str) -> str:
    """A fresh staging folder for one extract of `snapshot_date`."""
    name = f"{staging_name_prefix(raw_root, snapshot_date)}{uuid.uuid4().hex[:12]}"
    return join(staging_parent(raw_root), name)


def plays_root(raw_root: str) -> str:
    """The raw zone folder of the listening history."""
    return join(raw_root, "spotify", "recently_played")


def plays_partition(raw_root: str, extracted_date: str) -> str:
    """The raw zone folder of one day's recently-played fetches."""
    return join(plays_root(raw_root), f"extracted_date={extracted_date}")


def curated_file(curated_root: str, table: str, partition_value: str) -> str:
    """The one Parquet file of a table's partition."""
    return join(curated_root, table, f"{partition_key(table)}={partition_value}", PART_FILE)


def shard_staging(curated_root: str, snapshot_date: str, shards: int) -> str:
    """Where the shards of a split transform wait for the merge (outside every table)."""
    return join(curated_root, "_staging", f"snapshot_date={snapshot_date}", f"shards={shards}")
