"""Pure polars normalisation: playlist responses → the playlist tables (+ quarantine).

No I/O here: callers hand in the bytes of raw-zone files and get frames back. Parsing lives in
`parsing` (explicit schemas, chunked), the listening history in `plays`; no per-row Python runs
except for the rare quarantined entry, whose raw JSON is cut out of its file as evidence.

Rules (DESIGN §4): an entry's `item` is read, else its `track`, never both; position = page offset
+ index; the embedded first page of `playlist.json` and the `/items` pages count an entry once;
every position of a readable playlist is one `playlist_items` row, whatever it holds (a track, a
podcast episode, a local file, an unavailable null entry: `item_type`); only malformed input (a
file that is not JSON or of the wrong shape, a track without an id) is quarantined; fields the
2026 Development Mode removed are NULL when absent while real zeros stay; dimensions are unique
per partition, each attribute chosen by one order-free rule (see `combine`); `release_date`
honours its precision; a missing contents key means "not visible".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from polars._typing import PolarsDataType

from spotify_transform import api_shapes
from spotify_transform.parsing import (
    FileError,
    RawFile,
    nonempty,
    parse_many,
    parse_timestamp,
    release_date,
)
from spotify_transform.plays import NormalizedPlays, normalize_plays
from spotify_transform.schemas import QUARANTINE, TABLES

__all__ = [
    "PLAYLIST_TABLES",
    "Normalized",
    "NormalizedPlays",
    "PlaylistFiles",
    "RawFile",
    "combine",
    "normalize_playlists",
    "normalize_plays",
    "parse_many",
    "parse_timestamp",
    "release_date",
]

PLAYLIST_TABLES = ("playlists", "playlist_items", "tracks", "albums", "artists", "track_artists")


@dataclass(frozen=True)
class PlaylistFiles:
    """The response files of one playlist in one snapshot-date partition.

    Attributes:
        playlist_id: ID from the `playlist_id=` folder.
        playlist: `playlist.json` (GET /playlists/{id}), or None if absent.
        pages: `items-<offset>.json` pages as (offset, file), any order.
        complete: False when the extract could not read the contents whole (status other than
            ok/unchanged): the playlist keeps its row, with `items_accessible` false, and none
            of its entries (not even the embedded first page) becomes a row.
    """

    playlist_id: str
    playlist: RawFile | None
    pages: tuple[tuple[int, RawFile], ...] = ()
    complete: bool = True


@dataclass
class Normalized:
    """Curated frames plus counters, for one or more playlists."""

    tables: dict[str, pl.DataFrame]
    entries: int = 0
    item_types: dict[str, int] = field(default_factory=dict)
    shapes: dict[str, int] = field(default_factory=dict)


# Entries
# --------------------------------------------------------------------------------------------


def _per_file(frame: pl.DataFrame, values: dict[str, Any], dtype: PolarsDataType) -> pl.Series:
    """A column with one value per parsed file, looked up by its path."""
    return pl.Series([values[p] for p in frame["source_file"].to_list()], dtype=dtype)


def _entries(pages: pl.DataFrame) -> pl.DataFrame:
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


def _classify(entries: pl.DataFrame) -> pl.DataFrame:
    """Add `item_type` (track, episode, local, unavailable) and `reason` (the quarantine
    reason of a malformed entry: a track object without an id) to entries."""
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
    return entries.with_columns(reason=reason)


def _items(entries: pl.DataFrame, snapshots: pl.DataFrame) -> pl.DataFrame:
    """`playlist_items` rows: one per well-formed position. Tracks name their `track_id` (their
    names are in `tracks`); episodes and local files carry what the entry says in the `item_*`
    columns. Light columns are selected before any filter, and names are gathered from the few
    non-track rows only: the heavy track structs are never copied here."""
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
    well_formed = pl.col("reason").is_null()
    tracks = (
        entries.select(
            *common,
            pl.lit(None, pl.String).alias("item_name"),
            pl.lit(None, pl.List(pl.String)).alias("item_artists"),
            pl.lit(None, pl.String).alias("item_album"),
            pl.lit(None, pl.Int64).alias("item_duration_ms"),
            obj.struct.field("id").alias("track_id"),
            *tail,
            well_formed.alias("_keep"),
        )
        .filter(pl.col("_keep") & is_track)
        .drop("_keep")
    )
    others = entries.filter(well_formed & ~is_track)
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


def _quarantine_entries(bad: pl.DataFrame, by_path: dict[str, RawFile]) -> pl.DataFrame:
    payloads = [
        _raw_entry(by_path[path].data, prio == 1, idx)
        for path, prio, idx in bad.select("source_file", "priority", "idx").iter_rows()
    ]
    detail = pl.when(pl.col("reason") == "missing_id").then(pl.lit("track object without id"))
    return bad.select(
        "source_file", "playlist_id", "position", "reason", detail.alias("detail")
    ).with_columns(pl.Series("payload", payloads, pl.String))


def _quarantine_files(bad: Iterable[tuple[str, RawFile, FileError]]) -> pl.DataFrame:
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


def _playlists(meta: pl.DataFrame, incomplete: list[str]) -> pl.DataFrame:
    contents = pl.coalesce(pl.col("items"), pl.col("tracks"))
    whole = ~pl.col("playlist_id").is_in(pl.Series(incomplete, dtype=pl.String).implode())
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
        (contents.is_not_null() & whole).alias("items_accessible"),
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
        _per_file(full, owner, pl.String).alias("playlist_id"),
        "source_file",
        pl.lit(1).alias("priority"),
        pl.lit(0, pl.Int64).alias("page_offset"),
        pl.coalesce(pl.col("items"), pl.col("tracks")).struct.field("items").alias("items"),
    )
    return _entries(embedded).join(
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
    return _entries(
        pages.select(
            _per_file(pages, owner, pl.String).alias("playlist_id"),
            "source_file",
            pl.lit(0).alias("priority"),
            _per_file(pages, offsets, pl.Int64).alias("page_offset"),
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
    meta = meta.with_columns(_per_file(meta, owner, pl.String).alias("playlist_id"))
    bad_files = [(owner[f.path], f, e) for f, e in bad_meta]
    # Pages grouped by their playlist's API shape (see `_entries`); correctness never depends
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
    entries = _classify(entries)

    snapshots = meta.select("playlist_id", "snapshot_id")
    items = _items(entries, snapshots)
    # One gather of the heavy structs, as before: the well-formed tracks, for the dimensions.
    good_tracks = entries.filter(pl.col("reason").is_null() & (pl.col("item_type") == "track"))
    quarantine = pl.concat(
        [
            _quarantine_entries(entries.filter(pl.col("reason").is_not_null()), by_path),
            _quarantine_files(bad_files),
        ]
    )
    tables = {
        "playlists": _playlists(meta, incomplete),
        "playlist_items": items,
        **_dimensions(good_tracks),
        "quarantine": quarantine,
    }
    return Normalized(
        tables={name: frame.select(TABLES[name].schema.names()) for name, frame in tables.items()},
        entries=entries.height,
        item_types=dict(items.group_by("item_type").len().iter_rows()),
        shapes=shapes,
    )


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
    for name in (*PLAYLIST_TABLES, "quarantine"):
        table = TABLES[name]
        frames = [p.tables[name] for p in parts if name in p.tables]
        frame = pl.concat(frames) if frames else table.empty()
        sort_by = list(table.key) or ["source_file", "position", "reason"]
        if name in ("tracks", "albums", "artists", "track_artists"):
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
