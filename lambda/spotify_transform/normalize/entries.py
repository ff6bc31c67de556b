"""Playlist entries: one row per position, its kind, its `playlist_items` row, and the
quarantine rows of malformed input (pure polars).

Rules: an entry's `item` is read, else its `track`, never both; position = page offset + index;
every position of a readable playlist is one row whatever it holds (`item_type`: track,
episode, local, unavailable, malformed). A track object without an id is `malformed`: its
position keeps a row (with what the object says about itself, no `track_id`), so the playlist's
count still reconciles, and the entry is quarantined (`missing_id`) with its raw JSON cut out of
its file as evidence.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import polars as pl
from polars._typing import PolarsDataType

from spotify_transform.normalize.parsing import FileError, RawFile, nonempty, parse_timestamp
from spotify_transform.schemas import QUARANTINE


def per_file(frame: pl.DataFrame, values: dict[str, Any], dtype: PolarsDataType) -> pl.Series:
    """A column with one value per parsed file, looked up by its path."""
    return pl.Series([values[p] for p in frame["source_file"].to_list()], dtype=dtype)


def entries_of(pages: pl.DataFrame) -> pl.DataFrame:
    """One row per playlist entry: playlist_id, source_file, position, entry fields, obj."""
    entries = (
        pages.with_columns(idx=pl.int_ranges(pl.col("items").list.len()))
        .explode(["items", "idx"])
        .filter(pl.col("idx").is_not_null())
        .unnest("items")
    )
    # `item` (2026) else `track` (legacy): one object per entry, never both. An app sees one
    # shape for all its playlists, and pages are grouped by shape, so usually one column is
    # all NULL and the other is taken as it is; merging the two copies the whole struct.
    rows = entries.height
    if entries["track"].null_count() == rows:
        obj = pl.col("item")
    elif entries["item"].null_count() == rows:
        obj = pl.col("track")
    else:
        obj = pl.coalesce(pl.col("item"), pl.col("track"))
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


def classify(entries: pl.DataFrame) -> pl.DataFrame:
    """Add `item_type` (track, episode, local, unavailable, malformed) and `reason` (the
    quarantine reason of a malformed entry: a track object without an id) to entries."""
    obj = pl.col("obj")
    is_local = pl.col("entry_is_local").fill_null(False) | obj.struct.field("is_local").fill_null(
        False
    )
    is_episode = (obj.struct.field("type") == "episode") | obj.struct.field("episode").fill_null(
        False
    )
    item_type = (
        pl.when(obj.is_null())
        .then(pl.lit("unavailable"))
        .when(is_local)
        .then(pl.lit("local"))
        .when(is_episode.fill_null(False))
        .then(pl.lit("episode"))
        .otherwise(pl.lit("track"))
    )
    track_id = obj.struct.field("id")
    entries = entries.with_columns(item_type=item_type)
    reason = pl.when(
        (pl.col("item_type") == "track") & (track_id.is_null() | (track_id == ""))
    ).then(pl.lit("missing_id"))
    return entries.with_columns(reason=reason).with_columns(
        item_type=pl.when(pl.col("reason").is_not_null())
        .then(pl.lit("malformed"))
        .otherwise(pl.col("item_type"))
    )


def item_rows(entries: pl.DataFrame, snapshots: pl.DataFrame) -> pl.DataFrame:
    """`playlist_items` rows: one per position. Tracks name their `track_id` (their names are in
    `tracks`); episodes, local files and malformed tracks carry what the entry says in the
    `item_*` columns. Light columns are selected before any filter, and names are gathered
    from the few non-track rows only: the heavy track structs are never copied here."""
    obj = pl.col("obj")
    common: list[pl.Expr] = [
        pl.col("playlist_id"),
        pl.col("position"),
        pl.col("item_type"),
        obj.struct.field("uri").alias("item_uri"),
    ]
    tail: list[pl.Expr] = [
        parse_timestamp(pl.col("added_at")).alias("added_at"),
        pl.col("added_at").alias("added_at_raw"),
        nonempty(pl.col("added_by_id")).alias("added_by_id"),
    ]
    is_track = pl.col("item_type") == "track"
    tracks = entries.select(
        *common,
        pl.lit(None, pl.String).alias("item_name"),
        pl.lit(None, pl.List(pl.String)).alias("item_artists"),
        pl.lit(None, pl.String).alias("item_album"),
        pl.lit(None, pl.Int64).alias("item_duration_ms"),
        obj.struct.field("id").alias("track_id"),
        *tail,
    ).filter(is_track)
    others = entries.filter(~is_track)
    if others.height:
        publisher = obj.struct.field("show").struct.field("publisher")
        artists = obj.struct.field("artists").list.eval(pl.element().struct.field("name"))
        rest = others.select(
            *common,
            obj.struct.field("name").alias("item_name"),
            pl.when(publisher.is_not_null())
            .then(pl.concat_list(publisher))
            .otherwise(artists)
            .alias("item_artists"),
            pl.coalesce(
                obj.struct.field("show").struct.field("name"),
                obj.struct.field("album").struct.field("name"),
            ).alias("item_album"),
            obj.struct.field("duration_ms").alias("item_duration_ms"),
            pl.lit(None, pl.String).alias("track_id"),
            *tail,
        )
        tracks = pl.concat([tracks, rest])
    # Columns first, then the join: joining `good` itself would gather its track structs.
    return tracks.join(snapshots, on="playlist_id", how="left", maintain_order="left")


def _raw_entry(data: bytes, embedded: bool, idx: int) -> str:
    """Cut entry `idx` out of a response body as JSON text (the quarantine evidence)."""
    doc = json.loads(data)
    page = (doc.get("items") or doc.get("tracks")) if embedded else doc
    return json.dumps(page["items"][idx], ensure_ascii=False, separators=(",", ":"))


def quarantine_entries(bad: pl.DataFrame, by_path: dict[str, RawFile]) -> pl.DataFrame:
    payloads = [
        _raw_entry(by_path[path].data, prio == 1, idx)
        for path, prio, idx in bad.select("source_file", "priority", "idx").iter_rows()
    ]
    detail = pl.when(pl.col("reason") == "missing_id").then(pl.lit("track object without id"))
    return bad.select(
        "source_file", "playlist_id", "position", "reason", detail.alias("detail")
    ).with_columns(pl.Series("payload", payloads, pl.String))


def quarantine_files(bad: Iterable[tuple[str | None, RawFile, FileError]]) -> pl.DataFrame:
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
