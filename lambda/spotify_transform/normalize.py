"""Pure polars normalisation: Spotify response bodies → curated tables (+ quarantine).

No I/O here: callers hand in the bytes of raw-zone files and get frames back. Response bodies go
straight into polars' JSON reader with explicit schemas (`api_shapes`), so no per-row Python runs
except for the rare quarantined entry, whose raw JSON is cut out of its file as evidence.

Rules (DESIGN §4): an entry's `item` is read, else its `track`, never both; position = page offset
+ index; the embedded first page of `playlist.json` and the `/items` pages count an entry once;
null items and local files are quarantined with a reason; episodes are not tracks; fields the 2026
Development Mode removed are NULL when absent while real zeros stay; dimensions are unique per
partition; `release_date` honours its precision; a missing contents key means "not visible".
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import orjson
import polars as pl

from spotify_transform import api_shapes
from spotify_transform.schemas import QUARANTINE, TABLES

EPOCH_PLACEHOLDER = "1970-01-01T00:00:00Z"
PLAYLIST_TABLES = ("playlists", "playlist_items", "tracks", "albums", "artists", "track_artists")


@dataclass(frozen=True)
class RawFile:
    """One raw-zone response file: its path relative to the raw root, and its bytes."""

    path: str
    data: bytes


@dataclass(frozen=True)
class PlaylistFiles:
    """The response files of one playlist in one snapshot-date partition.

    Attributes:
        playlist_id: ID from the `playlist_id=` folder.
        playlist: `playlist.json` (GET /playlists/{id}), or None if absent.
        pages: `items-<offset>.json` pages as (offset, file), any order.
    """

    playlist_id: str
    playlist: RawFile | None
    pages: tuple[tuple[int, RawFile], ...] = ()


@dataclass
class Normalized:
    """Curated frames plus counters, for one or more playlists."""

    tables: dict[str, pl.DataFrame]
    entries: int = 0
    dropped_episodes: int = 0
    shapes: dict[str, int] = field(default_factory=dict)


class _FileError(Exception):
    """A response file that cannot be used as a whole (bad JSON or unexpected shape)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


def _read_json(data: bytes, schema: pl.Schema) -> pl.DataFrame:
    return pl.read_json(io.BytesIO(data), schema=schema)


def _diagnose(data: bytes, error: Exception) -> _FileError:
    """Tell a file that is not JSON from one that is JSON of an unexpected shape."""
    try:
        orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        return _FileError("bad_json", f"not valid JSON: {exc}")
    return _FileError("bad_shape", f"unexpected shape: {str(error).splitlines()[0]}")


def parse_many(
    files: Sequence[RawFile], schema: pl.Schema
) -> tuple[pl.DataFrame, list[tuple[RawFile, _FileError]]]:
    """Parse many response files of one kind into one frame (one row per file).

    All files are parsed in a single call as one JSON array; only if that fails is each file
    parsed on its own to find the bad ones, so the common case costs one pass of the parser.

    Returns:
        The parsed rows with a leading `source_file` column, and the files that failed.
    """
    if not files:
        return schema.to_frame(eager=True).insert_column(
            0, pl.Series("source_file", [], pl.String)
        ), []
    try:
        buffer = b"[" + b",".join(f.data for f in files) + b"]"
        frame = _read_json(buffer, schema)
        if frame.height != len(files):  # a file held several values: find it the slow way
            raise pl.exceptions.ComputeError("file count mismatch")
        good = list(files)
        bad: list[tuple[RawFile, _FileError]] = []
    except (pl.exceptions.PolarsError, ValueError):
        frames, good, bad = [], [], []
        for f in files:
            try:
                one = _read_json(f.data, schema)
                if one.height != 1:
                    raise pl.exceptions.ComputeError("expected one JSON object")
            except (pl.exceptions.PolarsError, ValueError) as exc:
                bad.append((f, _diagnose(f.data, exc)))
                continue
            frames.append(one)
            good.append(f)
        frame = pl.concat(frames) if frames else schema.to_frame(eager=True)
    return frame.insert_column(0, pl.Series("source_file", [f.path for f in good], pl.String)), bad


# --------------------------------------------------------------------------------------------
# Column expressions
# --------------------------------------------------------------------------------------------


def parse_timestamp(col: pl.Expr) -> pl.Expr:
    """ISO-8601 UTC text → timestamp; the 1970 placeholder and garbage → NULL."""
    return (
        pl.when(col != EPOCH_PLACEHOLDER)
        .then(col.str.to_datetime("%Y-%m-%dT%H:%M:%S%.fZ", strict=False, time_unit="ms"))
        .dt.replace_time_zone("UTC")
    )


def release_date(raw: pl.Expr, precision: pl.Expr) -> pl.Expr:
    """Album release date by precision: year → YYYY-01-01, month → YYYY-MM-01, else NULL."""
    length = raw.str.len_chars()
    full = (
        pl.when((precision == "year") | (precision.is_null() & (length == 4)))
        .then(raw + "-01-01")
        .when((precision == "month") | (precision.is_null() & (length == 7)))
        .then(raw + "-01")
        .when((precision == "day") | (precision.is_null() & (length == 10)))
        .then(raw)
    )
    parsed = full.str.to_date("%Y-%m-%d", strict=False)
    # Spotify uses "0000" for unknown years; chrono happily parses it, so drop it here.
    return pl.when(parsed.dt.year() > 0).then(parsed)


def nonempty(col: pl.Expr) -> pl.Expr:
    """Empty strings → NULL (e.g. `added_by.id == ""` on algorithmic playlists)."""
    return pl.when(col != "").then(col)


# --------------------------------------------------------------------------------------------
# Entries
# --------------------------------------------------------------------------------------------


def _entries(pages: pl.DataFrame) -> pl.DataFrame:
    """One row per playlist entry: playlist_id, source_file, position, entry fields, obj."""
    entries = (
        pages.with_columns(idx=pl.int_ranges(pl.col("items").list.len()))
        .explode(["items", "idx"])
        .filter(pl.col("idx").is_not_null())
        .unnest("items")
    )
    item, track = pl.col("item"), pl.col("track")
    obj = pl.when(item.is_not_null()).then(item).otherwise(track)
    return entries.select(
        "playlist_id",
        "source_file",
        "priority",
        "idx",
        (pl.col("page_offset") + pl.col("idx")).alias("position"),
        "added_at",
        pl.col("added_by").struct.field("id").alias("added_by_id"),
        pl.col("is_local").alias("entry_is_local"),
        obj.alias("obj"),
    )


def _classify(entries: pl.DataFrame) -> pl.DataFrame:
    """Add `reason` (quarantine reason) and `episode` (dropped, not a track) to entries."""
    obj = pl.col("obj")
    is_local = pl.col("entry_is_local").fill_null(False) | obj.struct.field("is_local").fill_null(
        False
    )
    is_episode = (obj.struct.field("type") == "episode") | obj.struct.field("episode").fill_null(
        False
    )
    track_id = obj.struct.field("id")
    reason = (
        pl.when(obj.is_null())
        .then(pl.lit("null_item"))
        .when(is_local)
        .then(pl.lit("local_file"))
        .when(is_episode.fill_null(False))
        .then(pl.lit(None, pl.String))
        .when(track_id.is_null() | (track_id == ""))
        .then(pl.lit("missing_id"))
    )
    return entries.with_columns(
        reason=reason,
        episode=obj.is_not_null() & ~is_local & is_episode.fill_null(False),
    )


def _raw_entry(data: bytes, embedded: bool, idx: int) -> str:
    """Cut entry `idx` out of a response body as JSON text (the quarantine evidence)."""
    doc = orjson.loads(data)
    page = (doc.get("items") or doc.get("tracks")) if embedded else doc
    return orjson.dumps(page["items"][idx]).decode()


def _quarantine_entries(bad: pl.DataFrame, by_path: dict[str, RawFile]) -> pl.DataFrame:
    payloads = [
        _raw_entry(by_path[path].data, prio == 1, idx)
        for path, prio, idx in bad.select("source_file", "priority", "idx").iter_rows()
    ]
    detail = (
        pl.when(pl.col("reason") == "local_file")
        .then(pl.col("obj").struct.field("uri"))
        .when(pl.col("reason") == "null_item")
        .then(pl.lit("entry has neither item nor track"))
        .when(pl.col("reason") == "missing_id")
        .then(pl.lit("track object without id"))
    )
    return bad.select(
        "source_file", "playlist_id", "position", "reason", detail.alias("detail")
    ).with_columns(pl.Series("payload", payloads, pl.String))


def _quarantine_files(bad: Iterable[tuple[str, RawFile, _FileError]]) -> pl.DataFrame:
    rows = [
        {
            "source_file": f.path,
            "playlist_id": pid,
            "position": None,
            "reason": err.reason,
            "detail": err.detail,
            "payload": f.data.decode("utf-8", errors="replace"),
        }
        for pid, f, err in bad
    ]
    return pl.DataFrame(rows, schema=QUARANTINE.schema)


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------


def _playlists(meta: pl.DataFrame) -> pl.DataFrame:
    contents = pl.coalesce(pl.col("items"), pl.col("tracks"))
    return meta.select(
        pl.col("playlist_id"),
        "name",
        "description",
        pl.col("owner").struct.field("id").alias("owner_id"),
        pl.col("owner").struct.field("display_name").alias("owner_name"),
        "public",
        "collaborative",
        pl.col("followers").struct.field("total").alias("followers"),
        "snapshot_id",
        contents.struct.field("total").alias("item_count"),
        contents.is_not_null().alias("items_accessible"),
    )


def _dimensions(tracks: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """tracks, albums, artists and track_artists from the track objects (column `obj`)."""
    t = tracks.select(pl.col("obj")).unnest("obj")
    tracks_df = t.select(
        pl.col("id").alias("track_id"),
        "name",
        pl.col("album").struct.field("id").alias("album_id"),
        "duration_ms",
        "explicit",
        "popularity",
        "track_number",
        "disc_number",
        pl.col("external_ids").struct.field("isrc").alias("isrc"),
        pl.col("available_markets").list.len().alias("available_markets_count"),
        "is_playable",
        "uri",
    )
    album = t.select(pl.col("album")).unnest("album").filter(pl.col("id").is_not_null())
    albums_df = album.select(
        pl.col("id").alias("album_id"),
        "name",
        "album_type",
        release_date(pl.col("release_date"), pl.col("release_date_precision")).alias(
            "release_date"
        ),
        pl.col("release_date").alias("release_date_raw"),
        "release_date_precision",
        "total_tracks",
        "label",
        "popularity",
        "uri",
    )
    credits = (
        t.select(
            pl.col("id").alias("track_id"),
            pl.col("artists"),
            pl.int_ranges(pl.col("artists").list.len()).alias("artist_position"),
        )
        .explode(["artists", "artist_position"])
        .filter(pl.col("artist_position").is_not_null())
    )
    track_artists_df = (
        credits.select(
            "track_id",
            pl.col("artists").struct.field("id").alias("artist_id"),
            "artist_position",
        )
        .filter(nonempty(pl.col("artist_id")).is_not_null())
        .unique(["track_id", "artist_id"], keep="first", maintain_order=True)
    )
    artist_objs = pl.concat(
        [
            credits.select(pl.col("artists").alias("a")),
            album.select(pl.col("artists").alias("a")).explode("a"),
        ]
    ).unnest("a")
    artists_df = artist_objs.filter(nonempty(pl.col("id")).is_not_null()).select(
        pl.col("id").alias("artist_id"),
        "name",
        "uri",
        "genres",
        pl.col("followers").struct.field("total").alias("followers"),
        "popularity",
    )
    return {
        "tracks": tracks_df,
        "albums": albums_df,
        "artists": artists_df,
        "track_artists": track_artists_df,
    }


def normalize_playlists(playlists: Sequence[PlaylistFiles]) -> Normalized:
    """Normalise a batch of playlists of one snapshot date.

    Args:
        playlists: The playlists' response files.

    Returns:
        Per-table frames (not yet deduplicated across batches; see `combine`), quarantine rows,
        and counters: entries seen, episodes dropped, API shapes seen.
    """
    by_path: dict[str, RawFile] = {}
    owner: dict[str, str] = {}
    meta_files: list[RawFile] = []
    page_files: list[RawFile] = []
    page_offsets: dict[str, int] = {}
    for pl_files in playlists:
        if pl_files.playlist is not None:
            meta_files.append(pl_files.playlist)
            owner[pl_files.playlist.path] = pl_files.playlist_id
        for offset, f in pl_files.pages:
            page_files.append(f)
            owner[f.path] = pl_files.playlist_id
            page_offsets[f.path] = offset
    by_path.update({f.path: f for f in [*meta_files, *page_files]})
    # Where each file belongs: its playlist (from the folder) and, for pages, the offset.
    origin = pl.DataFrame(
        {
            "source_file": list(owner),
            "playlist_id": list(owner.values()),
            "page_offset": [page_offsets.get(p, 0) for p in owner],
        },
        schema={"source_file": pl.String, "playlist_id": pl.String, "page_offset": pl.Int64},
    )

    meta, bad_meta = parse_many(meta_files, api_shapes.PLAYLIST_SCHEMA)
    pages, bad_pages = parse_many(page_files, api_shapes.ITEMS_PAGE_SCHEMA)
    meta = meta.join(origin.drop("page_offset"), on="source_file", how="left")
    pages = pages.join(origin, on="source_file", how="left")
    bad_files = [(owner[f.path], f, e) for f, e in [*bad_meta, *bad_pages]]
    no_items = pages.filter(pl.col("items").is_null())
    bad_files += [
        (owner[p], by_path[p], _FileError("bad_shape", "page without an `items` list"))
        for p in no_items["source_file"]
    ]
    pages = pages.filter(pl.col("items").is_not_null())

    shapes = {
        "2026": meta.filter(pl.col("items").is_not_null()).height,
        "legacy": meta.filter(pl.col("items").is_null() & pl.col("tracks").is_not_null()).height,
    }

    # Pages whose playlist is known to hide its contents are ignored (nothing to read there).
    hidden = set(meta.filter(pl.col("items").is_null() & pl.col("tracks").is_null())["playlist_id"])
    embedded = meta.filter(~pl.col("playlist_id").is_in(list(hidden))).select(
        "playlist_id",
        "source_file",
        pl.lit(1).alias("priority"),
        pl.lit(0, pl.Int64).alias("page_offset"),
        pl.coalesce(pl.col("items"), pl.col("tracks")).struct.field("items").alias("items"),
    )
    paged = pages.select(
        "playlist_id",
        "source_file",
        pl.lit(0).alias("priority"),
        "page_offset",
        "items",
    ).filter(~pl.col("playlist_id").is_in(list(hidden)))
    # /items pages win over the embedded first page: an entry seen in both counts once.
    entries = (
        _classify(_entries(pl.concat([paged, embedded])))
        .sort("playlist_id", "position", "priority")
        .unique(["playlist_id", "position"], keep="first", maintain_order=True)
    )

    snapshots = meta.select("playlist_id", "snapshot_id")
    good = entries.filter(pl.col("reason").is_null() & ~pl.col("episode"))
    items = good.join(snapshots, on="playlist_id", how="left").select(
        "playlist_id",
        "position",
        pl.col("obj").struct.field("id").alias("track_id"),
        parse_timestamp(pl.col("added_at")).alias("added_at"),
        pl.col("added_at").alias("added_at_raw"),
        nonempty(pl.col("added_by_id")).alias("added_by_id"),
        "snapshot_id",
    )
    quarantine = pl.concat(
        [
            _quarantine_entries(entries.filter(pl.col("reason").is_not_null()), by_path),
            _quarantine_files(bad_files),
        ]
    )
    tables = {
        "playlists": _playlists(meta),
        "playlist_items": items,
        **_dimensions(good),
        "quarantine": quarantine,
    }
    return Normalized(
        tables={name: frame.select(TABLES[name].schema.names()) for name, frame in tables.items()},
        entries=entries.height,
        dropped_episodes=int(entries["episode"].sum()),
        shapes=shapes,
    )


def _merge_dimension(frame: pl.DataFrame, key: Sequence[str]) -> pl.DataFrame:
    """One row per key: each column takes its first non-NULL value in input order.

    The same track can arrive in the 2026 shape (no popularity) and the legacy shape (with it);
    merging keeps every fact either shape supplied, and input order makes the choice stable.
    """
    others = [c for c in frame.columns if c not in key]
    return frame.group_by(list(key), maintain_order=True).agg(
        [pl.col(c).drop_nulls().first() for c in others]
    )


def combine(parts: Sequence[Normalized]) -> Normalized:
    """Merge batch results into final tables: unique keys, stable order, exact schemas."""
    out: dict[str, pl.DataFrame] = {}
    for name in (*PLAYLIST_TABLES, "quarantine"):
        table = TABLES[name]
        frames = [p.tables[name] for p in parts if name in p.tables]
        frame = pl.concat(frames) if frames else table.empty()
        if name in ("tracks", "albums", "artists"):
            frame = _merge_dimension(frame, table.key)
        elif table.key:
            frame = frame.unique(list(table.key), keep="first", maintain_order=True)
        sort_by = list(table.key) or ["source_file", "position", "reason"]
        out[name] = (
            frame.sort(sort_by, nulls_last=True).cast(table.schema).select(table.schema.names())
        )
    shapes: dict[str, int] = {}
    for p in parts:
        for k, v in p.shapes.items():
            shapes[k] = shapes.get(k, 0) + v
    return Normalized(
        tables=out,
        entries=sum(p.entries for p in parts),
        dropped_episodes=sum(p.dropped_episodes for p in parts),
        shapes=shapes,
    )
