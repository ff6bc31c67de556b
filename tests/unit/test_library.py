"""The library (saved tracks, saved albums, top items): the normalisation rules of
docs/data-contracts.md on both API shapes, and the date's transform with and without it."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from spotify_etl import sql
from spotify_etl.platforms.local import LocalPlatform
from spotify_transform.handler import run_request
from spotify_transform.jobs.playlists import TransformRequest
from spotify_transform.normalize.dimensions import combine
from spotify_transform.normalize.library import normalize_library
from spotify_transform.normalize.model import LibraryFiles, Normalized, PlaylistFiles
from spotify_transform.normalize.parsing import RawFile
from spotify_transform.normalize.playlists import normalize_playlists
from spotify_transform.rawzone import layout
from spotify_transform.rawzone.manifest import (
    FileRecord,
    LibraryRecord,
    PlaylistRecord,
    RunRecord,
    SnapshotManifest,
)
from spotify_transform.schemas import TABLES
from spotify_transform.storage import ByteStore
from spotify_transform.tables import LIBRARY_TABLES, SNAPSHOT_TABLES
from tests import builders as b
from tests import synthetic as syn

SHAPES: list[syn.Shape] = ["legacy", "2026"]
DATE = "2026-01-02"  # the date tests/builders.py names its playlist files with
PID = "pl0000000000000000000A"
BASE = f"spotify/playlists/snapshot_date={DATE}/library"
ADDED = "2026-01-02T03:04:05Z"


# ---------------------------------------------------------------------------- response bodies
def album(cat: syn.Catalog, n: int, shape: syn.Shape) -> dict[str, Any]:
    """Album `n` as GET /me/albums gives it: a full album (2026: no label, popularity,
    markets), with its artists and a page of its tracks."""
    body = {**cat.albums[n], "genres": [], "tracks": {"items": [], "total": 0}}
    if shape == "2026":
        for key in ("label", "popularity"):
            body.pop(key)
    else:
        body["available_markets"] = syn.MARKETS
    return body


def artist(cat: syn.Catalog, n: int, shape: syn.Shape) -> dict[str, Any]:
    """Artist `n` as GET /me/top/artists gives it (2026: no followers, no popularity)."""
    body = {**cat.artists[n], "genres": ["indie pop"]}
    if shape == "legacy":
        body |= {"followers": {"href": None, "total": 1000 + n}, "popularity": 40 + n}
    return body


def page(key: str, objects: list[Any], offset: int, total: int) -> dict[str, Any]:
    """A GET /me/tracks (`key` track) or /me/albums (`key` album) page of `objects`."""
    items = [{"added_at": ADDED, key: obj} for obj in objects]
    return {"href": "h", "items": items, "limit": 50, "next": None, "offset": offset,
            "previous": None, "total": total}  # fmt: skip


def top(objects: list[Any]) -> dict[str, Any]:
    return {"href": "h", "items": objects, "limit": 50, "next": None, "offset": 0,
            "previous": None, "total": len(objects)}  # fmt: skip


def pages(dataset: str, key: str, objects: list[Any], size: int = 50) -> list[tuple[int, bytes]]:
    """`objects` as the pages of a saved dataset, `size` per page: (offset, body)."""
    return [
        (o, b.body(page(key, objects[o : o + size], o, len(objects))))
        for o in range(0, len(objects), size)
    ]


def files(
    tracks: Sequence[tuple[int, bytes]] = (),
    albums: Sequence[tuple[int, bytes]] = (),
    tops: dict[tuple[str, str], bytes] | None = None,
) -> LibraryFiles:
    """The library files of DATE: saved pages as (offset, body), top lists by (kind, range)."""

    def saved(dataset: str, bodies: Sequence[tuple[int, bytes]]) -> tuple[tuple[int, RawFile], ...]:
        name = layout.library_page_name
        return tuple((o, RawFile(f"{BASE}/{dataset}/{name(o)}", d)) for o, d in bodies)

    return LibraryFiles(
        saved("saved_tracks", tracks),
        saved("saved_albums", albums),
        tuple(
            (kind, rng, RawFile(f"{BASE}/top_items/{layout.top_file_name(kind, rng)}", data))
            for (kind, rng), data in (tops or {}).items()
        ),
    )


def run(*parts: Normalized) -> Normalized:
    return combine(list(parts))


@pytest.fixture
def cat() -> syn.Catalog:
    return b.catalog()


# ---------------------------------------------------------------------------- the normaliser
@pytest.mark.parametrize("shape", SHAPES)
def test_saved_tracks_of_either_shape_are_rows_newest_first_with_their_tracks(
    cat: syn.Catalog, shape: syn.Shape
) -> None:
    # GIVEN one page of three liked tracks in one shape
    liked = [b.track(cat, n, shape) for n in (4, 0, 9)]
    # WHEN normalised
    out = run(normalize_library(files(pages("saved_tracks", "track", liked))))
    # THEN each is a row at its position, added_at parsed and kept raw
    rows = out.tables["saved_tracks"]
    assert rows["track_id"].to_list() == [cat.tracks[n]["id"] for n in (4, 0, 9)]
    assert rows["position"].to_list() == [0, 1, 2]
    assert rows["added_at"].to_list() == [datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)] * 3
    assert rows["added_at_raw"].to_list() == [ADDED] * 3
    # AND the tracks, their albums, artists and credits are dimension rows (2026: NULL
    # popularity, never 0)
    tracks = out.tables["tracks"]
    assert sorted(tracks["track_id"]) == sorted(cat.tracks[n]["id"] for n in (4, 0, 9))
    popularity = tracks.filter(pl.col("track_id") == cat.tracks[0]["id"])["popularity"].item()
    assert popularity == (None if shape == "2026" else cat.tracks[0]["popularity"])
    assert set(out.tables["albums"]["album_id"]) == {
        cat.tracks[n]["album"]["id"] for n in (4, 0, 9)
    }
    credited = {a["id"] for n in (4, 0, 9) for a in cat.tracks[n]["artists"]}
    assert set(out.tables["track_artists"]["artist_id"]) == credited
    assert out.library == {"saved_albums": 0, "saved_tracks": 3, "top_items": 0}
    assert out.tables["quarantine"].height == 0


@pytest.mark.parametrize("shape", SHAPES)
def test_saved_albums_of_either_shape_give_albums_and_their_artists(
    cat: syn.Catalog, shape: syn.Shape
) -> None:
    # GIVEN two saved albums in one shape
    saved = [album(cat, n, shape) for n in (2, 5)]
    # WHEN normalised
    out = run(normalize_library(files(albums=pages("saved_albums", "album", saved))))
    # THEN each is a row at its position, and an `albums` row whose removed fields are NULL
    rows = out.tables["saved_albums"]
    assert rows["album_id"].to_list() == [cat.albums[2]["id"], cat.albums[5]["id"]]
    assert rows["position"].to_list() == [0, 1]
    albums = out.tables["albums"].filter(pl.col("album_id") == cat.albums[2]["id"])
    label = albums["label"].item()
    assert label == (None if shape == "2026" else cat.albums[2]["label"])
    assert albums["release_date_raw"].item() == cat.albums[2]["release_date"]
    # AND the albums' artists are `artists` rows; no track and no credit comes of an album
    album_artists = {a["id"] for n in (2, 5) for a in cat.albums[n]["artists"]}
    assert set(out.tables["artists"]["artist_id"]) == album_artists
    assert out.tables["tracks"].height == out.tables["track_artists"].height == 0


def test_a_library_larger_than_a_page_continues_positions_across_pages() -> None:
    # GIVEN 120 liked tracks over three pages of 50, handed in out of order
    big = syn.make_catalog(random.Random(3), 20, 30, 130)
    liked = [syn.track_body(big.tracks[n], "2026", random.Random(n)) for n in range(120)]
    bodies = pages("saved_tracks", "track", liked)
    # WHEN normalised
    out = run(normalize_library(files(list(reversed(bodies)))))
    # THEN positions run 0…119 over the pages (page offset + index), newest first
    rows = out.tables["saved_tracks"]
    assert rows["position"].to_list() == list(range(120))
    assert rows["track_id"].to_list() == [big.tracks[n]["id"] for n in range(120)]
    assert [o for o, _ in bodies] == [0, 50, 100]


@pytest.mark.parametrize("shape", SHAPES)
def test_top_items_are_ranked_from_one_per_kind_and_range(
    cat: syn.Catalog, shape: syn.Shape
) -> None:
    # GIVEN top tracks (short term) and top artists (long term) in one shape
    tops = {
        ("tracks", "short_term"): b.body(top([b.track(cat, n, shape) for n in (3, 1, 7)])),
        ("artists", "long_term"): b.body(top([artist(cat, n, shape) for n in (6, 2)])),
    }
    # WHEN normalised
    out = run(normalize_library(files(tops=tops)))
    # THEN each list's items are ranked 1… in their order, with their ids and names
    got = out.tables["top_items"].rows()
    assert got == [
        ("artists", "long_term", 1, cat.artists[6]["id"], cat.artists[6]["name"]),
        ("artists", "long_term", 2, cat.artists[2]["id"], cat.artists[2]["name"]),
        ("tracks", "short_term", 1, cat.tracks[3]["id"], cat.tracks[3]["name"]),
        ("tracks", "short_term", 2, cat.tracks[1]["id"], cat.tracks[1]["name"]),
        ("tracks", "short_term", 3, cat.tracks[7]["id"], cat.tracks[7]["name"]),
    ]
    # AND top tracks are `tracks` rows; top artists are `artists` rows with what they say
    assert set(out.tables["tracks"]["track_id"]) == {cat.tracks[n]["id"] for n in (3, 1, 7)}
    six = out.tables["artists"].filter(pl.col("artist_id") == cat.artists[6]["id"])
    assert six["genres"].to_list() == [["indie pop"]]
    assert six["followers"].item() == (None if shape == "2026" else 1006)
    assert out.library["top_items"] == 5


def test_a_track_in_a_playlist_and_liked_is_one_dimension_row_from_the_fuller_copy(
    cat: syn.Catalog,
) -> None:
    # GIVEN track 5 in a 2026 playlist (no popularity, no markets) and liked in the legacy
    # shape, and a liked track in no playlist
    playlist = b.playlist_files(PID, "2026", b.entries(cat, "2026", [5, 6]))
    liked = pages("saved_tracks", "track", [b.track(cat, 5, "legacy"), b.track(cat, 8, "legacy")])
    # WHEN the playlist and the library are normalised and combined, in either order
    one = run(normalize_playlists([playlist]), normalize_library(files(liked)))
    other = run(normalize_library(files(liked)), normalize_playlists([playlist]))
    # THEN each track is one row, the legacy copy (more attributes) kept whole, credits once
    tracks = one.tables["tracks"]
    assert sorted(tracks["track_id"]) == sorted(cat.tracks[n]["id"] for n in (5, 6, 8))
    five = tracks.filter(pl.col("track_id") == cat.tracks[5]["id"]).row(0, named=True)
    assert five["popularity"] == cat.tracks[5]["popularity"]
    assert five["available_markets_count"] is not None
    credits = one.tables["track_artists"].filter(pl.col("track_id") == cat.tracks[5]["id"])
    assert credits["artist_position"].sort().to_list() == list(range(len(cat.tracks[5]["artists"])))
    # AND the result depends on no order
    for name in SNAPSHOT_TABLES:
        assert_frame_equal(one.tables[name], other.tables[name])


def test_malformed_files_and_entries_are_quarantined_and_every_item_accounted_for(
    cat: syn.Catalog,
) -> None:
    # GIVEN saved tracks: a page with a null track, a track without an id and a track listed
    # again further down; a page that is not JSON; saved albums: an album without an id and a
    # page without `items`; top tracks: an item without an id; top artists: not the shape
    nameless = b.track(cat, 2, "2026") | {"id": None}
    first = page("track", [b.track(cat, 0, "2026"), None, nameless, b.track(cat, 0, "2026")], 0, 53)
    albums = page("album", [album(cat, 1, "2026"), album(cat, 3, "2026") | {"id": ""}], 0, 2)
    tops = {
        ("tracks", "medium_term"): b.body(top([b.track(cat, 4, "2026"), nameless])),
        ("artists", "medium_term"): b.body({"items": "not a list"}),
    }
    library = files(
        [(0, b.body(first)), (50, b'{"items": [{"added_at"')],
        [(0, b.body(albums)), (50, b.body({"total": 2}))],
        tops,
    )
    # WHEN normalised
    out = run(normalize_library(library))
    # THEN the entries without an id and the repeat are set aside with their positions and raw
    # JSON, and each bad file whole (position NULL, playlist NULL)
    q = out.tables["quarantine"]
    assert q["playlist_id"].null_count() == q.height
    got = sorted(
        (r["source_file"].rsplit("/", 2)[1], r["position"] if r["position"] is not None else -1,
         r["reason"])
        for r in q.iter_rows(named=True)
    )  # fmt: skip
    assert got == [
        ("saved_albums", -1, "bad_shape"),
        ("saved_albums", 1, "missing_id"),
        ("saved_tracks", -1, "bad_json"),
        ("saved_tracks", 1, "missing_id"),
        ("saved_tracks", 2, "missing_id"),
        ("saved_tracks", 3, "duplicate_id"),
        ("top_items", -1, "bad_shape"),
        ("top_items", 1, "missing_id"),
    ]
    repeat = q.filter(pl.col("reason") == "duplicate_id").row(0, named=True)
    assert json.loads(repeat["payload"])["track"]["id"] == cat.tracks[0]["id"]
    # AND the well-formed items are rows; a top item without an id keeps its rank
    assert out.tables["saved_tracks"]["track_id"].to_list() == [cat.tracks[0]["id"]]
    assert out.tables["saved_albums"]["album_id"].to_list() == [cat.albums[1]["id"]]
    assert out.tables["top_items"].select("rank", "item_id").rows() == [
        (1, cat.tracks[4]["id"]),
        (2, None),
    ]
    # AND every item read is a row or a quarantined entry
    seen = out.library
    entries = q.filter(pl.col("position").is_not_null())
    for dataset in LIBRARY_TABLES:
        rows = out.tables[dataset].height
        set_aside = entries.filter(pl.col("source_file").str.contains(f"/{dataset}/")).height
        assert seen[dataset] == rows + (set_aside if dataset != "top_items" else 0), dataset


# ---------------------------------------------------------------------------- the date's transform
def _write_date(
    store: ByteStore,
    raw: str,
    playlists: list[PlaylistFiles],
    library: dict[str, tuple[str, list[tuple[str, bytes]], int | None]],
    offsets: dict[str, tuple[int, ...]] | None = None,
) -> SnapshotManifest:
    """A committed date: the playlists' files and the library's (dataset → status, files,
    total; `offsets`: where each file starts), and the manifest naming them all."""
    partition = layout.raw_partition(raw, DATE)
    records = []
    for p in playlists:
        landed = [f for f in (p.playlist, *(f for _, f in p.pages)) if f is not None]
        for f in landed:
            store.write(f"{raw}/{f.path}", f.data)
        records.append(
            PlaylistRecord(
                p.playlist_id,
                "ok",
                tuple(FileRecord.of(f.path.rsplit("/", 1)[1], f.data) for f in landed),
            )
        )
    kept = []
    for dataset, (status, bodies, total) in library.items():
        for name, data in bodies:
            store.write(layout.library_file(partition, dataset, name), data)
        stored = tuple(FileRecord.of(n, d) for n, d in bodies)
        at = (offsets or {}).get(dataset, ())
        kept.append(LibraryRecord(dataset, status, stored, total, offsets=at))
    manifest = SnapshotManifest.build(
        DATE, "spotify", records, RunRecord("t", "", "", 0.0, 0, 0), library=kept
    )
    store.write(layout.manifest_file(partition), manifest.to_json())
    return manifest


def _library(
    cat: syn.Catalog, status: str = "ok"
) -> dict[str, tuple[str, list[tuple[str, bytes]], int | None]]:
    """Liked: 59 tracks over two pages (track 5 also in the playlist; one without an id, at
    position 7);
    saved: two albums; top: every kind and range."""
    big = syn.make_catalog(random.Random(3), 20, 30, 130)
    liked = [b.track(cat, 5, "legacy")]
    liked += [syn.track_body(big.tracks[n], "2026", random.Random(n)) for n in range(57)]
    liked.insert(7, b.track(cat, 9, "2026") | {"id": None})
    tracks = [(layout.library_page_name(o), d) for o, d in pages("saved_tracks", "track", liked)]
    saved = pages("saved_albums", "album", [album(cat, 0, "legacy"), album(cat, 4, "2026")])
    albums = [(layout.library_page_name(o), d) for o, d in saved]
    tops = [
        (layout.top_file_name(kind, rng), b.body(top(
            [b.track(cat, n, "2026") for n in (1, 2, 3)] if kind == "tracks"
            else [artist(cat, n, "2026") for n in (0, 1)]
        )))
        for kind in layout.TOP_KINDS for rng in layout.TIME_RANGES
    ]  # fmt: skip
    return {
        "saved_tracks": (status, tracks, len(liked)),
        "saved_albums": (status, albums, 2),
        "top_items": (status, tops, None),
    }


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "_staging" not in p.parts
    }


def _read(curated: Path, table: str) -> pl.DataFrame:
    return pl.read_parquet(layout.curated_file(str(curated), table, DATE))


def test_a_date_with_its_library_writes_the_library_tables_and_passes_the_checks(
    cat: syn.Catalog, tmp_path: Path
) -> None:
    # GIVEN a committed date: a playlist holding tracks 5 and 6, and the whole library
    store, raw, curated = ByteStore(), str(tmp_path / "raw"), tmp_path / "curated"
    playlist = b.playlist_files(PID, "2026", b.entries(cat, "2026", [5, 6]))
    manifest = _write_date(store, raw, [playlist], _library(cat))
    # WHEN the date is transformed (twice)
    result = run_request(store, TransformRequest(DATE, raw, str(curated)))
    first = _digests(curated)
    run_request(store, TransformRequest(DATE, raw, str(curated)))
    # THEN the three tables hold the library, with their contract schemas, byte-identical again
    assert _digests(curated) == first
    for name in LIBRARY_TABLES:
        assert _read(curated, name).schema == TABLES[name].schema
    saved = _read(curated, "saved_tracks")
    assert saved.height == 58 and saved["position"].to_list() == [p for p in range(59) if p != 7]
    assert _read(curated, "saved_albums").height == 2
    assert _read(curated, "top_items").height == 3 * 3 + 3 * 2
    assert result["library"] == {"saved_albums": 2, "saved_tracks": 59, "top_items": 15}
    # AND the track in the playlist and liked is one `tracks` row, with the legacy popularity
    tracks = _read(curated, "tracks")
    five = tracks.filter(pl.col("track_id") == cat.tracks[5]["id"])
    assert five["popularity"].to_list() == [cat.tracks[5]["popularity"]]
    # AND the date's checks pass: keys, references, and saved tracks and albums as many as the
    # manifest says (the quarantined entry counted)
    assert manifest.library_totals == {"saved_albums": 2, "saved_tracks": 59}
    lake = LocalPlatform(tmp_path)
    lake.crawl()
    checks = sql.key_checks(DATE, 1, manifest.library_totals)
    assert lake.query(checks, max_rows=50)["rows"] == []
    short = sql.key_checks(DATE, 1, {"saved_tracks": 60})
    assert lake.query(short, max_rows=50)["rows"] == [
        ["saved_tracks", "rows_differ_from_manifest_60", None, 59]
    ]


def test_a_sharded_date_with_its_library_gives_the_same_bytes_as_one_run(
    cat: syn.Catalog, tmp_path: Path
) -> None:
    # GIVEN a date of four playlists sharing tracks with the library
    store, raw = ByteStore(), str(tmp_path / "raw")
    playlists = [
        b.playlist_files(f"pl000000000000000000{i:02d}", shape, b.entries(cat, shape, [i, 5, 9]))
        for i, shape in enumerate(SHAPES * 2)
    ]
    _write_date(store, raw, playlists, _library(cat))
    whole, split = tmp_path / "whole", tmp_path / "split"
    # WHEN transformed in one go, and in 3 shards then merged
    run_request(store, TransformRequest(DATE, raw, str(whole)))
    for shard in range(3):
        run_request(
            store, TransformRequest(DATE, raw, str(split), stage="shard", shard=shard, shards=3)
        )
    merged = run_request(store, TransformRequest(DATE, raw, str(split), stage="merge", shards=3))
    # THEN every table's file is byte-identical, the library's too
    assert _digests(whole) == _digests(split)
    assert _read(split, "saved_tracks").height == 58
    assert merged["library"] == {"saved_albums": 2, "saved_tracks": 59, "top_items": 15}


@pytest.mark.parametrize("status", ["deferred", "incomplete", "forbidden"])
def test_a_date_whose_library_is_not_complete_writes_the_library_tables_empty(
    cat: syn.Catalog, tmp_path: Path, status: str
) -> None:
    # GIVEN a date transformed once with its whole library, then extracted again with the
    # library not complete (its landed pages still listed)
    store, raw, curated = ByteStore(), str(tmp_path / "raw"), tmp_path / "curated"
    playlist = b.playlist_files(PID, "legacy", b.entries(cat, "legacy", [5]))
    _write_date(store, raw, [playlist], _library(cat))
    run_request(store, TransformRequest(DATE, raw, str(curated)))
    _write_date(store, raw, [playlist], _library(cat, status))
    # WHEN the date is transformed again
    result = run_request(store, TransformRequest(DATE, raw, str(curated)))
    # THEN its library tables are empty partitions (no older library kept, nothing read), and
    # the playlist's rows are there as before
    for name in LIBRARY_TABLES:
        assert _read(curated, name).height == 0, name
    assert result["library"] == {}
    assert _read(curated, "tracks")["track_id"].to_list() == [cat.tracks[5]["id"]]
    assert _read(curated, "quarantine").height == 0


def test_pages_carried_over_from_an_earlier_date_are_read_at_their_shifted_positions(
    cat: syn.Catalog, tmp_path: Path
) -> None:
    # GIVEN a date whose 3 new likes sit on top of the previous date's 60: the fresh first page
    # (the 3 new, then the previous first 47) and the previous pages carried over, starting at
    # positions 3 and 53 (LibraryRecord.offsets)
    store, raw, curated = ByteStore(), str(tmp_path / "raw"), tmp_path / "curated"
    big = syn.make_catalog(random.Random(3), 20, 30, 130)
    before = [syn.track_body(big.tracks[n], "2026", random.Random(n)) for n in range(60)]
    new = [b.track(cat, n, "legacy") for n in (1, 2, 3)]
    fresh = b.body(page("track", (new + before)[:50], 0, 63))
    carried = [d for _, d in pages("saved_tracks", "track", before)]
    bodies = [
        ("page-000000.json", fresh),
        ("carried-a.json", carried[0]),
        ("carried-b.json", carried[1]),
    ]
    library: dict[str, tuple[str, list[tuple[str, bytes]], int | None]] = {
        "saved_tracks": ("ok", bodies, 63)
    }
    manifest = _write_date(store, raw, [], library, {"saved_tracks": (0, 3, 53)})
    # WHEN the date is transformed
    result = run_request(store, TransformRequest(DATE, raw, str(curated)))
    # THEN every position 0…62 is read once: the fresh page's, then the carried pages' beyond it
    saved = _read(curated, "saved_tracks")
    assert saved["position"].to_list() == list(range(63))
    assert saved["track_id"].to_list() == [t["id"] for t in new + before]
    assert _read(curated, "quarantine").height == 0
    assert result["library"] == {"saved_albums": 0, "saved_tracks": 63, "top_items": 0}
    assert manifest.library_totals == {"saved_tracks": 63}
