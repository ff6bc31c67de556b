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
# The user's library on the snapshot date: Liked Songs, saved albums, top tracks and artists.
LIBRARY_TABLES = ("saved_tracks", "saved_albums", "top_items")
QUARANTINE_TABLE = "quarantine"
PLAYS_TABLE = "plays"
# The data export's listening history, and what of an import was malformed.
STREAMS_TABLE = "streams"
IMPORT_QUARANTINE_TABLE = "import_quarantine"
# Every curated table, in the data dictionary's order.
TABLES = (
    *PLAYLIST_TABLES, *LIBRARY_TABLES, PLAYS_TABLE, STREAMS_TABLE, QUARANTINE_TABLE,
    IMPORT_QUARANTINE_TABLE,
)  # fmt: skip
# The tables of a daily snapshot (partitioned by snapshot_date), in the order the transform
# writes them: one Airflow Asset each.
SNAPSHOT_TABLES = (*PLAYLIST_TABLES, *LIBRARY_TABLES, QUARANTINE_TABLE)

DEFAULT_PARTITION_KEY = "snapshot_date"
# Every table is partitioned by the snapshot date, except the listening history: the Web API's
# plays by their UTC day, the export's streams by their UTC month (a lifetime is 120 files of
# ~8,000 streams, not 3,650 of ~270: every scan of `listening` opens each one), and an import's
# quarantine by the import.
PARTITION_KEYS = {
    PLAYS_TABLE: "played_date",
    STREAMS_TABLE: "played_month",
    IMPORT_QUARANTINE_TABLE: "import_id",
}

# Why input was set aside in `quarantine`: malformed input only, which alone counts toward
# SPOTIFY_MAX_QUARANTINE_RATIO (docs/data-contracts.md). `duplicate_id`: a saved track or album
# listed again further down a library said to be complete (the first listing is the row).
QUARANTINE_REASONS = ("missing_id", "bad_json", "bad_shape", "duplicate_id")
# An import's: a file that is not JSON or not an array of records, a record without a time.
IMPORT_QUARANTINE_REASONS = ("bad_json", "bad_shape", "bad_timestamp")


def partition_key(table: str) -> str:
    """The partition column of a curated table."""
    return PARTITION_KEYS.get(table, DEFAULT_PARTITION_KEY)
