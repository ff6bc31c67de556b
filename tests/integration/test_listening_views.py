"""The `listening` view and the views on it: every listen once, whatever its source, and the
figures a listener asks for (minutes, counted plays, tops by year, skips, first listens)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from spotify_etl.platforms.local import LocalPlatform
from spotify_transform.rawzone.layout import curated_file
from spotify_transform.schemas import TABLES

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def stream(track: str, ended: datetime, ms: int, **fields: Any) -> dict[str, Any]:
    return {
        "ended_at": ended, "ms_played": ms, "content_type": "track", "track_id": track,
        "track_name": f"Song {track}", "artist_name": fields.pop("artist", f"Artist {track}"),
        "album_name": "Album", "source": "extended", "source_file": "endsong_0.json",
        "played_date": ended.date().isoformat(), "skipped": ms < 30_000,
        "reason_end": "fwdbtn" if ms < 30_000 else "trackdone", **fields,
    }  # fmt: skip


def play(track: str, at: datetime, duration: int = 200_000) -> dict[str, Any]:
    return {
        "played_at": at, "track_id": track, "track_name": f"Song {track}",
        "artist_names": [f"Artist {track}"], "duration_ms": duration,
    }  # fmt: skip


def _write(root: Path, table: str, part: str, rows: list[dict[str, Any]]) -> None:
    spec = TABLES[table]
    frame = pl.DataFrame(rows, schema=spec.schema) if rows else spec.empty()
    path = Path(curated_file(str(root / "curated"), table, part))
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    frame.write_parquet(buf)
    path.write_bytes(buf.getvalue())


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> LocalPlatform:
    root = tmp_path_factory.mktemp("listening")
    _write(root, "streams", "2025-03", [
        stream("a", T0, 200_000),
        stream("b", T0 + timedelta(hours=1), 200_000),
        stream("c", T0 + timedelta(hours=2), 10_000),  # skipped, not counted
        stream("a", T0 + timedelta(days=1), 180_000),
        stream("d", datetime(2025, 3, 31, 23, 59, tzinfo=UTC), 60_000, artist="Artist a"),
    ])  # fmt: skip
    _write(
        root,
        "streams",
        "2024-12",
        [stream("e", datetime(2024, 12, 31, 23, 0, tzinfo=UTC), 120_000)],
    )
    _write(root, "plays", "2025-03-01", [
        play("a", T0 + timedelta(seconds=89)),  # the stream of a, 89 s before: the same listen
        play("b", T0 + timedelta(hours=1, seconds=91)),  # 91 s: another listen
        play("z", T0 + timedelta(hours=3)),  # a play no stream holds
    ])  # fmt: skip
    platform = LocalPlatform(root)
    platform.crawl()
    return platform


def rows(platform: LocalPlatform, sql: str) -> list[list[Any]]:
    return [list(r) for r in platform.query(sql, max_rows=1000)["rows"]]


def test_an_api_play_within_90_seconds_of_its_stream_is_that_stream(lake: LocalPlatform) -> None:
    got = rows(lake, "SELECT track_id, source FROM listening ORDER BY played_at, source")
    assert got == [
        ["e", "extended"],
        ["a", "extended"],  # the API play 89 s later is the same listen: once, as the stream
        ["b", "extended"],
        ["b", "api"],  # 91 s later: not the same listen
        ["c", "extended"],
        ["z", "api"],
        ["a", "extended"],
        ["d", "extended"],
    ]


def test_a_listen_counts_from_30_seconds_and_an_api_play_lasts_its_track(
    lake: LocalPlatform,
) -> None:
    got = rows(
        lake,
        "SELECT track_id, ms_played, counted FROM listening WHERE played_date = '2025-03-01' ORDER BY played_at, source",
    )
    assert got == [
        ["a", 200000, True], ["b", 200000, True], ["b", 200000, True], ["c", 10000, False],
        ["z", 200000, True],
    ]  # fmt: skip


def test_minutes_and_counted_plays_per_day_month_and_year(lake: LocalPlatform) -> None:
    got = rows(
        lake,
        "SELECT period, starts, minutes, plays, streams, skipped FROM listening_periods ORDER BY period, starts",
    )
    assert got == [
        ["day", "2024-12-31", 2.0, 1, 1, 0],
        ["day", "2025-03-01", 13.5, 4, 5, 1],
        ["day", "2025-03-02", 3.0, 1, 1, 0],
        ["day", "2025-03-31", 1.0, 1, 1, 0],
        ["month", "2024-12", 2.0, 1, 1, 0],
        ["month", "2025-03", 17.5, 6, 7, 1],
        ["year", "2024", 2.0, 1, 1, 0],
        ["year", "2025", 17.5, 6, 7, 1],
    ]


def test_top_tracks_and_artists_per_year_by_minutes(lake: LocalPlatform) -> None:
    tracks = rows(
        lake,
        "SELECT year, rank, track_id, minutes, plays FROM top_tracks_by_year WHERE rank <= 2 ORDER BY year, rank",
    )
    # (b: its stream and its API play 91 s later; a: two streams, its API play being one of them)
    assert tracks == [["2024", 1, "e", 2.0, 1], ["2025", 1, "b", 6.7, 2], ["2025", 2, "a", 6.3, 2]]
    artists = rows(
        lake,
        "SELECT year, rank, artist_name, minutes, tracks FROM top_artists_by_year WHERE year = '2025' ORDER BY rank",
    )
    assert artists[0] == ["2025", 1, "Artist a", 7.3, 2]  # a's two listens and d, credited to a


def test_skip_rate_and_first_listens(lake: LocalPlatform) -> None:
    assert rows(lake, "SELECT month, streams, skipped FROM skip_rate ORDER BY month") == [
        ["2024-12", 1, 0],
        ["2025-03", 5, 1],  # API plays do not say how they ended
    ]
    first = rows(
        lake,
        "SELECT artist_name, first_track_name FROM artist_first_listens WHERE artist_name IN ('Artist a', 'Artist c') ORDER BY 1",
    )
    assert first == [["Artist a", "Song a"]]  # c was only ever skipped: never counted
