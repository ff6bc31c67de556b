"""The whole DAG, end to end, on the local platform: `spotify-pipeline run` as a user runs it."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_DATE
from tests.conftest import run_cli as _run

DATE = "2026-11-20"


def _curated_digests(home: Path) -> dict[str, str]:
    """Every curated table file (not the transform's own `_state` and `_derived` files)."""
    root = home / "curated"
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.relative_to(root).parts[0].startswith("_")
    }


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    home = tmp_path_factory.mktemp("lake")
    return home, _run(home, "run", "--date", DATE)


def test_run_completes_and_prints_summary(
    lake: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    # GIVEN a run of the whole DAG on the sample (module fixture)
    home, result = lake
    # THEN it succeeded and printed tables, quarantine, lake and the report query's result
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert f"spotify_pipeline {DATE}: success" in out
    assert (
        "transform: 335 entries (1 episode, 1 local, 332 track, 1 unavailable), 0 quarantined"
        in out
    )
    assert "  playlist_items      335 rows" in out
    assert f"lake: {home}" in out
    assert "report reports/top_artists.sql:" in out and "artist" in out
    assert (home / "catalog.duckdb").is_file()
    report = home / "reports" / f"snapshot_date={DATE}" / "report.html"
    assert f"report: {report}" in out and report.is_file()


def test_run_again_for_same_date_leaves_same_curated_data(
    lake: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    # GIVEN a completed run
    home, first = lake
    assert first.returncode == 0
    before = _curated_digests(home)
    # WHEN the same date runs again
    again = _run(home, "run", "--date", DATE)
    # THEN it succeeds and every curated file is byte-identical (no duplicates, nothing added)
    assert again.returncode == 0, again.stdout + again.stderr
    assert _curated_digests(home) == before


def test_query_after_run_answers_from_catalog(
    lake: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    home, first = lake
    assert first.returncode == 0
    result = _run(home, "query", "SELECT count(*) AS n FROM tracks")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[2].strip() == "195"


def test_run_with_failing_task_exits_non_zero_naming_it(tmp_path: Path) -> None:
    # GIVEN a lake that holds a listener's real data (its source marker says spotify)
    marker = tmp_path / "raw" / "spotify" / "_source.json"
    marker.parent.mkdir(parents=True)
    marker.write_text('{"source": "spotify", "claimed_at": "2026-11-01T00:00:00+00:00"}')
    # WHEN the DAG runs on the sample there
    result = _run(tmp_path, "run", "--date", DATE, SPOTIFY_PIPELINE_SOURCE="sample")
    # THEN the extract refuses, and the run says so on stderr, naming the failed task and the
    # ones not run, and ending with the cause
    assert result.returncode == 1
    assert "failed task(s): extract" in result.stderr
    assert "not run:" in result.stderr and "report" in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: task extract failed: ") and "holds your Spotify data" in last
    assert "Traceback" not in result.stdout + result.stderr


def test_run_with_bad_setting_stops_before_airflow(tmp_path: Path) -> None:
    result = _run(tmp_path, "run", SPOTIFY_PIPELINE_PLATFORM="moon")
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "error: SPOTIFY_PIPELINE_PLATFORM='moon' is not allowed; use one of: local, aws"
    )
    assert not (tmp_path / ".airflow").exists()


def test_run_with_live_source_extracts_through_the_dag(tmp_path: Path) -> None:
    # GIVEN a stub Spotify on 127.0.0.1, its credentials only in the lake folder's .env (as the
    # README says to keep them; the command runs from that folder)
    from datetime import UTC, datetime

    from tests.stub_spotify import StubSpotify

    today = datetime.now(UTC).date().isoformat()
    with StubSpotify() as stub:
        dotenv = "".join(f"{k}={v}\n" for k, v in stub.env().items() if "SOURCE" not in k)
        (tmp_path / ".env").write_text(dotenv)
        # WHEN the whole DAG runs with the live source
        result = _run(tmp_path, "run", "--date", today, "--source", "spotify")
        requests = list(stub.state.requests)
    # THEN it succeeds, having called the API as the extractor should
    assert result.returncode == 0, result.stdout + result.stderr
    assert "transform: 335 entries (" in result.stdout and "), 0 quarantined" in result.stdout
    # /me/playlists, /me, 5 playlists, 8 pages; the library: 3 pages of Liked Songs, 1 of saved
    # albums, 6 top lists
    assert len(requests) == 15 + 10
    assert "stub-secret" not in result.stdout + result.stderr


def test_listening_history_dag_runs_and_reruns_without_duplicates(tmp_path: Path) -> None:
    # GIVEN the sample's week of plays, ending on the run's date (no SPOTIFY_SAMPLE_ANCHOR)
    # WHEN the hourly DAG runs twice for the same day
    first = _run(tmp_path, "run", "--dag", "spotify_listening_history", "--date", "2026-11-24")
    before = _curated_digests(tmp_path)
    second = _run(tmp_path, "run", "--dag", "spotify_listening_history", "--date", "2026-11-24")
    # THEN the plays land in their played_date partitions once, and the re-run changes nothing
    assert first.returncode == 0, first.stdout + first.stderr
    # (Spotify answers the 50 newest: all 19 of that day and 31 of the day before's 38)
    assert "extract: 50 plays fetched" in first.stdout
    assert "plays played_date=2026-11-23      31 rows" in first.stdout
    assert "plays played_date=2026-11-24      19 rows" in first.stdout
    assert second.returncode == 0, second.stdout + second.stderr
    assert "extract: 0 plays fetched" in second.stdout
    assert _curated_digests(tmp_path) == before


def test_run_split_into_shards_gives_the_same_tables(
    lake: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    # GIVEN the unsplit run of the module fixture
    import polars as pl
    from polars.testing import assert_frame_equal

    home, first = lake
    assert first.returncode == 0
    # WHEN the same date runs with the transform split into 3 shards (dynamic task mapping)
    result = _run(tmp_path, "run", "--date", DATE, SPOTIFY_TRANSFORM_SHARDS="3")
    # THEN it succeeds and every table has the same rows
    assert result.returncode == 0, result.stdout + result.stderr
    for table in ("playlists", "playlist_items", "tracks", "albums", "artists", "track_artists"):
        part = f"curated/{table}/snapshot_date={DATE}/part-00000.parquet"
        assert_frame_equal(pl.read_parquet(home / part), pl.read_parquet(tmp_path / part))


def test_report_refresh_dag_rewrites_the_report(
    lake: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    # GIVEN a lake with the date's tables (module fixture) and its report removed
    home, first = lake
    assert first.returncode == 0
    report = home / "reports" / f"snapshot_date={DATE}" / "report.html"
    report.unlink()
    # WHEN the refresh DAG runs for that date (as the Asset schedule would start it)
    result = _run(home, "run", "--dag", "spotify_report_refresh", "--date", DATE)
    # THEN the report is back
    assert result.returncode == 0, result.stdout + result.stderr
    assert report.is_file() and f"report: {report}" in result.stdout


def test_run_without_a_date_builds_the_samples_week(
    sample_week: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    # GIVEN `spotify-pipeline run` with no --date (session fixture; the week ends on SAMPLE_DATE)
    from spotify_etl.platforms.local import LocalPlatform

    home, result = sample_week
    # THEN it ran both DAGs for each of the seven days and ends with the report's path
    assert result.returncode == 0, result.stdout + result.stderr
    days = [f"2026-11-{d}" for d in range(18, 25)]
    lines = [line for line in result.stderr.splitlines() if line[:10] in days]
    assert [line[:10] for line in lines] == days
    assert "2026-11-18: 34 plays fetched · 6 playlists (ok 5, skipped 1)" in lines[0]
    report = home / "reports" / f"snapshot_date={SAMPLE_DATE}" / "report.html"
    assert result.stdout.strip().splitlines()[-1] == f"report: {report}"
    assert (home / ".sample_anchor").read_text().strip() == SAMPLE_DATE  # for later --date runs

    # AND the lake holds the week: seven snapshots, every play, and the week's changes
    def q(sql: str) -> list[list[object]]:
        return [list(r) for r in LocalPlatform(home).query(sql, max_rows=100)["rows"]]

    assert q("SELECT count(DISTINCT snapshot_date) FROM playlists") == [[7]]
    assert q("SELECT count(*), count(DISTINCT played_date) FROM plays") == [[220, 7]]
    changes = q(
        "SELECT snapshot_date, change, count(*) FROM playlist_changes GROUP BY 1, 2 ORDER BY 1, 2"
    )
    assert changes == [
        ["2026-11-19", "added", 3],  # a friend adds three to the collaborative playlist
        ["2026-11-20", "added", 5],
        ["2026-11-21", "removed", 4],
        ["2026-11-22", "added", 4],
        ["2026-11-22", "removed", 24],  # Gym Warm-Up emptied
        ["2026-11-23", "removed", 3],
        ["2026-11-24", "added", 5],
    ]
    names = q(
        "SELECT snapshot_date, name, public FROM playlists WHERE playlist_id IN "
        "('0vvXsWCC9xrXsKd4FyS8kM', '1h0CEZCm6IbFTbxThn6Xcs') AND snapshot_date IN "
        "('2026-11-21', '2026-11-22', '2026-11-23') ORDER BY 1, 2"
    )
    assert names == [
        ["2026-11-21", "Road Trip 🚗", True],
        ["2026-11-21", "أغاني عربية للمساء", True],
        ["2026-11-22", "Road Trip 2019 🚗", True],
        ["2026-11-22", "أغاني عربية للمساء", True],
        ["2026-11-23", "Road Trip 2019 🚗", True],
        ["2026-11-23", "أغاني عربية للمساء", False],  # made private
    ]
