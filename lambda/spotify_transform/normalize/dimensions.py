"""The dimension tables (tracks, albums, artists, credits) and the order-free merge of batch
results into one file per table (pure polars).

A track, album or artist seen more than once on a date gets each attribute by one rule that
depends on no input order, so the files are byte-identical for any shard count or batch size.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import polars as pl

from spotify_transform.normalize.model import Normalized
from spotify_transform.normalize.parsing import nonempty, release_date
from spotify_transform.schemas import TABLES
from spotify_transform.tables import DIMENSION_TABLES, PLAYLIST_TABLES, QUARANTINE_TABLE


def dimension_rows(tracks: pl.DataFrame) -> dict[str, pl.DataFrame]:
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
    # A track repeated in the batch repeats its credits; `combine` keeps each pair's first.
    track_artists_df = credits.select(
        "track_id",
        pl.col("artists").struct.field("id").alias("artist_id"),
        "artist_position",
    ).filter(nonempty(pl.col("artist_id")).is_not_null())
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


def _merge_dimension(frame: pl.DataFrame, key: Sequence[str]) -> pl.DataFrame:
    """One row per key; each attribute independently takes the largest value seen on the date.

    The same track (album, artist) arrives in several responses of a date: in the 2026 shape
    (no popularity, no markets: NULL) and the legacy one, or in a playlist whose pages were
    copied from an earlier date (older figures). The rule must not depend on where a copy sits
    in the input, or the files would change with the shard count and the batch size: a NULL
    never beats a value, and among values the largest wins (for a list, the longest, then the
    largest joined text). Counts such as popularity, followers and markets are the ones a
    restricted or older copy understates, so the largest is also the most informative.
    """
    aggs = []
    for name, dtype in frame.schema.items():
        if name in key:
            continue
        col = pl.col(name)
        if isinstance(dtype, pl.List):
            order = [col.list.len(), col.list.join("\x1f")]
            aggs.append(col.sort_by(order, descending=True, nulls_last=True).first().alias(name))
        else:
            aggs.append(col.max().alias(name))
    return frame.group_by(list(key)).agg(aggs)


def _sorted_first_per_key(frame: pl.DataFrame, key: Sequence[str]) -> pl.DataFrame:
    """Sorted by key, one row per key (its first in input order): a stable sort, then each
    run of equal keys keeps its head. Cheaper than hashing when keys seldom repeat."""
    ordered = frame.sort(list(key), maintain_order=True, nulls_last=True)
    new_key = pl.int_range(pl.len()) == 0
    for k in key:
        new_key = new_key | pl.col(k).ne_missing(pl.col(k).shift(1))
    return ordered.filter(new_key)


def combine(parts: Sequence[Normalized]) -> Normalized:
    """Merge batch results into final tables: unique keys, stable order, exact schemas."""
    out: dict[str, pl.DataFrame] = {}
    for name in (*PLAYLIST_TABLES, QUARANTINE_TABLE):
        table = TABLES[name]
        frames = [p.tables[name] for p in parts if name in p.tables]
        frame = pl.concat(frames) if frames else table.empty()
        sort_by = list(table.key) or ["source_file", "position", "reason"]
        if name in DIMENSION_TABLES:
            # (track_artists: a credit seen twice keeps its largest position, by the same rule)
            frame = _merge_dimension(frame, table.key).sort(sort_by, nulls_last=True)
        elif name in ("playlists", "playlist_items"):
            # A playlist lives in one batch and one shard, so these keys seldom repeat
            # across parts: a sort and a look at the previous row beat hashing them.
            frame = _sorted_first_per_key(frame, table.key)
        elif table.key:
            frame = frame.unique(sort_by, keep="first", maintain_order=True)
            frame = frame.sort(sort_by, nulls_last=True)
        else:
            frame = frame.sort(sort_by, nulls_last=True)
        out[name] = frame.cast(table.schema).select(table.schema.names())
    return Normalized(
        tables=out,
        entries=sum(p.entries for p in parts),
        item_types=_add_counts(p.item_types for p in parts),
        shapes=_add_counts(p.shapes for p in parts),
    )


def _add_counts(counts: Iterable[dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for c in counts:
        for k, v in c.items():
            total[k] = total.get(k, 0) + v
    return dict(sorted(total.items()))
