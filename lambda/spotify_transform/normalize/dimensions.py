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
from spotify_transform.tables import DIMENSION_TABLES, LIBRARY_TABLES, SNAPSHOT_TABLES


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
    credited = _credited(t)
    # A track repeated in the batch, maybe with its artists ordered or named differently:
    # its credits come from one copy.
    one_each = _one_copy_each(t)
    track_artists_df = (
        _credited(one_each)
        .select(
            "track_id",
            pl.col("artists").struct.field("id").alias("artist_id"),
            "artist_position",
        )
        .filter(nonempty(pl.col("artist_id")).is_not_null() & pl.col("track_id").is_not_null())
    )
    artist_objs = pl.concat(
        [
            credited.select(pl.col("artists").alias("a")),  # every copy's artists
            album.select(pl.col("artists").alias("a")).explode("a"),
        ]
    ).unnest("a")
    return {
        "tracks": tracks_df,
        "albums": album_rows(album),
        "artists": artist_rows(artist_objs),
        "track_artists": track_artists_df,
    }


def _credited(tracks: pl.DataFrame) -> pl.DataFrame:
    """Each credit of the track objects: track_id, its artist object, its position."""
    return (
        tracks.select(
            pl.col("id").alias("track_id"),
            pl.col("artists"),
            pl.int_ranges(pl.col("artists").list.len()).alias("artist_position"),
        )
        .explode(["artists", "artist_position"])
        .filter(pl.col("artist_position").is_not_null())
    )


def _one_copy_each(tracks: pl.DataFrame) -> pl.DataFrame:
    """The tracks' ids and artists, one copy of each track (for its credits): a track repeated
    in the batch, maybe with its artists ordered or named differently, keeps the copy that
    names the most artists, then the largest list of their ids, then the first; its credits
    are never mixed from two copies (the order `_credits_from_one_copy` applies across
    batches)."""
    copies = tracks.select("id", "artists")
    repeated = copies["id"].is_duplicated()
    if not repeated.any():
        return copies
    ids = pl.col("artists").list.eval(nonempty(pl.element().struct.field("id")).drop_nulls())
    best = (
        copies.with_row_index("_row")
        .filter(repeated)
        .with_columns(_n=ids.list.len(), _text=ids.list.join("\x1f"))
        .sort(["_n", "_text", "_row"], descending=[True, True, False], nulls_last=True)
        .group_by("id", maintain_order=True)
        .agg(pl.col("_row").first())
    )
    return copies.filter(~repeated | pl.int_range(pl.len()).is_in(best["_row"].implode()))


def album_rows(album: pl.DataFrame) -> pl.DataFrame:
    """`albums` rows from album objects (the fields of `api_shapes.ALBUM` as columns)."""
    return album.filter(pl.col("id").is_not_null()).select(
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


def artist_rows(artist: pl.DataFrame) -> pl.DataFrame:
    """`artists` rows from artist objects (the fields of `api_shapes.SIMPLE_ARTIST` as
    columns); objects without an id are no artist."""
    return artist.filter(nonempty(pl.col("id")).is_not_null()).select(
        pl.col("id").alias("artist_id"),
        "name",
        "uri",
        "genres",
        pl.col("followers").struct.field("total").alias("followers"),
        "popularity",
    )


# Counts a restricted (2026) or older copy understates: among equally complete copies, the one
# with the larger counts is the more informative, so they are compared first.
_COUNTS = ("popularity", "followers", "available_markets_count", "total_tracks")


def _record_order(frame: pl.DataFrame, key: Sequence[str]) -> list[pl.Expr]:
    """A total order on whole records (best first): most attributes set, then the larger
    counts, then every attribute in turn (lists: the longest, then the largest joined text)."""
    rest = [n for n in frame.columns if n not in key]
    order: list[pl.Expr] = [pl.sum_horizontal(pl.col(n).is_not_null() for n in rest)]
    order += [pl.col(n) for n in _COUNTS if n in rest]
    for name in rest:
        col = pl.col(name)
        if isinstance(frame.schema[name], pl.List):
            order += [col.list.len(), col.list.join("\x1f")]
        else:
            order.append(col)
    return order


def _merge_dimension(frame: pl.DataFrame, key: Sequence[str]) -> pl.DataFrame:
    """One row per key: the best whole copy by `_record_order`.

    The same track (album, artist) arrives in several responses of a date: in the 2026 shape
    (no popularity, no markets: NULL) and the legacy one, or in a playlist whose pages were
    copied from an earlier date (older figures). One copy is kept whole, so attributes that
    belong together (an album's release date, its raw text and its precision) always come from
    the same response; the order is on the records alone, never on where a copy sits in the
    input, so the files are the same for any shard count and batch size.
    """
    # Identical copies are one; only a key with copies that differ needs the order (most
    # repeats are the same response twice: the sort of every record cost 0.35 s on 200,000).
    frame = frame.unique()
    several = frame.select(pl.len().over(list(key)) > 1).to_series()
    if not several.any():
        return frame
    differing = frame.filter(several)
    best = (
        differing.sort(_record_order(differing, key), descending=True, nulls_last=True)
        .group_by(list(key), maintain_order=True)
        .first()
    )
    return pl.concat([frame.filter(~several), best])


def _credits_from_one_copy(parts: Sequence[pl.DataFrame]) -> pl.DataFrame:
    """A track's credits as one response gave them: two copies that order or name its artists
    differently are never mixed (which could put two artists at one position). Each part holds
    one copy per track (`dimension_rows` picks it); of the parts' copies the best by the same
    record order wins: the most artists, then the largest list of artist ids."""
    parts = [p.filter(pl.col("track_id").is_not_null()) for p in parts]  # credits of no track
    if len(parts) == 1:  # one copy of each track
        return parts[0]
    tagged = [p.with_columns(pl.lit(i).alias("_part")) for i, p in enumerate(parts)]
    frame = pl.concat(tagged) if tagged else TABLES["track_artists"].empty()
    if "_part" not in frame.columns:
        return frame
    # a track in one part has one copy: only the others are ranked
    several = frame.select(pl.col("_part").n_unique().over("track_id") > 1).to_series()
    if not several.any():
        return frame.drop("_part")
    single, frame = frame.filter(~several), frame.filter(several)
    copies = (
        frame.sort("artist_position")
        .group_by("track_id", "_part")
        .agg(pl.col("artist_id").alias("_ids"))
        .with_columns(_n=pl.col("_ids").list.len(), _text=pl.col("_ids").list.join("\x1f"))
        .sort(["_n", "_text", "_part"], descending=[True, True, False])
        .group_by("track_id", maintain_order=True)
        .first()
        .select("track_id", "_part")
    )
    chosen = frame.join(copies, on=["track_id", "_part"], how="semi")
    return pl.concat([single, chosen]).drop("_part")


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
    for name in SNAPSHOT_TABLES:
        table = TABLES[name]
        frames = [p.tables[name] for p in parts if name in p.tables]
        frame = pl.concat(frames) if frames else table.empty()
        sort_by = list(table.key) or ["source_file", "position", "reason"]
        if name == "track_artists":
            frame = _credits_from_one_copy(frames)
            frame = _merge_dimension(frame, table.key).sort(sort_by, nulls_last=True)
        elif name in DIMENSION_TABLES:
            frame = _merge_dimension(frame, table.key).sort(sort_by, nulls_last=True)
        elif name in ("playlists", "playlist_items"):
            # A playlist lives in one batch and one shard, so these keys seldom repeat
            # across parts: a sort and a look at the previous row beat hashing them.
            frame = _sorted_first_per_key(frame, table.key)
        elif name in LIBRARY_TABLES:
            # One part holds the library (one batch, shard 0), its keys already unique: the
            # saved items newest first, the top lists by kind, range and rank.
            order = ["position"] if "position" in table.schema else list(table.key)
            frame = frame.sort(order, nulls_last=True)
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
        library=_add_counts(p.library for p in parts),
    )


def _add_counts(counts: Iterable[dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for c in counts:
        for k, v in c.items():
            total[k] = total.get(k, 0) + v
    return dict(sorted(total.items()))
