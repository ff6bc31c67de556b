"""The analytics views (Athena SQL, transpiled for DuckDB) on fixture Parquet: exact rows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from spotify_etl.platforms.local import LocalPlatform
from spotify_transform.schemas import TABLES

D1, D2 = "2026-11-01", "2026-11-02"


def _write(root: Path, table: str, part: str, rows: list[dict[str, Any]]) -> None:
    schema = TABLES[table].schema
    frame = pl.DataFrame([{c: r.get(c) for c in schema} for r in rows], schema=schema)
    folder = root / "curated" / table / f"{TABLES[table].partition}={part}"
    folder.mkdir(parents=True)
    frame.write_parquet(folder / "part-00000.parquet")


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> LocalPlatform:
    """Two snapshots: playlist A changes (t2 removed, t3 added); B shares t1 and t3 with A on D2;
    C is hidden on D2 (metadata only) and must not look emptied; plays on two days."""
    root = tmp_path_factory.mktemp("lake")
    for day, a_tracks, c_visible in ((D1, ["t1", "t2"], True), (D2, ["t1", "t3", "t1"], False)):
        _write(root, "playlists", day, [
            {"playlist_id": "A", "name": "Alpha", "items_accessible": True},
            {"playlist_id": "B", "name": "Beta", "items_accessible": True},
            {"playlist_id": "C", "name": "Gamma", "items_accessible": c_visible},
            {"playlist_id": "E", "name": "Emptied", "items_accessible": True},
        ])  # fmt: skip
        items = [{"playlist_id": "A", "position": i, "track_id": t} for i, t in enumerate(a_tracks)]
        items += [
            {"playlist_id": "B", "position": i, "track_id": t}
            for i, t in enumerate(["t3", "t1"] if day == D2 else ["t1"])
        ]
        if c_visible:
            items += [{"playlist_id": "C", "position": 0, "track_id": "t2"}]
        if day == D1:  # E holds t2 on D1 and is emptied on D2
            items += [{"playlist_id": "E", "position": 0, "track_id": "t2"}]
        _write(root, "playlist_items", day, items)
        _write(root, "tracks", day, [
            {"track_id": "t1", "name": "One", "album_id": "al1"},
            {"track_id": "t2", "name": "Two", "album_id": "al2"},
            {"track_id": "t3", "name": "Three", "album_id": "al1"},
        ])  # fmt: skip
        _write(root, "albums", day, [
            {"album_id": "al1", "name": "First", "release_date": date(1997, 1, 1)},
            {"album_id": "al2", "name": "Second", "release_date": date(2003, 5, 1)},
        ])  # fmt: skip
        _write(
            root,
            "artists",
            day,
            [{"artist_id": "x", "name": "Xeno"}, {"artist_id": "y", "name": "Yara"}],
        )
        _write(root, "track_artists", day, [
            {"track_id": "t1", "artist_id": "x", "artist_position": 0},
            {"track_id": "t1", "artist_id": "y", "artist_position": 1},
            {"track_id": "t2", "artist_id": "y", "artist_position": 0},
            {"track_id": "t3", "artist_id": "x", "artist_position": 0},
        ])  # fmt: skip

    def stamp(hour: int) -> datetime:
        return datetime(2026, 11, 2, hour, tzinfo=UTC)

    _write(root, "plays", D2, [
        {"played_at": stamp(8), "track_id": "t1", "track_name": "One",
         "artist_ids": ["x", "y"], "artist_names": ["Xeno", "Yara"], "duration_ms": 200_000},
        {"played_at": stamp(9), "track_id": "t3", "track_name": "Three",
         "artist_ids": ["x"], "artist_names": ["Xeno"], "duration_ms": 20_000},
        # a track in no extracted playlist: the play itself names its artist
        {"played_at": stamp(10), "track_id": "zz", "track_name": "Zzz",
         "artist_ids": ["z"], "artist_names": ["Zed"], "duration_ms": 180_000},
    ])  # fmt: skip
    platform = LocalPlatform(root)
    platform.crawl()
    return platform


def rows(platform: LocalPlatform, sql: str) -> list[list[Any]]:
    return [list(r) for r in platform.query(sql, max_rows=1000)["rows"]]


def test_playlist_tracks_current_shows_each_playlists_latest_readable_snapshot(
    lake: LocalPlatform,
) -> None:
    got = rows(
        lake,
        "SELECT snapshot_date, playlist_id, position, track_name, album_name, artists FROM playlist_tracks_current ORDER BY playlist_id, position",
    )
    assert got == [
        [D2, "A", 0, "One", "First", "Xeno, Yara"],
        [D2, "A", 1, "Three", "First", "Xeno"],
        [D2, "A", 2, "One", "First", "Xeno, Yara"],
        [D2, "B", 0, "Three", "First", "Xeno"],
        [D2, "B", 1, "One", "First", "Xeno, Yara"],
        [D1, "C", 0, "Two", "Second", "Yara"],  # hidden on D2: its last readable state
    ]


def test_playlist_changes_lists_adds_and_removes_between_snapshots(lake: LocalPlatform) -> None:
    got = rows(
        lake,
        "SELECT playlist_id, snapshot_date, previous_date, track_id, change FROM playlist_changes ORDER BY 1, 5, 4",
    )
    assert got == [
        ["A", D2, D1, "t3", "added"],
        ["A", D2, D1, "t2", "removed"],
        ["B", D2, D1, "t3", "added"],
        ["E", D2, D1, "t2", "removed"],  # emptied: its removal is reported
    ]  # C, hidden on D2, is not reported as emptied


def test_artist_leaderboard_counts_tracks_playlists_and_entries(lake: LocalPlatform) -> None:
    got = rows(
        lake,
        f"SELECT artist_name, tracks, playlists, entries FROM artist_leaderboard WHERE snapshot_date = '{D2}' ORDER BY artist_name",
    )
    assert got == [["Xeno", 2, 2, 5], ["Yara", 1, 2, 3]]


def test_release_years_by_year_and_decade(lake: LocalPlatform) -> None:
    got = rows(
        lake,
        f"SELECT playlist_id, release_year, decade, entries FROM release_years WHERE snapshot_date = '{D1}' ORDER BY 1, 2",
    )
    assert got == [
        ["A", 1997, 1990, 1],
        ["A", 2003, 2000, 1],
        ["B", 1997, 1990, 1],
        ["C", 2003, 2000, 1],
        ["E", 2003, 2000, 1],
    ]


def test_playlist_overlap_counts_shared_tracks_per_pair(lake: LocalPlatform) -> None:
    got = rows(
        lake,
        "SELECT snapshot_date, playlist_a, playlist_b, shared_tracks FROM playlist_overlap ORDER BY 1, 2, 3",
    )
    assert got == [
        [D1, "A", "B", 1],
        [D1, "A", "C", 1],
        [D1, "A", "E", 1],
        [D1, "C", "E", 1],
        [D2, "A", "B", 2],
    ]


def test_listening_daily_counts_listens_per_artist(lake: LocalPlatform) -> None:
    got = rows(
        lake,
        "SELECT played_date, artist_name, minutes, plays, streams FROM listening_daily ORDER BY artist_name NULLS LAST",
    )
    # a listen counts once, for the artist the play names first (never a NULL artist); it
    # counts as played from 30 s on, as Spotify counts streams
    assert got == [[D2, "Xeno", 3.7, 1, 2], [D2, "Zed", 3.0, 1, 1]]


D3 = "2026-11-03"


@pytest.fixture(scope="module")
def library_lake(tmp_path_factory: pytest.TempPathFactory) -> LocalPlatform:
    """Liked Songs and top lists on three dates; the middle one's library was not read whole
    (its tables are empty partitions, as the transform writes them)."""
    root = tmp_path_factory.mktemp("library")
    liked: dict[str, list[str]] = {D1: ["a", "b", "c"], D2: [], D3: ["d", "a", "c"]}
    top_tracks: dict[str, list[str | None]] = {
        D1: ["x", "y", "z"],
        D2: [],
        D3: ["y", "x", "w", None],
    }
    for day in (D1, D2, D3):
        _write(root, "saved_tracks", day, [
            {"track_id": t, "position": i, "added_at": datetime(2026, 10, 30 - i, tzinfo=UTC)}
            for i, t in enumerate(liked[day])
        ])  # fmt: skip
        top = [{"kind": "tracks", "time_range": "short_term", "rank": i + 1, "item_id": t,
                "name": t and t.upper()} for i, t in enumerate(top_tracks[day])]  # fmt: skip
        if day != D2:  # an artists list that does not move
            top.append({"kind": "artists", "time_range": "long_term", "rank": 1, "item_id": "p"})
        _write(root, "top_items", day, top)
        present = liked[day] + [t for t in top_tracks[day] if t]
        _write(
            root, "tracks", day, [{"track_id": t, "name": t.upper()} for t in sorted(set(present))]
        )
        _write(root, "artists", day, [{"artist_id": "p", "name": "Pia"}])
        _write(root, "track_artists", day, [
            {"track_id": t, "artist_id": "p", "artist_position": 0} for t in sorted(set(present))
        ])  # fmt: skip
    platform = LocalPlatform(root)
    platform.crawl()
    return platform


def test_liked_songs_daily_lists_likes_and_unlikes_since_the_last_read_library(
    library_lake: LocalPlatform,
) -> None:
    got = rows(
        library_lake,
        "SELECT snapshot_date, previous_date, change, track_id, track_name, artists FROM liked_songs_daily ORDER BY 1, 3, 4",
    )
    # D2's library was not read whole: D3 is compared with D1, and nothing reads as unliked
    # on D2; the first date has nothing to compare with
    assert got == [
        [D3, D1, "liked", "d", "D", "Pia"],
        [D3, D1, "unliked", "b", "B", "Pia"],  # named as it was on D1
    ]


def test_top_items_moves_gives_each_items_move_since_the_previous_list(
    library_lake: LocalPlatform,
) -> None:
    got = rows(
        library_lake,
        "SELECT snapshot_date, kind, time_range, rank, item_id, previous_date, previous_rank, move FROM top_items_moves ORDER BY 1, 2, 4",
    )
    assert got == [
        [D1, "artists", "long_term", 1, "p", None, None, None],  # a list's first snapshot
        [D1, "tracks", "short_term", 1, "x", None, None, None],
        [D1, "tracks", "short_term", 2, "y", None, None, None],
        [D1, "tracks", "short_term", 3, "z", None, None, None],
        [D3, "artists", "long_term", 1, "p", D1, 1, "same"],
        [D3, "tracks", "short_term", 1, "y", D1, 2, "up 1"],
        [D3, "tracks", "short_term", 2, "x", D1, 1, "down 1"],
        [D3, "tracks", "short_term", 3, "w", D1, None, "new"],
        [D3, "tracks", "short_term", 4, None, D1, None, None],  # an item without an id
    ]
