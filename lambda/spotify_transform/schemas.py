"""The curated tables' columns: the single source of truth for columns, types and meaning.

The tables themselves are listed in `tables` (names, partition keys); everything about their
columns is derived from here: the polars schemas the transform writes with, the Parquet types,
the local catalog's empty views, the data-quality key checks and the data dictionary in the
docs. Pure module: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl
from polars._typing import PolarsDataType

from spotify_transform import tables
from spotify_transform.tables import DEFAULT_PARTITION_KEY, partition_key

TIMESTAMP = pl.Datetime("ms", "UTC")


@dataclass(frozen=True)
class Column:
    """One column of a curated table.

    Attributes:
        name: Column name (snake_case, also the Glue/Athena name).
        dtype: The polars type written to Parquet.
        description: What the column means, for the data dictionary.
        key: Part of the table's unique key within a partition (never NULL).
    """

    name: str
    dtype: pl.DataType
    description: str
    key: bool = False


@dataclass(frozen=True)
class Table:
    """A curated table: its columns, partition column and description."""

    name: str
    description: str
    columns: tuple[Column, ...]
    partition: str = DEFAULT_PARTITION_KEY

    @property
    def schema(self) -> pl.Schema:
        """The polars schema of the table's Parquet files (partition column excluded)."""
        return pl.Schema({c.name: c.dtype for c in self.columns})

    @property
    def key(self) -> tuple[str, ...]:
        """Names of the key columns, in order."""
        return tuple(c.name for c in self.columns if c.key)

    def empty(self) -> pl.DataFrame:
        """An empty frame with exactly this table's schema."""
        return self.schema.to_frame(eager=True)


def _c(name: str, dtype: pl.DataType, description: str, *, key: bool = False) -> Column:
    return Column(name, dtype, description, key)


S, I64, B = pl.String(), pl.Int64(), pl.Boolean()

PLAYLISTS = Table(
    "playlists",
    "One row per playlist extracted on the snapshot date.",
    (
        _c("playlist_id", S, "Spotify playlist ID.", key=True),
        _c("name", S, "Playlist name as shown in Spotify."),
        _c("description", S, "Playlist description (may contain HTML entities)."),
        _c("owner_id", S, "Spotify user ID of the owner."),
        _c("owner_name", S, "Display name of the owner."),
        _c("public", B, "Whether the playlist is public; NULL when Spotify does not say."),
        _c("collaborative", B, "Whether the playlist is collaborative."),
        _c("followers", I64, "Follower count; NULL when the API omits it (2026 Development Mode)."),
        _c("snapshot_id", S, "Spotify's version string of the playlist contents."),
        _c("item_count", I64, "Total entries reported by Spotify; NULL when not visible."),
        _c(
            "items_accessible",
            B,
            "True when playlist_items holds this date's whole contents; false when the app may "
            "not read them (not owned: 403) or they were not read whole (incomplete, error: the "
            "manifest's status and the report say which).",
        ),
    ),
)

PLAYLIST_ITEMS = Table(
    "playlist_items",
    "Every position of each complete, readable playlist, whatever it holds; duplicates kept as "
    "separate positions.",
    (
        _c("playlist_id", S, "Spotify playlist ID.", key=True),
        _c("position", I64, "0-based position in the playlist (page offset + index).", key=True),
        _c(
            "item_type",
            S,
            "track, episode (podcast), local (a local file), unavailable (null) or malformed "
            "(a track object without an id: quarantined, its position kept).",
        ),
        _c("item_uri", S, "The entry's Spotify URI (spotify:local:… for local files)."),
        _c("item_name", S, "Episode or local file name as the entry gives it (tracks: `tracks`)."),
        _c(
            "item_artists",
            pl.List(pl.String()),
            "Local file artists, or an episode's show publisher, as the entry gives them.",
        ),
        _c("item_album", S, "Local file album, or an episode's show name."),
        _c("item_duration_ms", I64, "Duration the entry gives, for episodes and local files."),
        _c("track_id", S, "Spotify track ID (tracks only)."),
        _c("added_at", TIMESTAMP, "When the entry was added (UTC); NULL for the 1970 placeholder."),
        _c("added_at_raw", S, "added_at exactly as the API sent it."),
        _c("added_by_id", S, "User who added the entry; NULL when unknown or empty."),
        _c("snapshot_id", S, "Playlist snapshot the entry belongs to."),
    ),
)

TRACKS = Table(
    "tracks",
    "Tracks seen in the snapshot's playlists, saved tracks and top tracks, one row per track.",
    (
        _c("track_id", S, "Spotify track ID.", key=True),
        _c("name", S, "Track name."),
        _c("album_id", S, "Spotify album ID."),
        _c("duration_ms", I64, "Duration in milliseconds."),
        _c("explicit", B, "Explicit lyrics flag."),
        _c("popularity", I64, "0-100; NULL when the API omits it (2026 Development Mode)."),
        _c("track_number", I64, "Position on its disc."),
        _c("disc_number", I64, "Disc number on the album."),
        _c("isrc", S, "International Standard Recording Code (external_ids.isrc)."),
        _c("available_markets_count", I64, "Number of markets; NULL when the API omits the list."),
        _c("is_playable", B, "Playability in the request's market; NULL when no market applied."),
        _c("uri", S, "Spotify URI."),
    ),
)

ALBUMS = Table(
    "albums",
    "Albums of the snapshot's tracks, and saved albums, one row per album.",
    (
        _c("album_id", S, "Spotify album ID.", key=True),
        _c("name", S, "Album name."),
        _c("album_type", S, "album, single or compilation."),
        _c("release_date", pl.Date(), "Release date by precision (year → Jan 1, month → day 1)."),
        _c("release_date_raw", S, "release_date exactly as the API sent it."),
        _c("release_date_precision", S, "year, month or day."),
        _c("total_tracks", I64, "Number of tracks on the album."),
        _c("label", S, "Record label; NULL when the API omits it."),
        _c("popularity", I64, "0-100; NULL when the API omits it."),
        _c("uri", S, "Spotify URI."),
    ),
)

ARTISTS = Table(
    "artists",
    "Artists of the snapshot's tracks and albums, and top artists, one row per artist.",
    (
        _c("artist_id", S, "Spotify artist ID.", key=True),
        _c("name", S, "Artist name."),
        _c("uri", S, "Spotify URI."),
        _c("genres", pl.List(pl.String()), "Genres; NULL when the API omits them."),
        _c("followers", I64, "Follower count; NULL when the API omits it."),
        _c("popularity", I64, "0-100; NULL when the API omits it."),
    ),
)

TRACK_ARTISTS = Table(
    "track_artists",
    "Credited artists of each track, in credit order (album-only artists excluded).",
    (
        _c("track_id", S, "Spotify track ID.", key=True),
        _c("artist_id", S, "Spotify artist ID.", key=True),
        _c("artist_position", I64, "0-based position in the track's artist credits."),
    ),
)

SAVED_TRACKS = Table(
    "saved_tracks",
    "The user's Liked Songs (GET /me/tracks) on the snapshot date, newest first; written empty "
    "when the date's saved tracks were not read whole.",
    (
        _c("track_id", S, "Spotify track ID (its name and credits are in `tracks`).", key=True),
        _c("added_at", TIMESTAMP, "When the track was liked (UTC)."),
        _c("added_at_raw", S, "added_at exactly as the API sent it."),
        _c("position", I64, "0-based position in the library, newest first (page offset + index)."),
    ),
)

SAVED_ALBUMS = Table(
    "saved_albums",
    "The user's saved albums (GET /me/albums) on the snapshot date, newest first; written empty "
    "when the date's saved albums were not read whole.",
    (
        _c("album_id", S, "Spotify album ID (its name and artists are in `albums`).", key=True),
        _c("added_at", TIMESTAMP, "When the album was saved (UTC)."),
        _c("added_at_raw", S, "added_at exactly as the API sent it."),
        _c("position", I64, "0-based position in the library, newest first (page offset + index)."),
    ),
)

TOP_ITEMS = Table(
    "top_items",
    "The user's top tracks and artists (GET /me/top/{kind}) per time range on the snapshot date; "
    "written empty when the date's top items were not read whole.",
    (
        _c("kind", S, "tracks or artists.", key=True),
        _c(
            "time_range",
            S,
            "short_term (~4 weeks), medium_term (~6 months) or long_term.",
            key=True,
        ),
        _c("rank", I64, "1-based rank in the list (index in the response + 1).", key=True),
        _c("item_id", S, "Spotify track or artist ID; NULL for an item without one (quarantined)."),
        _c("name", S, "Track or artist name, as the list gives it."),
    ),
)

PLAYS = Table(
    "plays",
    "Listening history from recently-played, one row per play.",
    (
        _c("played_at", TIMESTAMP, "When the play happened (UTC).", key=True),
        _c("track_id", S, "Spotify track ID."),
        _c("track_name", S, "Track name, as the recently-played response gives it."),
        _c("album_id", S, "Spotify album ID."),
        _c("album_name", S, "Album name."),
        _c("artist_ids", pl.List(pl.String()), "Credited artists' IDs, in credit order."),
        _c("artist_names", pl.List(pl.String()), "Credited artists' names, in credit order."),
        _c("duration_ms", I64, "Track duration in milliseconds."),
        _c("explicit", B, "Explicit lyrics flag."),
        _c("context_type", S, "playlist, album, artist or show; NULL without a context."),
        _c("context_uri", S, "URI of the context the play started from."),
    ),
    partition=partition_key("plays"),
)

STREAMS = Table(
    "streams",
    "Every stream a Spotify data export names (a track, an episode or an audiobook chapter), "
    "once: copies in several files or exports are one row; account-data records only on days "
    "without extended history. No personal field (IP address, user name) is kept.",
    (
        _c("ended_at", TIMESTAMP, "When the stream ended (UTC; to the minute for account data)."),
        _c("ms_played", I64, "Milliseconds played."),
        _c("content_type", S, "track, episode, audiobook or unknown."),
        _c("track_id", S, "Spotify track ID (from spotify_track_uri)."),
        _c("track_name", S, "Track name."),
        _c("artist_name", S, "The album's artist, as the export names it."),
        _c("album_name", S, "Album name."),
        _c("episode_id", S, "Spotify episode ID (from spotify_episode_uri)."),
        _c("episode_name", S, "Podcast episode name."),
        _c("show_name", S, "Podcast show name."),
        _c("audiobook_title", S, "Audiobook title."),
        _c("audiobook_chapter_title", S, "Audiobook chapter title."),
        _c("platform", S, "The device platform as the export says it."),
        _c("conn_country", S, "Country code of the connection."),
        _c("reason_start", S, "Why the stream started (trackdone, clickrow, fwdbtn …)."),
        _c("reason_end", S, "Why the stream ended (trackdone, endplay, fwdbtn …)."),
        _c("shuffle", B, "Shuffle was on."),
        _c("skipped", B, "The user skipped to the next item."),
        _c("offline", B, "Played offline."),
        _c(
            "offline_at",
            TIMESTAMP,
            "When the offline play happened (offline_timestamp, in "
            "seconds or milliseconds); NULL when 0 or absent.",
        ),
        _c("incognito_mode", B, "Played in a private session."),
        _c("source", S, "extended (extended streaming history) or account (account data)."),
        _c("source_file", S, "The export file's name inside the zip (no folders)."),
        _c("played_date", S, "The UTC day the stream ended (YYYY-MM-DD); partitions are months."),
    ),
    partition=partition_key("streams"),
)

QUARANTINE = Table(
    "quarantine",
    "Entries and files that could not become curated rows, with the reason and raw payload.",
    (
        _c("source_file", S, "Raw-zone file the entry or file came from."),
        _c("playlist_id", S, "Playlist ID from the raw path; NULL for a library file."),
        _c(
            "position",
            I64,
            "Entry position (top items: index in the file); NULL when a whole file is quarantined.",
        ),
        _c(
            "reason",
            S,
            f"Why it was set aside: {', '.join(tables.QUARANTINE_REASONS)} (malformed input only).",
        ),
        _c("detail", S, "Human-readable detail (parser error, local URI …)."),
        _c("payload", S, "The raw JSON of the entry, or the file's text."),
    ),
)

IMPORT_QUARANTINE = Table(
    "import_quarantine",
    "Export files and records that could not become `streams` rows, with the reason; personal "
    "fields are left out of the payload (the raw file keeps them).",
    (
        _c("source_file", S, "The export file's path inside the zip."),
        _c("file_sha256", S, "The file's sha256 (where it lies in the raw zone)."),
        _c("record", I64, "The record's index in the file; NULL when the whole file is bad."),
        _c("reason", S, f"Why: {', '.join(tables.IMPORT_QUARANTINE_REASONS)}."),
        _c("detail", S, "Human-readable detail (parser error, the bad value)."),
        _c("payload", S, "The record's JSON without personal fields; NULL for a whole file."),
    ),
    partition=partition_key("import_quarantine"),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        PLAYLISTS, PLAYLIST_ITEMS, TRACKS, ALBUMS, ARTISTS, TRACK_ARTISTS, SAVED_TRACKS,
        SAVED_ALBUMS, TOP_ITEMS, PLAYS, STREAMS, QUARANTINE, IMPORT_QUARANTINE,
    )
}  # fmt: skip
if tuple(TABLES) != tables.TABLES or any(
    t.partition != partition_key(t.name) for t in TABLES.values()
):  # pragma: no cover - a contract edited in one place only
    raise RuntimeError(
        "schemas.TABLES must describe exactly the tables of spotify_transform.tables"
    )

# polars type → Athena/Glue type. Parquet carries the polars types; the Glue crawler infers the
# same Athena types from them, and the local catalog's empty views use the DuckDB names.
_ATHENA_TYPES: dict[Any, str] = {
    pl.String: "string",
    pl.Int64: "bigint",
    pl.Boolean: "boolean",
    pl.Date: "date",
    pl.Datetime: "timestamp",
}
_DUCKDB_TYPES: dict[Any, str] = {
    pl.String: "VARCHAR",
    pl.Int64: "BIGINT",
    pl.Boolean: "BOOLEAN",
    pl.Date: "DATE",
    pl.Datetime: "TIMESTAMP WITH TIME ZONE",
}


def athena_type(dtype: PolarsDataType) -> str:
    """The Athena (Glue catalog) type of a polars type."""
    if isinstance(dtype, pl.List):
        return f"array<{athena_type(dtype.inner)}>"
    return _ATHENA_TYPES[dtype.base_type()]


def duckdb_type(dtype: PolarsDataType) -> str:
    """The DuckDB type of a polars type."""
    if isinstance(dtype, pl.List):
        return f"{duckdb_type(dtype.inner)}[]"
    return _DUCKDB_TYPES[dtype.base_type()]


def data_dictionary() -> str:
    """Markdown data dictionary of every curated table, generated from the contracts."""
    lines: list[str] = []
    for table in TABLES.values():
        lines += [
            f"### `{table.name}`",
            "",
            f"{table.description} Partitioned by `{table.partition}`.",
            "",
            "| column | type | key | description |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| `{c.name}` | {athena_type(c.dtype)} | {'yes' if c.key else ''} | {c.description} |"
            for c in table.columns
        ]
        lines.append("")
    return "\n".join(lines)
