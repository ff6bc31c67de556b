"""The library's responses → `saved_tracks`, `saved_albums`, `top_items`, their dimension rows
and quarantine (pure polars, no I/O).

Callers hand in the bytes of a date's complete library datasets (`LibraryFiles`). Rules:

- A saved entry's position is its file's offset + index (newest first; a position an earlier file
  holds is not read again: a page carried over from an earlier date); its object is under
  `track` (`/me/tracks`) or `album` (`/me/albums`) in both API shapes.
- Every item is a row or a quarantine row, never dropped. A saved entry whose object has no id
  has no row (the key may not be NULL) and is quarantined `missing_id` with its position; an
  object listed again further down (the first listing is the row) is quarantined
  `duplicate_id`. A top item without an id keeps its rank's row (`item_id` NULL, so the ranks
  stay whole) and is quarantined `missing_id`. A file that is not JSON or not the endpoint's
  shape is quarantined whole (`bad_json`, `bad_shape`).
- Saved and top tracks give `tracks`, `albums`, `artists` and `track_artists` rows
  (`dimension_rows`); saved albums give `albums` and their artists; top artists give `artists`.
  `combine` merges them with the playlists' rows (one whole copy per key).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import polars as pl

from spotify_transform.normalize import api_shapes
from spotify_transform.normalize.dimensions import album_rows, artist_rows, dimension_rows
from spotify_transform.normalize.entries import per_file, quarantine_files
from spotify_transform.normalize.model import LibraryFiles, Normalized
from spotify_transform.normalize.parsing import (
    FileError,
    RawFile,
    nonempty,
    parse_many,
    parse_timestamp,
)
from spotify_transform.schemas import QUARANTINE, TABLES

BadFiles = list[tuple[RawFile, FileError]]
# What a quarantined entry's detail says, by dataset and reason.
_DETAILS = {
    ("saved_tracks", "missing_id"): "saved track without id",
    ("saved_tracks", "duplicate_id"): "track listed again further down the saved tracks",
    ("saved_albums", "missing_id"): "saved album without id",
    ("saved_albums", "duplicate_id"): "album listed again further down the saved albums",
    ("top_items", "missing_id"): "top item without id",
}


def _items(
    files: Sequence[RawFile], schema: pl.Schema, bad: BadFiles
) -> tuple[pl.DataFrame, dict[str, RawFile]]:
    """Parse files of one kind; one row per item: source_file, idx (in its file), item
    columns. Unusable files (not JSON, not the shape, no `items` list) go to `bad`."""
    parsed, failed = parse_many(files, schema)
    bad += failed
    by_path = {f.path: f for f in files}
    for path in parsed.filter(pl.col("items").is_null())["source_file"]:
        bad.append((by_path[path], FileError("bad_shape", "response without an `items` list")))
    items = (
        parsed.filter(pl.col("items").is_not_null())
        .with_columns(idx=pl.int_ranges(pl.col("items").list.len()))
        .explode(["items", "idx"])
        .filter(pl.col("idx").is_not_null())
    )
    return items, by_path


def _quarantined(entries: pl.DataFrame, dataset: str, by_path: dict[str, RawFile]) -> pl.DataFrame:
    """Quarantine rows of entries with a `reason`: the raw entry cut out of its file."""
    bad = entries.filter(pl.col("reason").is_not_null())
    docs: dict[str, Any] = {}
    payloads = []
    for path, idx in bad.select("source_file", "idx").iter_rows():
        if path not in docs:
            docs[path] = json.loads(by_path[path].data)
        entry = docs[path]["items"][idx]
        payloads.append(json.dumps(entry, ensure_ascii=False, separators=(",", ":")))
    details = {reason: text for (name, reason), text in _DETAILS.items() if name == dataset}
    return bad.select(
        "source_file",
        pl.lit(None, pl.String).alias("playlist_id"),
        pl.col("position").cast(pl.Int64),
        "reason",
        pl.col("reason")
        .replace_strict(details, default=None, return_dtype=pl.String)
        .alias("detail"),
        pl.Series("payload", payloads, pl.String),
    )


def _saved(
    pages: Sequence[tuple[int, RawFile]],
    dataset: str,
    key: str,
    schema: pl.Schema,
    bad: BadFiles,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """A saved dataset's entries: (rows with `id`, `added_at`, `position` and the object
    `obj`, quarantine rows, all entries seen: one per position).

    Files are read in the order given, each entry at its file's offset + index; a position an
    earlier file filled is not read again (a page carried over from an earlier date overlaps
    the fresh first page: `LibraryRecord.offsets`)."""
    offsets = {f.path: offset for offset, f in pages}
    order = {f.path: n for n, (_, f) in enumerate(pages)}
    items, by_path = _items([f for _, f in pages], schema, bad)
    obj = pl.col("items").struct.field(key)
    entries = (
        items.select(
            "source_file",
            "idx",
            (per_file(items, offsets, pl.Int64) + pl.col("idx")).alias("position"),
            per_file(items, order, pl.Int64).alias("file"),
            pl.col("items").struct.field("added_at").alias("added_at"),
            nonempty(obj.struct.field("id")).alias("id"),
            obj.alias("obj"),
        )
        .sort("position", "file")
        .filter(pl.col("position").is_first_distinct())
        .with_columns(
            reason=pl.when(pl.col("id").is_null())
            .then(pl.lit("missing_id"))
            .when(~pl.col("id").is_first_distinct())
            .then(pl.lit("duplicate_id"))
        )
    )
    return (
        entries.filter(pl.col("reason").is_null()),
        _quarantined(entries, dataset, by_path),
        entries,
    )


def _saved_rows(rows: pl.DataFrame, id_column: str) -> pl.DataFrame:
    return rows.select(
        pl.col("id").alias(id_column),
        parse_timestamp(pl.col("added_at")).alias("added_at"),
        pl.col("added_at").alias("added_at_raw"),
        "position",
    )


def _top(
    files: Sequence[tuple[str, str, RawFile]], kind: str, schema: pl.Schema, bad: BadFiles
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """One kind's top lists: (`top_items` rows, quarantine rows, the objects with an id)."""
    mine = sorted(((r, f) for k, r, f in files if k == kind), key=lambda p: (p[0], p[1].path))
    ranges = {f.path: r for r, f in mine}
    items, by_path = _items([f for _, f in mine], schema, bad)
    entries = items.select(
        "source_file",
        "idx",
        pl.col("idx").cast(pl.Int64).alias("position"),
        per_file(items, ranges, pl.String).alias("time_range"),
        nonempty(pl.col("items").struct.field("id")).alias("item_id"),
        pl.col("items").alias("obj"),
    ).with_columns(reason=pl.when(pl.col("item_id").is_null()).then(pl.lit("missing_id")))
    rows = entries.select(
        pl.lit(kind).alias("kind"),
        "time_range",
        (pl.col("position") + 1).alias("rank"),
        "item_id",
        pl.col("obj").struct.field("name").alias("name"),
    )
    return (
        rows,
        _quarantined(entries, "top_items", by_path),
        entries.filter(pl.col("item_id").is_not_null()).select("obj"),
    )


def normalize_library(files: LibraryFiles) -> Normalized:
    """Normalise a snapshot date's library files.

    Returns:
        `saved_tracks`, `saved_albums` and `top_items` rows, the dimension rows of their
        tracks, albums and artists (not yet deduplicated; see `combine`), quarantine rows, and
        the items seen per dataset (`library`).
    """
    bad: BadFiles = [(f, FileError("bad_shape", "not a library file name")) for f in files.unnamed]
    tracks, tracks_q, tracks_seen = _saved(
        files.saved_tracks, "saved_tracks", "track", api_shapes.SAVED_TRACKS_PAGE_SCHEMA, bad
    )
    albums, albums_q, albums_seen = _saved(
        files.saved_albums, "saved_albums", "album", api_shapes.SAVED_ALBUMS_PAGE_SCHEMA, bad
    )
    top_tracks, top_tracks_q, top_track_objs = _top(
        files.top_items, "tracks", api_shapes.TOP_TRACKS_SCHEMA, bad
    )
    top_artists, top_artists_q, top_artist_objs = _top(
        files.top_items, "artists", api_shapes.TOP_ARTISTS_SCHEMA, bad
    )
    dims = dimension_rows(pl.concat([tracks.select("obj"), top_track_objs]))
    saved_album_objs = albums.select(pl.col("obj")).unnest("obj")
    album_artists = saved_album_objs.select(pl.col("artists").alias("a")).explode("a").unnest("a")
    tables = {
        "saved_tracks": _saved_rows(tracks, "track_id"),
        "saved_albums": _saved_rows(albums, "album_id"),
        "top_items": pl.concat([top_tracks, top_artists]),
        "tracks": dims["tracks"],
        "albums": pl.concat([dims["albums"], album_rows(saved_album_objs)]),
        "artists": pl.concat(
            [
                dims["artists"],
                artist_rows(album_artists),
                artist_rows(top_artist_objs.unnest("obj")),
            ]
        ),
        "track_artists": dims["track_artists"],
        "quarantine": pl.concat(
            [
                tracks_q,
                albums_q,
                top_tracks_q,
                top_artists_q,
                quarantine_files((None, f, e) for f, e in bad),
            ]
        ).cast(QUARANTINE.schema),
    }
    return Normalized(
        tables={name: frame.select(TABLES[name].schema.names()) for name, frame in tables.items()},
        library={
            "saved_tracks": tracks_seen.height,
            "saved_albums": albums_seen.height,
            "top_items": top_tracks.height + top_artists.height,
        },
    )
