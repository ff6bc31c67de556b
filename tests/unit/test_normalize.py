"""The normalisation rules of docs/data-contracts.md, each on both API shapes."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime

import polars as pl
import pytest

from spotify_transform.normalize.dimensions import combine
from spotify_transform.normalize.model import Normalized, PlaylistFiles
from spotify_transform.normalize.parsing import RawFile, release_date
from spotify_transform.normalize.playlists import normalize_playlists
from spotify_transform.schemas import TABLES
from tests import builders as b
from tests import synthetic as syn

SHAPES: list[syn.Shape] = ["legacy", "2026"]
PID = "pl0000000000000000000A"


def run(*playlists: PlaylistFiles) -> Normalized:
    return combine([normalize_playlists(list(playlists))])


@pytest.fixture
def cat() -> syn.Catalog:
    return b.catalog()


@pytest.mark.parametrize("shape", SHAPES)
def test_normalize_reads_entries_of_either_shape(cat: syn.Catalog, shape: syn.Shape) -> None:
    # GIVEN a playlist of 3 tracks in one shape
    files = b.playlist_files(PID, shape, b.entries(cat, shape, [0, 1, 2]))
    # WHEN it is normalised
    out = run(files)
    # THEN every entry becomes a playlist item at its position, with its track
    items = out.tables["playlist_items"]
    assert items["position"].to_list() == [0, 1, 2]
    assert items["track_id"].to_list() == [cat.tracks[n]["id"] for n in (0, 1, 2)]
    assert items["snapshot_id"].unique().to_list() == [f"snap-{PID}"]
    assert out.shapes[shape] == 1


def test_normalize_prefers_item_and_never_counts_twin_track(cat: syn.Catalog) -> None:
    # GIVEN a 2026 entry carrying `item` and a deprecated `track` twin pointing elsewhere
    entry = syn.entry(b.track(cat, 0, "2026"), "2026", "2026-01-02T03:04:05Z", b.ME)
    entry["track"] = b.track(cat, 1, "legacy")
    files = b.playlist_files(PID, "2026", [entry])
    # WHEN it is normalised
    out = run(files)
    # THEN only the `item` track counts, once
    assert out.tables["playlist_items"]["track_id"].to_list() == [cat.tracks[0]["id"]]
    assert out.tables["tracks"]["track_id"].to_list() == [cat.tracks[0]["id"]]


@pytest.mark.parametrize("shape", SHAPES)
def test_normalize_position_is_page_offset_plus_index_with_gaps_kept(
    cat: syn.Catalog, shape: syn.Shape
) -> None:
    # GIVEN 120 entries in pages of 50 (no embedded page), with an episode at 55 and null at 101
    items = b.entries(cat, shape, [n % 30 for n in range(120)])
    items[55] = syn.entry(syn.episode_body(random.Random(1)), shape, None, b.ME)
    items[101] = syn.entry(None, shape, None, b.ME)
    files = b.playlist_files(PID, shape, items, embedded_limit=0)
    # WHEN it is normalised
    out = run(files)
    # THEN positions run across pages, every position is a row (the episode and the
    # unavailable entry too), duplicates are kept
    rows = out.tables["playlist_items"]
    assert rows["position"].to_list() == list(range(120))
    assert rows["item_type"][55] == "episode" and rows["item_type"][101] == "unavailable"
    assert out.entries == 120
    assert out.item_types == {"episode": 1, "track": 118, "unavailable": 1}


@pytest.mark.parametrize("shape", SHAPES)
def test_normalize_counts_embedded_and_paged_entries_once(
    cat: syn.Catalog, shape: syn.Shape
) -> None:
    # GIVEN 70 entries: the first 60 embedded in playlist.json, all 70 in /items pages of 50
    files = b.playlist_files(
        PID, shape, b.entries(cat, shape, list(range(30)) * 2 + list(range(10))), embedded_limit=60
    )
    # WHEN it is normalised
    out = run(files)
    # THEN each position appears once
    items = out.tables["playlist_items"]
    assert items.height == 70
    assert items["position"].n_unique() == 70


@pytest.mark.parametrize("shape", SHAPES)
def test_normalize_fills_missing_page_from_embedded_first_page(
    cat: syn.Catalog, shape: syn.Shape
) -> None:
    # GIVEN 120 entries, the first 100 embedded, and /items pages at offsets 0 and 100 only
    items = b.entries(cat, shape, [n % 30 for n in range(120)])
    files = b.playlist_files(PID, shape, items, embedded_limit=100)
    files = PlaylistFiles(files.playlist_id, files.playlist, (files.pages[0], files.pages[2]))
    # WHEN normalised
    out = run(files)
    # THEN positions 50-99 come from the embedded page and every position appears once
    assert out.tables["playlist_items"]["position"].to_list() == list(range(120))


@pytest.mark.parametrize("shape", SHAPES)
def test_normalize_uses_embedded_page_when_no_items_pages(
    cat: syn.Catalog, shape: syn.Shape
) -> None:
    # GIVEN only playlist.json with its embedded first page
    files = b.playlist_files(PID, shape, b.entries(cat, shape, [4, 5]))
    files = PlaylistFiles(files.playlist_id, files.playlist, ())
    # WHEN it is normalised
    out = run(files)
    # THEN the embedded entries are the membership
    assert out.tables["playlist_items"]["track_id"].to_list() == [
        cat.tracks[4]["id"],
        cat.tracks[5]["id"],
    ]


@pytest.mark.parametrize("shape", SHAPES)
def test_normalize_keeps_null_items_and_local_files_and_quarantines_only_the_malformed(
    cat: syn.Catalog, shape: syn.Shape
) -> None:
    # GIVEN a null entry, a local file and a track object without id
    nameless = b.track(cat, 2, shape)
    nameless["id"] = None
    items = [
        syn.entry(None, shape, "2026-01-02T03:04:05Z", b.ME),
        syn.entry(syn.local_file_body("Démo ✨", "Band", "Tape", 61), shape, None, b.ME),
        syn.entry(nameless, shape, None, b.ME),
        *b.entries(cat, shape, [3]),
    ]
    files = b.playlist_files(PID, shape, items)
    # WHEN it is normalised
    out = run(files)
    # THEN the null entry and the local file are rows of their own kind, the local file with
    # what it says about itself; only the track without an id is quarantined, with its raw entry
    q = out.tables["quarantine"]
    assert q["reason"].to_list() == ["missing_id"]
    assert q["position"].to_list() == [2]
    assert q["playlist_id"].to_list() == [PID]
    assert [json.loads(p) for p in q["payload"]] == items[2:3]
    # AND every position keeps its row: the malformed track's says `malformed`, with its name
    # and no track id (so the playlist's count still reconciles)
    rows = out.tables["playlist_items"].sort("position")
    assert rows["position"].to_list() == [0, 1, 2, 3]
    assert rows["item_type"].to_list() == ["unavailable", "local", "malformed", "track"]
    malformed = rows.row(2, named=True)
    assert (malformed["item_name"], malformed["track_id"]) == (nameless["name"], None)
    assert out.item_types["malformed"] == 1
    local = rows.row(1, named=True)
    assert (local["item_name"], local["item_artists"], local["item_album"]) == (
        "Démo ✨",
        ["Band"],
        "Tape",
    )
    assert local["item_duration_ms"] == 61_000 and local["track_id"] is None
    assert local["item_uri"].startswith("spotify:local:")


@pytest.mark.parametrize("shape", SHAPES)
def test_normalize_keeps_episodes_as_rows_not_tracks(cat: syn.Catalog, shape: syn.Shape) -> None:
    # GIVEN an episode between two tracks
    items = b.entries(cat, shape, [0, 1])
    episode = syn.episode_body(random.Random(3))
    items.insert(1, syn.entry(episode, shape, None, b.ME))
    # WHEN it is normalised
    out = run(b.playlist_files(PID, shape, items))
    # THEN the episode is a playlist_items row with its show's names, neither a track nor
    # quarantined
    assert out.tables["tracks"].height == 2
    assert out.tables["quarantine"].height == 0
    row = out.tables["playlist_items"].sort("position").row(1, named=True)
    assert row["item_type"] == "episode" and row["track_id"] is None
    assert row["item_name"] == episode["name"] and row["item_album"] == "Data Talk"
    assert row["item_artists"] == ["Data Talk Media"]
    assert row["item_duration_ms"] == episode["duration_ms"]
    assert row["item_uri"] == episode["uri"]


def test_normalize_removed_fields_are_null_and_real_zero_stays(cat: syn.Catalog) -> None:
    # GIVEN track A in the 2026 shape (no popularity/markets) and track B legacy with popularity 0
    a = b.track(cat, 0, "2026")
    legacy = b.track(cat, 1, "legacy")
    legacy["popularity"] = 0
    files = [
        b.playlist_files(PID, "2026", [syn.entry(a, "2026", None, b.ME)]),
        b.playlist_files(
            "pl0000000000000000000B", "legacy", [syn.entry(legacy, "legacy", None, b.ME)]
        ),
    ]
    # WHEN normalised
    tracks = run(*files).tables["tracks"]
    # THEN absent fields are NULL, the real zero stays zero
    row_a = tracks.filter(pl.col("track_id") == a["id"]).row(0, named=True)
    row_b = tracks.filter(pl.col("track_id") == legacy["id"]).row(0, named=True)
    assert row_a["popularity"] is None
    assert row_a["available_markets_count"] is None
    assert row_b["popularity"] == 0
    assert row_b["available_markets_count"] == len(legacy["available_markets"])
    assert row_a["isrc"] == a["external_ids"]["isrc"]


def test_normalize_merges_dimension_facts_across_shapes(cat: syn.Catalog) -> None:
    # GIVEN the same track seen in a 2026 playlist (no popularity) and a legacy one (with it)
    files = [
        b.playlist_files(PID, "2026", b.entries(cat, "2026", [5])),
        b.playlist_files("pl0000000000000000000B", "legacy", b.entries(cat, "legacy", [5])),
    ]
    # WHEN normalised
    tracks = run(*files).tables["tracks"]
    # THEN one row, keeping the popularity the legacy shape supplied
    assert tracks.height == 1
    assert tracks["popularity"].to_list() == [cat.tracks[5]["popularity"]]


@pytest.mark.parametrize(
    ("raw", "precision", "expected"),
    [
        ("1997", "year", date(1997, 1, 1)),
        ("2001-03", "month", date(2001, 3, 1)),
        ("2019-10-04", "day", date(2019, 10, 4)),
        ("2019-02-30", "day", None),
        ("0000", "year", None),
        ("1997", None, date(1997, 1, 1)),
        ("2001-03-04", "year", date(2001, 1, 1)),  # the year is right there
        ("1981-12", "year", date(1981, 1, 1)),
        ("2001-03-04", "month", date(2001, 3, 1)),
        ("2001", "month", None),  # too short for its precision
        (None, None, None),
    ],
)
def test_release_date_honours_precision(
    raw: str | None, precision: str | None, expected: date | None
) -> None:
    # GIVEN a raw release date and its precision
    frame = pl.DataFrame(
        {"raw": [raw], "p": [precision]}, schema={"raw": pl.String, "p": pl.String}
    )
    # WHEN parsed
    got = frame.select(release_date(pl.col("raw"), pl.col("p")))
    # THEN the date follows the precision; impossible values are NULL
    assert got.item() == expected


@pytest.mark.parametrize("shape", SHAPES)
def test_normalize_nulls_epoch_added_at_and_empty_added_by(
    cat: syn.Catalog, shape: syn.Shape
) -> None:
    # GIVEN an entry with the 1970 placeholder and an empty added_by id, and a normal one
    items = b.entries(cat, shape, [0, 1])
    items[0]["added_at"] = "1970-01-01T00:00:00Z"
    items[0]["added_by"]["id"] = ""
    # WHEN normalised
    rows = run(b.playlist_files(PID, shape, items)).tables["playlist_items"].rows(named=True)
    # THEN placeholders are NULL while the raw text is kept
    assert rows[0]["added_at"] is None
    assert rows[0]["added_at_raw"] == "1970-01-01T00:00:00Z"
    assert rows[0]["added_by_id"] is None
    assert rows[1]["added_at"] == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert rows[1]["added_by_id"] == b.ME


def test_normalize_hidden_contents_give_one_playlist_row_and_nothing_else() -> None:
    # GIVEN a 2026 playlist.json without any contents key
    files = b.playlist_files(PID, "2026", None)
    # WHEN normalised
    out = run(files)
    # THEN one playlists row says the contents are not accessible; no items, no quarantine
    row = out.tables["playlists"].row(0, named=True)
    assert row["items_accessible"] is False
    assert row["item_count"] is None
    assert out.tables["playlist_items"].height == 0
    assert out.tables["quarantine"].height == 0


@pytest.mark.parametrize("shape", SHAPES)
def test_normalize_empty_playlist_is_accessible_and_empty(shape: syn.Shape) -> None:
    # GIVEN a visible playlist with zero entries
    out = run(b.playlist_files(PID, shape, []))
    # THEN it is accessible with item_count 0 (empty is not hidden)
    row = out.tables["playlists"].row(0, named=True)
    assert (row["items_accessible"], row["item_count"]) == (True, 0)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'{"href": "x", "items": [', "bad_json"),
        (b'{"items": {"not": "a list"}}', "bad_shape"),
        (b'{"offset": 0}', "bad_shape"),
    ],
)
def test_normalize_quarantines_bad_file_whole_and_keeps_the_rest(
    cat: syn.Catalog, data: bytes, reason: str
) -> None:
    # GIVEN a good playlist and another whose second page is broken
    good = b.playlist_files(PID, "2026", b.entries(cat, "2026", [0, 1]))
    broken = b.playlist_files(
        "pl0000000000000000000B",
        "legacy",
        b.entries(cat, "legacy", list(range(30)) * 2),
        embedded_limit=0,
    )
    bad_page = RawFile(broken.pages[1][1].path, data)
    broken = PlaylistFiles(broken.playlist_id, broken.playlist, (broken.pages[0], (50, bad_page)))
    # WHEN normalised together
    out = run(good, broken)
    # THEN the bad file is quarantined whole with the reason, and every good entry survives
    q = out.tables["quarantine"].row(0, named=True)
    assert (q["reason"], q["source_file"], q["position"]) == (reason, bad_page.path, None)
    assert q["payload"] == data.decode()
    items = out.tables["playlist_items"]
    assert items.filter(pl.col("playlist_id") == PID).height == 2
    assert items.filter(pl.col("playlist_id") == broken.playlist_id).height == 50


@pytest.mark.parametrize("shape", SHAPES)
def test_normalize_artists_include_album_artists_but_credits_do_not(
    cat: syn.Catalog, shape: syn.Shape
) -> None:
    # GIVEN a track whose album artist is not among its credited artists
    t = b.track(cat, 0, shape)
    album_artist = {
        "id": "albumartist00000000000",
        "name": "Album Only",
        "type": "artist",
        "uri": "spotify:artist:x",
    }
    t["album"]["artists"] = [album_artist]
    out = run(b.playlist_files(PID, shape, [syn.entry(t, shape, None, b.ME)]))
    # THEN the album artist is in artists but not in track_artists
    assert "albumartist00000000000" in out.tables["artists"]["artist_id"].to_list()
    assert "albumartist00000000000" not in out.tables["track_artists"]["artist_id"].to_list()
    credits = out.tables["track_artists"].sort("artist_position")
    assert credits["artist_id"].to_list() == [a["id"] for a in t["artists"]]
    assert credits["artist_position"].to_list() == list(range(len(t["artists"])))


@pytest.mark.parametrize("shape", SHAPES)
def test_normalize_track_with_no_artists_has_no_credits(cat: syn.Catalog, shape: syn.Shape) -> None:
    # GIVEN a track with an empty artists list
    t = b.track(cat, 0, shape)
    t["artists"] = []
    out = run(b.playlist_files(PID, shape, [syn.entry(t, shape, None, b.ME)]))
    # THEN the track is kept and has no credits
    assert out.tables["tracks"]["track_id"].to_list() == [t["id"]]
    assert out.tables["track_artists"].height == 0


@pytest.mark.parametrize("shape", SHAPES)
def test_normalize_keeps_unicode_byte_exact(cat: syn.Catalog, shape: syn.Shape) -> None:
    # GIVEN names in Japanese, Arabic (RTL) and emoji
    names = ["夜明けのシティポップ", "قمر الليل", "🌙✨ café"]
    items = b.entries(cat, shape, [0, 1, 2])
    for entry, name in zip(items, names, strict=True):
        entry["item" if shape == "2026" else "track"]["name"] = name
    out = run(b.playlist_files(PID, shape, items, name="東京 🚗 حب"))
    # THEN the strings come out unchanged
    assert sorted(out.tables["tracks"]["name"].to_list()) == sorted(names)
    assert out.tables["playlists"]["name"].to_list() == ["東京 🚗 حب"]


def test_combine_gives_unique_keys_and_exact_schemas(cat: syn.Catalog) -> None:
    # GIVEN two batches sharing tracks, albums and artists
    p1 = normalize_playlists(
        [b.playlist_files(PID, "2026", b.entries(cat, "2026", list(range(20))))]
    )
    p2 = normalize_playlists(
        [
            b.playlist_files(
                "pl0000000000000000000B", "legacy", b.entries(cat, "legacy", list(range(10, 30)))
            )
        ]
    )
    # WHEN combined
    out = combine([p1, p2])
    # THEN every keyed table is unique on its key and has exactly its contract's schema
    for name, frame in out.tables.items():
        table = TABLES[name]
        assert frame.schema == table.schema, name
        if table.key:
            assert frame.select(table.key).is_duplicated().sum() == 0, name
    assert out.tables["tracks"].height == 30


def test_combine_keeps_the_first_batch_copy_of_a_repeated_playlist(cat: syn.Catalog) -> None:
    # GIVEN the same playlist in two batches: 6 entries in one, 7 in the other (positions 0-5
    # in both), told apart by their snapshot
    first = b.playlist_files(PID, "2026", b.entries(cat, "2026", list(range(6))))
    second = b.playlist_files(PID, "2026", b.entries(cat, "2026", list(range(3, 10))))
    p1 = normalize_playlists([first])
    p2 = normalize_playlists([second])
    p1.tables["playlist_items"] = p1.tables["playlist_items"].with_columns(snapshot_id=pl.lit("a"))
    p2.tables["playlist_items"] = p2.tables["playlist_items"].with_columns(snapshot_id=pl.lit("b"))
    # WHEN combined, second batch first in the input
    out = combine([p2, p1])
    # THEN each position appears once, sorted, taken from the batch that came first
    items = out.tables["playlist_items"]
    assert items["position"].to_list() == list(range(7))
    assert items["snapshot_id"].to_list() == ["b"] * 7
    assert out.tables["playlists"].height == 1


def _two_disagreeing_copies(cat: syn.Catalog) -> tuple[PlaylistFiles, PlaylistFiles]:
    """Two playlists holding one track whose copies disagree: the first has the album's day
    (1981-12-25, 9 tracks) and artists A, Z; the second only its year (10 tracks) and Z, A."""
    first, second = b.track(cat, 0, "legacy"), b.track(cat, 0, "legacy")
    first["album"].update(release_date="1981-12-25", release_date_precision="day", total_tracks=9)
    second["album"].update(release_date="1981", release_date_precision="year", total_tracks=10)
    a, z = {**first["artists"][0], "id": "artistA"}, {**first["artists"][0], "id": "artistZ"}
    first["artists"], second["artists"] = [a, z], [z, a]
    one = b.playlist_files(PID, "legacy", [syn.entry(first, "legacy", None, b.ME)])
    two = b.playlist_files(
        "pl0000000000000000000B", "legacy", [syn.entry(second, "legacy", None, b.ME)]
    )
    return one, two


@pytest.mark.parametrize("split", [False, True])
def test_a_repeated_album_and_credit_list_come_whole_from_one_copy(
    cat: syn.Catalog, split: bool
) -> None:
    # GIVEN one track in two playlists whose copies disagree: the album's release date with a
    # day in one and only the year in the other (with a larger total_tracks), and the credits
    # in a different order
    one, two = _two_disagreeing_copies(cat)
    # WHEN normalised together, or in two parts then combined (as shards are)
    if split:
        out = combine([normalize_playlists([two]), normalize_playlists([one])])
    else:
        out = run(one, two)
    # THEN the album row is one copy whole (never a raw `1981-12-25` with precision `year`)
    album = out.tables["albums"].row(0, named=True)
    assert (album["release_date_raw"], album["release_date_precision"], album["total_tracks"]) in (
        ("1981-12-25", "day", 9),
        ("1981", "year", 10),
    )
    day = album["release_date_precision"] == "day"
    assert album["release_date"] == (date(1981, 12, 25) if day else date(1981, 1, 1))
    # AND the credits are one copy's: one artist per position
    credits = out.tables["track_artists"].sort("artist_position")
    assert credits["artist_position"].to_list() == [0, 1]
    assert credits["artist_id"].to_list() in (["artistA", "artistZ"], ["artistZ", "artistA"])


def test_repeated_copies_resolve_by_their_content_whatever_the_order_or_split(
    cat: syn.Catalog,
) -> None:
    # GIVEN one track in two playlists whose copies disagree: the credits' order and the
    # album (a release day and 9 tracks, or only the year and 10 tracks)
    one, two = _two_disagreeing_copies(cat)
    # WHEN normalised in one batch in either order, and in two parts combined in either order
    ways = [
        run(one, two),
        run(two, one),
        combine([normalize_playlists([one]), normalize_playlists([two])]),
        combine([normalize_playlists([two]), normalize_playlists([one])]),
    ]
    # THEN every way keeps the copy the rule prefers: for the credits, as many artists, then the
    # larger list of ids (Z before A); for the album, the larger total_tracks
    for out in ways:
        credits = out.tables["track_artists"].sort("artist_position")
        assert credits["artist_id"].to_list() == ["artistZ", "artistA"]
        album = out.tables["albums"].row(0, named=True)
        assert (album["release_date_precision"], album["total_tracks"]) == ("year", 10)
