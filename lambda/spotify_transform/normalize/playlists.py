"""Playlist responses → the playlist tables and quarantine (pure polars, no I/O).

Callers hand in the bytes of a date's raw files (`PlaylistFiles`) and get frames back; parsing
lives in `parsing` (explicit schemas, chunked), entries in `entries`, dimensions and the merge
of batches in `dimensions`. The embedded first page of `playlist.json` and the `/items` pages
count an entry once; a missing contents key means "not visible", not "empty".
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from spotify_transform.normalize import api_shapes
from spotify_transform.normalize.dimensions import dimension_rows
from spotify_transform.normalize.entries import (
    classify,
    entries_of,
    item_rows,
    per_file,
    quarantine_entries,
    quarantine_files,
)
from spotify_transform.normalize.model import Normalized, PlaylistFiles
from spotify_transform.normalize.parsing import FileError, RawFile, parse_many
from spotify_transform.schemas import TABLES


def playlist_rows(meta: pl.DataFrame, incomplete: list[str]) -> pl.DataFrame:
    contents = pl.coalesce(pl.col("items"), pl.col("tracks"))
    whole = ~pl.col("playlist_id").is_in(pl.Series(incomplete, dtype=pl.String).implode())
    return meta.select(
        pl.col("playlist_id"),
        *_described(),
        pl.col("followers").struct.field("total").alias("followers"),
        "snapshot_id",
        contents.struct.field("total").alias("item_count"),
        (contents.is_not_null() & whole).alias("items_accessible"),
    )


# What a playlist's listing entry says of it: the columns it overrides for a playlist whose
# `playlist.json` was copied (no call), whatever the copy says. Followers are not listed.
LISTED_COLUMNS = ("name", "description", "owner_id", "owner_name", "public", "collaborative")


def _described() -> list[pl.Expr]:
    """A playlist object's LISTED_COLUMNS, as both `playlist.json` and a listing entry hold
    them."""
    owner = pl.col("owner").struct
    return [
        pl.col("name"),
        pl.col("description"),
        owner.field("id").alias("owner_id"),
        owner.field("display_name").alias("owner_name"),
        pl.col("public"),
        pl.col("collaborative"),
    ]


def listing_rows(files: Sequence[RawFile]) -> pl.DataFrame:
    """`GET /me/playlists` pages → one row per listed playlist (the first listing of an ID)."""
    pages, _ = parse_many(files, api_shapes.LISTING_SCHEMA)
    rows = pages.select(pl.col("items").fill_null([])).explode("items").unnest("items")
    return (
        rows.filter(pl.col("id").is_not_null())
        .select(
            pl.col("id").alias("playlist_id"),
            *_described(),
        )
        .unique("playlist_id", keep="first", maintain_order=True)
    )


def apply_listing(
    playlists: pl.DataFrame, listed: pl.DataFrame, ids: Sequence[str]
) -> pl.DataFrame:
    """The `playlists` rows with the listing's name, owner and visibility for the playlists in
    `ids` (reused without a call: today's listing is their only fresh word), and their follower
    count unknown (NULL) rather than yesterday's."""
    if not ids or listed.is_empty():
        return playlists
    fresh = listed.filter(pl.col("playlist_id").is_in(list(ids)))
    joined = playlists.join(fresh, on="playlist_id", how="left", suffix="_listed")
    reused = pl.col("playlist_id").is_in(fresh["playlist_id"].implode())
    return joined.with_columns(
        *(pl.when(reused).then(pl.col(f"{c}_listed")).otherwise(pl.col(c)).alias(c)
          for c in LISTED_COLUMNS),
        pl.when(reused).then(None).otherwise(pl.col("followers")).alias("followers"),
    ).select(playlists.columns)  # fmt: skip


def _embedded_entries(
    meta: pl.DataFrame, paged_entries: pl.DataFrame, by_path: dict[str, RawFile]
) -> pl.DataFrame:
    """Entries of playlist.json's embedded first page that no /items page supplies.

    /items pages win over the embedded page, so an entry seen in both counts once. The embedded
    page covers positions [0, min(limit, total)); only playlists whose pages leave a gap there
    have their playlist.json parsed again with the entries. The anti-join works on two light key
    columns, so the heavy track structs are never sorted.
    """
    head = pl.coalesce(pl.col("items"), pl.col("tracks"))
    span = pl.min_horizontal(head.struct.field("limit"), head.struct.field("total")).fill_null(0)
    wanted = meta.select("playlist_id", "source_file", span.alias("span")).filter(
        pl.col("span") > 0
    )
    covered = (
        paged_entries.select("playlist_id", "position")
        .join(wanted.select("playlist_id", "span"), on="playlist_id")
        .filter(pl.col("position") < pl.col("span"))
        .group_by("playlist_id")
        .agg(pl.len().alias("covered"))
    )
    gaps = wanted.join(covered, on="playlist_id", how="left").filter(
        pl.col("covered").fill_null(0) < pl.col("span")
    )
    if gaps.is_empty():  # the usual case: the /items pages cover every embedded entry
        return paged_entries.clear()
    files = [by_path[p] for p in gaps["source_file"].to_list()]
    full, _ = parse_many(files, api_shapes.PLAYLIST_SCHEMA)  # parsed fine once already
    owner = dict(gaps.select("source_file", "playlist_id").iter_rows())
    embedded = full.select(
        per_file(full, owner, pl.String).alias("playlist_id"),
        "source_file",
        pl.lit(1).alias("priority"),
        pl.lit(0, pl.Int64).alias("page_offset"),
        pl.coalesce(pl.col("items"), pl.col("tracks")).struct.field("items").alias("items"),
    )
    return entries_of(embedded).join(
        paged_entries.select("playlist_id", "position"), on=["playlist_id", "position"], how="anti"
    )


def _page_entries(
    files: list[RawFile],
    owner: dict[str, str],
    offsets: dict[str, int],
    by_path: dict[str, RawFile],
    bad_files: list[tuple[str, RawFile, FileError]],
) -> pl.DataFrame:
    """Parse /items pages into entries; unusable pages are appended to `bad_files`."""
    pages, bad = parse_many(files, api_shapes.ITEMS_PAGE_SCHEMA)
    bad_files += [(owner[f.path], f, e) for f, e in bad]
    if pages["items"].null_count():
        for path in pages.filter(pl.col("items").is_null())["source_file"]:
            error = FileError("bad_shape", "page without an `items` list")
            bad_files.append((owner[path], by_path[path], error))
        pages = pages.filter(pl.col("items").is_not_null())
    # Playlist and offset are per file (folder and file name): added as columns, so the heavy
    # nested frame is never joined, sorted or gathered.
    return entries_of(
        pages.select(
            per_file(pages, owner, pl.String).alias("playlist_id"),
            "source_file",
            pl.lit(0).alias("priority"),
            per_file(pages, offsets, pl.Int64).alias("page_offset"),
            "items",
        )
    )


def normalize_playlists(playlists: Sequence[PlaylistFiles]) -> Normalized:
    """Normalise a batch of playlists of one snapshot date.

    Args:
        playlists: The playlists' response files.

    Returns:
        Per-table frames (dimensions not yet deduplicated; see `combine`), quarantine rows,
        and counters: entries seen, rows per item type, API shapes seen.
    """
    by_path: dict[str, RawFile] = {}
    owner: dict[str, str] = {}
    page_offsets: dict[str, int] = {}
    meta_files: list[RawFile] = []
    page_files: list[RawFile] = []
    incomplete = [p.playlist_id for p in playlists if not p.complete]
    for pl_files in playlists:
        if pl_files.playlist is not None:
            meta_files.append(pl_files.playlist)
            owner[pl_files.playlist.path] = pl_files.playlist_id
        for offset, f in pl_files.pages:
            page_files.append(f)
            owner[f.path] = pl_files.playlist_id
            page_offsets[f.path] = offset
    by_path.update({f.path: f for f in [*meta_files, *page_files]})

    # Metadata first, with the embedded page's header only: its entries are parsed further
    # down, and only for playlists whose /items pages do not already cover them.
    meta, bad_meta = parse_many(meta_files, api_shapes.PLAYLIST_META_SCHEMA)
    meta = meta.with_columns(per_file(meta, owner, pl.String).alias("playlist_id"))
    bad_files = [(owner[f.path], f, e) for f, e in bad_meta]
    # Pages grouped by their playlist's API shape (see `entries_of`); correctness never depends
    # on the grouping, only the cost does.
    shape_of = dict(
        meta.select(
            "playlist_id",
            pl.when(pl.col("items").is_not_null()).then(pl.lit("2026")).otherwise(pl.lit("legacy")),
        ).iter_rows()
    )
    by_shape: dict[str, list[RawFile]] = {}
    for f in page_files:
        by_shape.setdefault(shape_of.get(owner[f.path], "unknown"), []).append(f)
    paged_parts = [
        _page_entries(group, owner, page_offsets, by_path, bad_files) for group in by_shape.values()
    ]
    paged_entries = (
        pl.concat(paged_parts, rechunk=False)
        if paged_parts
        else _page_entries([], owner, page_offsets, by_path, bad_files)
    )

    has_items, has_tracks = pl.col("items").is_not_null(), pl.col("tracks").is_not_null()
    shapes = {
        "2026": meta.filter(has_items).height,
        "legacy": meta.filter(~has_items & has_tracks).height,
    }
    # Pages of a playlist known to hide its contents are ignored (nothing to read there).
    hidden = meta.filter(~has_items & ~has_tracks)["playlist_id"]
    if hidden.len():
        paged_entries = paged_entries.filter(~pl.col("playlist_id").is_in(hidden.implode()))
    embedded_entries = _embedded_entries(meta, paged_entries, by_path)
    entries = pl.concat([paged_entries, embedded_entries])
    if incomplete:  # contents not read whole: no entry of theirs is presented as the playlist
        entries = entries.filter(
            ~pl.col("playlist_id").is_in(pl.Series(incomplete, dtype=pl.String).implode())
        )
    if entries.select(pl.struct("playlist_id", "position").is_duplicated().any()).item():
        # Overlapping /items pages (an extractor fault): keep the first copy of a position.
        entries = entries.unique(["playlist_id", "position"], keep="first", maintain_order=True)
    entries = classify(entries)

    snapshots = meta.select("playlist_id", "snapshot_id")
    items = item_rows(entries, snapshots)
    # One gather of the heavy structs, as before: the well-formed tracks, for the dimensions.
    good_tracks = entries.filter(pl.col("reason").is_null() & (pl.col("item_type") == "track"))
    quarantine = pl.concat(
        [
            quarantine_entries(entries.filter(pl.col("reason").is_not_null()), by_path),
            quarantine_files(bad_files),
        ]
    )
    tables = {
        "playlists": playlist_rows(meta, incomplete),
        "playlist_items": items,
        **dimension_rows(good_tracks),
        "quarantine": quarantine,
    }
    return Normalized(
        tables={name: frame.select(TABLES[name].schema.names()) for name, frame in tables.items()},
        entries=entries.height,
        item_types=dict(items.group_by("item_type").len().iter_rows()),
        shapes=shapes,
    )
