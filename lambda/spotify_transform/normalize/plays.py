"""Recently-played responses → the `plays` table (pure polars, no I/O)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from spotify_transform.normalize import api_shapes
from spotify_transform.normalize.parsing import RawFile, parse_many, parse_timestamp


@dataclass
class NormalizedPlays:
    """Plays of some recently-played responses, and what could not become a play."""

    plays: pl.DataFrame  # the `plays` columns plus `played_date`
    skipped: pl.DataFrame  # played_date, reason, count
    bad_files: list[tuple[str, str]]  # (path, reason: detail)


def normalize_plays(files: Sequence[RawFile]) -> NormalizedPlays:
    """Recently-played responses → one row per play, unique on `played_at`.

    Overlapping fetches repeat plays; a play is identified by its timestamp (one account plays
    one thing at a time), so duplicates collapse. Plays without a track object or ID, local
    files and episodes are counted in `skipped`; unreadable files are listed in `bad_files`.
    """
    from spotify_transform.schemas import PLAYS

    pages, bad = parse_many(files, api_shapes.RECENTLY_PLAYED_SCHEMA)
    rows = (
        pages.select("source_file", pl.col("items").fill_null([]))
        .explode("items")
        .filter(pl.col("items").is_not_null())
        .unnest("items")
    )
    track = pl.col("track")
    kind = (
        pl.when(track.is_null() | track.struct.field("id").is_null())
        .then(pl.lit("null_item"))
        .when(track.struct.field("is_local").fill_null(False))
        .then(pl.lit("local_file"))
        .when(track.struct.field("type").fill_null("track") != "track")
        .then(pl.lit("episode"))
        .when(parse_timestamp(pl.col("played_at")).is_null())
        .then(pl.lit("bad_played_at"))
    )
    rows = rows.with_columns(
        kind.alias("skip"), pl.col("played_at").str.slice(0, 10).alias("played_date")
    )
    skipped = (
        rows.filter(pl.col("skip").is_not_null())
        .unique(["played_at", "skip"])  # a play seen by two fetches is skipped once
        .group_by("played_date", "skip")
        .len()
        .rename({"skip": "reason", "len": "count"})
    )
    plays = (
        rows.filter(pl.col("skip").is_null())
        .select(
            parse_timestamp(pl.col("played_at")).alias("played_at"),
            track.struct.field("id").alias("track_id"),
            # What the response says of the track, so no listening view needs a playlist to
            # name it.
            track.struct.field("name").alias("track_name"),
            track.struct.field("album").struct.field("id").alias("album_id"),
            track.struct.field("album").struct.field("name").alias("album_name"),
            track.struct.field("artists")
            .list.eval(pl.element().struct.field("id"))
            .alias("artist_ids"),
            track.struct.field("artists")
            .list.eval(pl.element().struct.field("name"))
            .alias("artist_names"),
            track.struct.field("duration_ms").alias("duration_ms"),
            track.struct.field("explicit").alias("explicit"),
            pl.col("context").struct.field("type").alias("context_type"),
            pl.col("context").struct.field("uri").alias("context_uri"),
        )
        .unique("played_at", keep="first", maintain_order=True)
        .sort("played_at")
        .cast(PLAYS.schema)
    )
    plays = plays.with_columns(pl.col("played_at").dt.date().cast(pl.String).alias("played_date"))
    return NormalizedPlays(
        plays=plays,
        skipped=skipped,
        bad_files=[(f.path, f"{e.reason}: {e.detail}") for f, e in bad],
    )
