"""Where everything lives in the zones: the one module that builds a path (standard library).

Every function takes a zone root (a local folder or `s3://bucket[/prefix]`) and returns a path
or URI under it; nothing else in the project spells a zone path.

    <raw>/spotify/playlists/snapshot_date=D/playlist_id=<id>/{playlist.json,items-NNNNNN.json}
    <raw>/spotify/playlists/snapshot_date=D/listing/me-playlists-NNNNNN.json   GET /me/playlists
    <raw>/spotify/playlists/snapshot_date=D/library/{saved_tracks,saved_albums}/page-NNNNNN.json
    <raw>/spotify/playlists/snapshot_date=D/library/top_items/{tracks,artists}-<range>.json
    <raw>/spotify/playlists/snapshot_date=D/_manifest.json      the date's commit
    <raw>/spotify/playlists/snapshot_date=D/_swap.json          a swap in progress
    <raw>/spotify/playlists/_writers/snapshot_date=D.json       the one extract writing D
    <raw>/spotify/playlists/.staging-snapshot_date=D-<uuid>/     an extract's staging (local)
    <raw>/spotify/_staging/snapshot_date=D-<uuid>/              an extract's staging (S3)
    <raw>/spotify/recently_played/extracted_date=D/<cursor>.json, _manifest.json
    <raw>/spotify/recently_played/_cursor.json                  the `after` cursor
    <raw>/spotify/_budget/runs/<UTC start>-<id>.json             a run's API calls per minute
    <raw>/spotify/_budget/quota.json                             QUOTA_EXCEEDED: no call until…
    <raw>/spotify/_source.json                                   the lake's source: yours or sample
    <raw>/spotify/export/files/sha256=<hex>.json                 one export file, byte for byte
    <raw>/spotify/export/imports/imported_at=<id>/_manifest.json an import's commit
    <curated>/<table>/<partition key>=<value>/part-00000.parquet
    <curated>/_staging/snapshot_date=D/shards=N/shard=NNN/      a split transform's shards
    <curated>/_staging/snapshot_date=D/shards=N/_merged.json    a finished merge's summary
    <curated>/_derived/streams/sha256=<hex>/v<N>/               one export file, normalised
    <curated>/_state/<name>.json                                what the curated zone reflects
    <reports>/snapshot_date=D/report.{json,html}, run.json     the week ending on D (run report)
    <reports>/period=…/…/report.{json,html}, index.html         other periods (`rawzone.reports`)

On the local platform the zones are folders of the lake (`LocalZones`); on AWS they are the
buckets, and reports sit under `<curated>/_reports/`, outside every table folder.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from spotify_transform.tables import partition_key
from spotify_transform.uris import is_s3, join

MANIFEST = "_manifest.json"
SWAP_MARKER = "_swap.json"
CURSOR = "_cursor.json"
PART_FILE = "part-00000.parquet"
PLAYLIST_FILE = "playlist.json"
SHARD_DONE = "_counters.json"

_PLAYS_FETCH = re.compile(r"/extracted_date=\d{4}-\d{2}-\d{2}/\d{13}\.json$")
_PLAYLIST_PATH = re.compile(r"/playlist_id=([^/]+)/(playlist\.json|items-(\d{6,})\.json)$")


# ---------------------------------------------------------------------------- the lake's zones
@dataclass(frozen=True)
class LocalZones:
    """The local platform's zones, all below the lake folder `home`."""

    home: Path

    @property
    def raw(self) -> str:
        """The raw zone."""
        return str(self.home / "raw")

    @property
    def curated(self) -> str:
        """The curated zone."""
        return str(self.home / "curated")

    @property
    def reports(self) -> str:
        """The run reports."""
        return str(self.home / "reports")

    @property
    def catalog(self) -> Path:
        """The DuckDB catalog of the curated tables."""
        return self.home / "catalog.duckdb"

    @property
    def query_results(self) -> Path:
        """Where each query's full result is written as CSV."""
        return self.home / "query-results"

    @property
    def sample_anchor_file(self) -> Path:
        """The last day of the sample week the lake was built with (`run` without --date)."""
        return self.home / ".sample_anchor"

    @property
    def sample_export_folder(self) -> Path:
        """Where the bundled data export, dated for the lake's sample week, is written."""
        return self.home / "sample-export"

    @property
    def airflow_home(self) -> Path:
        """Airflow's home for in-process runs (SQLite)."""
        return self.home / ".airflow"


def s3_reports_root(curated_root: str) -> str:
    """The reports' root on AWS: beside the tables in the curated bucket, outside every table."""
    return join(curated_root, "_reports")


def source_file(raw_root: str) -> str:
    """Which source the lake holds (the live API or the bundled sample), claimed by its first
    write."""
    return join(raw_root, "spotify", "_source.json")


# ---------------------------------------------------------------------------- playlists
def playlists_root(raw_root: str) -> str:
    """The raw zone folder of every snapshot date's playlists."""
    return join(raw_root, "spotify", "playlists")


def raw_partition(raw_root: str, snapshot_date: str) -> str:
    """The raw zone folder of one snapshot date's playlists."""
    return join(playlists_root(raw_root), f"snapshot_date={snapshot_date}")


def date_of_folder(name: str, key: str) -> str | None:
    """The value of a `key=value` folder name, or None for any other name."""
    prefix = f"{key}="
    return name[len(prefix) :] if name.startswith(prefix) else None


def playlist_file(partition: str, playlist_id: str, name: str) -> str:
    """One response file of a playlist within a date (or within a staging copy of it)."""
    return join(partition, f"playlist_id={playlist_id}", name)


def playlist_file_name(playlist_id: str, name: str) -> str:
    """A playlist's response file relative to its date folder (as a manifest names it)."""
    return f"playlist_id={playlist_id}/{name}"


def listing_page_name(offset: int) -> str:
    """The file name of the `GET /me/playlists` page at `offset`."""
    return f"me-playlists-{offset:06d}.json"


def listing_file_name(name: str) -> str:
    """A listing page relative to its date folder (as a manifest names it)."""
    return f"listing/{name}"


def listing_file(partition: str, name: str) -> str:
    """A listing page within a date (or within a staging copy of it)."""
    return join(partition, listing_file_name(name))


def is_listing_path(path: str) -> bool:
    """Whether a file of a date folder is one of its listing pages."""
    return "/listing/me-playlists-" in path


def items_page_name(offset: int) -> str:
    """The file name of the `/items` page at `offset`."""
    return f"items-{offset:06d}.json"


def parse_playlist_path(path: str) -> tuple[str, int | None] | None:
    """(playlist ID, page offset or None for playlist.json) of a response file's path; None
    for any other file."""
    m = _PLAYLIST_PATH.search(path)
    if not m:
        return None
    return m.group(1), None if m.group(3) is None else int(m.group(3))


LIBRARY_DATASETS = ("saved_tracks", "saved_albums", "top_items")
TOP_KINDS = ("tracks", "artists")
TIME_RANGES = ("short_term", "medium_term", "long_term")


def library_file_name(dataset: str, name: str) -> str:
    """A library response file, relative to its date folder: `library/<dataset>/<name>`."""
    return f"library/{dataset}/{name}"


def library_file(partition: str, dataset: str, name: str) -> str:
    """A library response file of a snapshot date (or its staging)."""
    return join(partition, library_file_name(dataset, name))


def library_page_name(offset: int) -> str:
    """One page of `GET /me/tracks` or `/me/albums` (`page-000050.json`: its offset)."""
    return f"page-{offset:06d}.json"


def library_page_offset(path: str) -> int | None:
    """The offset a saved-tracks or saved-albums page was fetched at (`…/page-000050.json`);
    None for any other file (a carried page's position is in its record's `offsets`)."""
    page = re.fullmatch(r"page-(\d{6,})\.json", path.rsplit("/", 1)[-1])
    return int(page.group(1)) if page else None


def carried_page_name(sha256: str) -> str:
    """A page carried over from an earlier date's library (new likes on top of it), named by
    its content so carrying it again keeps its name."""
    return f"carried-{sha256[:16]}.json"


def top_file_name(kind: str, time_range: str) -> str:
    """`GET /me/top/{kind}?time_range=…` (`tracks-short_term.json`)."""
    return f"{kind}-{time_range}.json"


def parse_top_file(path: str) -> tuple[str, str] | None:
    """(kind, time range) of a top-items file (`…/tracks-short_term.json`); None for any other."""
    name = path.rsplit("/", 1)[-1]
    kind, _, rest = name.removesuffix(".json").partition("-")
    ok = name.endswith(".json") and kind in TOP_KINDS and rest in TIME_RANGES
    return (kind, rest) if ok else None


def manifest_file(partition: str) -> str:
    """The commit of a partition."""
    return join(partition, MANIFEST)


def swap_marker(partition: str) -> str:
    """The marker of a swap in progress in a partition."""
    return join(partition, SWAP_MARKER)


def writer_lock(raw_root: str, snapshot_date: str) -> str:
    """The lease of the one extract writing `snapshot_date` (outside the date's folder)."""
    return join(playlists_root(raw_root), "_writers", f"snapshot_date={snapshot_date}.json")


def budget_runs(raw_root: str) -> str:
    """The call ledger: one file per run, its Web API calls per minute (the rolling budget)."""
    return join(raw_root, "spotify", "_budget", "runs")


def budget_run_file(raw_root: str, key: str) -> str:
    """One run's calls per minute (`<UTC start>-<id>.json`: its start orders and ages it)."""
    return join(budget_runs(raw_root), f"{key}.json")


def quota_file(raw_root: str) -> str:
    """Spotify's QUOTA_EXCEEDED: until when no run may call the Web API."""
    return join(raw_root, "spotify", "_budget", "quota.json")


# ---------------------------------------------------------------------------- staging
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


# ---------------------------------------------------------------------------- listening
def plays_root(raw_root: str) -> str:
    """The raw zone folder of the listening history."""
    return join(raw_root, "spotify", "recently_played")


def plays_partition(raw_root: str, extracted_date: str) -> str:
    """The raw zone folder of one day's recently-played fetches."""
    return join(plays_root(raw_root), f"extracted_date={extracted_date}")


def plays_fetch_name(after_ms: int | None) -> str:
    """The file name of a fetch made with the `after` cursor `after_ms`."""
    return f"{after_ms or 0:013d}.json"


def is_plays_fetch(uri: str) -> bool:
    """Whether a file of the listening history's folder is a stored fetch (not a manifest)."""
    return _PLAYS_FETCH.search(uri) is not None


def cursor_file(raw_root: str) -> str:
    """The `after` cursor of the last successful recently-played fetch."""
    return join(plays_root(raw_root), CURSOR)


# ---------------------------------------------------------------------------- the data export
def export_root(raw_root: str) -> str:
    """The raw zone folder of the Spotify data export."""
    return join(raw_root, "spotify", "export")


def export_file(raw_root: str, sha256: str) -> str:
    """One export file, stored under its content's sha256 (a second copy is the same file)."""
    return join(export_root(raw_root), "files", f"sha256={sha256}.json")


def imports_root(raw_root: str) -> str:
    """The folder of every import's commit."""
    return join(export_root(raw_root), "imports")


def import_folder(raw_root: str, import_id: str) -> str:
    """One import's folder: its manifest is the import's commit."""
    return join(imports_root(raw_root), f"imported_at={import_id}")


# ---------------------------------------------------------------------------- curated
def curated_table_root(curated_root: str, table: str) -> str:
    """The folder of every partition of a curated table."""
    return join(curated_root, table)


def partition_folder(key: str, value: str) -> str:
    """A partition's folder name: `key=value` (Hive style, as Glue and DuckDB read it)."""
    return f"{key}={value}"


def curated_partition(curated_root: str, table: str, partition_value: str) -> str:
    """The folder of one partition of a curated table."""
    return join(curated_root, table, partition_folder(partition_key(table), partition_value))


def curated_glob(curated_root: str, table: str) -> str:
    """A glob of every partition file of a curated table."""
    return join(curated_root, table, partition_folder(partition_key(table), "*"), "*.parquet")


def curated_file(curated_root: str, table: str, partition_value: str) -> str:
    """The one Parquet file of a table's partition."""
    return join(curated_partition(curated_root, table, partition_value), PART_FILE)


def shard_staging(curated_root: str, snapshot_date: str, shards: int) -> str:
    """Where the shards of a split transform wait for the merge (outside every table)."""
    return join(curated_root, "_staging", f"snapshot_date={snapshot_date}", f"shards={shards}")


def shard_folder(staging: str, shard: int) -> str:
    """One shard's tables within a split transform's staging."""
    return join(staging, f"shard={shard:03d}")


def shard_table_file(staging: str, shard: int, table: str) -> str:
    """One table of one shard, parked for the merge."""
    return join(shard_folder(staging, shard), f"{table}.parquet")


def shard_done_file(staging: str, shard: int) -> str:
    """Written last by a shard: its presence says the shard is complete."""
    return join(shard_folder(staging, shard), SHARD_DONE)


def shard_merged_file(staging: str) -> str:
    """Left by a finished merge (its summary and the raw date it merged): a retried merge
    returns it instead of failing on the shards it already cleaned up."""
    return join(staging, "_merged.json")


def derived_streams(curated_root: str, sha256: str, version: int) -> str:
    """One export file normalised (outside every table): what later imports merge with."""
    return join(curated_root, "_derived", "streams", f"sha256={sha256}", f"v{version}")


def derived_part(folder: str, name: str) -> str:
    """A part of a normalised export file: `rows.parquet`, `quarantine.parquet`, `stats.json`
    (written last: its presence says the file is done)."""
    return join(folder, name)


def state_file(curated_root: str, name: str) -> str:
    """What the curated zone reflects of the raw zone (a rebuild's ledger), outside every table."""
    return join(curated_root, "_state", f"{name}.json")


# ---------------------------------------------------------------------------- reports
def report_folder(reports_root: str, snapshot_date: str) -> str:
    """The folder of one date's run report: the listener's week ending on the date (the
    other periods' pages: `rawzone.reports`)."""
    return join(reports_root, f"snapshot_date={snapshot_date}")
