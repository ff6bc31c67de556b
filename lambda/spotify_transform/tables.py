"""The list of curated tables: names, partition keys and quarantine reasons (standard library).

The one place the tables are named. The polars schemas (`schemas`), the Airflow Assets, the
normaliser's table sets and the Glue crawler's default targets (Terraform, checked by a test)
are derived from it. Cheap to import: DAG files read it at parse time.
"""

from __future__ import annotations

# The playlist snapshot's tables, in the order the transform writes them.
PLAYLIST_TABLES = ("playlists", "playlist_items", "tracks", "albums", "artists", "track_artists")
# Dimensions: one row per ID per partition, each attribute chosen by the merge rule.
DIMENSION_TABLES = ("tracks", "albums", "artists", "track_artists")
QUARANTINE_TABLE = "quarantine"
PLAYS_TABLE = "plays"
# Every curated table, in the data dictionary's order.
TABLES = (*PLAYLIST_TABLES, PLAYS_TABLE, QUARANTINE_TABLE)
# The tables of a daily snapshot (partitioned by snapshot_date): one Airflow Asset each.
SNAPSHOT_TABLES = (*PLAYLIST_TABLES, QUARANTINE_TABLE)

DEFAULT_PARTITION_KEY = "snapshot_date"
# Every table is partitioned by the snapshot date, except the listening history.
PARTITION_KEYS = {PLAYS_TABLE: "played_date"}

# Why input was set aside in `quarantine`: malformed input only, which alone counts toward
# SPOTIFY_MAX_QUARANTINE_RATIO (docs/data-contracts.md).
QUARANTINE_REASONS = ("missing_id", "bad_json", "bad_shape")


def partition_key(table: str) -> str:
    """The partition column of a curated table."""
    return PARTITION_KEYS.get(table, DEFAULT_PARTITION_KEY)
