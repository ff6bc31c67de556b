"""The local platform for real: the handler in-process, DuckDB catalog views, Athena SQL."""

from __future__ import annotations

import subprocess
from pathlib import Path

import polars as pl
import pytest

from spotify_etl.platforms.base import PlatformError
from spotify_etl.platforms.local import LocalPlatform
from spotify_transform.schemas import TABLES
from tests.conftest import SAMPLE_DATE


@pytest.fixture
def platform(tmp_path: Path, raw_root: str) -> LocalPlatform:
    """A local platform whose raw zone holds the sample, transformed and crawled."""
    p = LocalPlatform(tmp_path)
    assert p.raw_root == raw_root
    p.invoke_transform(
        {"snapshot_date": SAMPLE_DATE, "raw_root": p.raw_root, "curated_root": p.curated_root}
    )
    return p


def test_crawl_registers_every_table_and_reports_creation(platform: LocalPlatform) -> None:
    # WHEN the curated zone is crawled the first time
    report = platform.crawl()
    # THEN every contract table is a view; new tables are reported; plays has no partition yet
    assert set(report["tables"]) == set(TABLES)
    assert report["tables"]["tracks"] == {
        "partitions": 1,
        "columns": len(TABLES["tracks"].columns) + 1,
    }
    assert report["tables"]["plays"]["partitions"] == 0
    assert {c["table"] for c in report["schema_changes"]} == set(TABLES)


def test_crawl_again_reports_no_change_then_a_new_column(platform: LocalPlatform) -> None:
    # GIVEN a crawled catalog
    platform.crawl()
    assert platform.crawl()["schema_changes"] == []
    # WHEN a new partition carries an extra column
    path = (
        Path(platform.curated_root) / "albums" / "snapshot_date=2026-11-25" / "part-00000.parquet"
    )
    path.parent.mkdir(parents=True)
    TABLES["albums"].empty().with_columns(pl.lit("x").alias("copyright")).write_parquet(path)
    report = platform.crawl()
    # THEN the change is reported
    assert report["schema_changes"] == [
        {"table": "albums", "added": ["copyright"], "removed": [], "retyped": []}
    ]


def test_query_runs_athena_sql_on_the_catalog(platform: LocalPlatform) -> None:
    # GIVEN a crawled catalog
    platform.crawl()
    # WHEN Athena SQL with Trino functions runs
    result = platform.query(
        "SELECT snapshot_date, count(*) AS n, approx_distinct(track_id) AS t FROM playlist_items "
        f"WHERE snapshot_date = '{SAMPLE_DATE}' GROUP BY snapshot_date"
    )
    # THEN DuckDB answers, and the full result is kept as CSV
    assert result["columns"] == ["snapshot_date", "n", "t"]
    assert result["rows"][0][:2] == [SAMPLE_DATE, 335]  # every position, whatever it holds
    assert Path(result["output_location"]).read_text().startswith("snapshot_date,n,t")


def test_query_empty_table_has_contract_columns(platform: LocalPlatform) -> None:
    platform.crawl()
    result = platform.query("SELECT * FROM plays")
    assert result["row_count"] == 0
    assert result["columns"] == [*TABLES["plays"].schema.names(), "played_date"]


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELEC 1", "query failed|does not parse"),
        ("SELECT * FROM nowhere", "query failed"),
        ("", "no SQL statement"),
    ],
)
def test_query_errors_are_platform_errors(platform: LocalPlatform, sql: str, message: str) -> None:
    platform.crawl()
    with pytest.raises(PlatformError, match=message):
        platform.query(sql)


def test_query_before_any_crawl_says_so(tmp_path: Path) -> None:
    with pytest.raises(PlatformError, match="run the pipeline"):
        LocalPlatform(tmp_path / "empty").query("SELECT 1")


def _crawl_repeatedly(home: str, rounds: int) -> list[str]:
    """A writer process: crawl `rounds` times; the errors it met."""
    errors = []
    for _ in range(rounds):
        try:
            LocalPlatform(Path(home)).crawl()
        except Exception as exc:
            errors.append(f"crawl: {exc}")
    return errors


def _query_repeatedly(home: str, rounds: int) -> list[str]:
    """A reader process: query the catalog `rounds` times; the errors it met."""
    errors = []
    for _ in range(rounds):
        try:
            result = LocalPlatform(Path(home)).query("SELECT count(*) AS n FROM playlist_items")
            if result["rows"][0][0] <= 0:
                errors.append(f"query: no rows ({result['rows']})")
        except Exception as exc:
            errors.append(f"query: {exc}")
    return errors


def test_catalog_takes_concurrent_writers_and_readers_without_a_lock_error(
    platform: LocalPlatform,
) -> None:
    # GIVEN a crawled catalog, and two DAGs' worth of processes, as LocalExecutor runs them:
    # two crawling (one per DAG) and three querying (checks, reports), all at once
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    platform.crawl()
    home = str(platform.home)
    ctx = multiprocessing.get_context("spawn")
    # WHEN they interleave for a bounded number of rounds
    with ProcessPoolExecutor(max_workers=5, mp_context=ctx) as pool:
        writers = [pool.submit(_crawl_repeatedly, home, 12) for _ in range(2)]
        readers = [pool.submit(_query_repeatedly, home, 40) for _ in range(3)]
        errors = [e for f in [*writers, *readers] for e in f.result(timeout=300)]
    # THEN no process ever met a lock (or any other) error, and no working copy is left behind
    assert errors == []
    assert sorted(p.name for p in platform.home.glob("*catalog*")) == [
        "catalog.duckdb",
        "catalog.duckdb.lock",
    ]


def test_catalog_writer_gives_up_after_its_timeout_naming_the_lock(tmp_path: Path) -> None:
    # GIVEN a writer holding the catalog
    from spotify_etl.platforms.local import catalog_writer

    catalog = tmp_path / "catalog.duckdb"
    # WHEN a second writer waits longer than its timeout
    with catalog_writer(catalog), pytest.raises(PlatformError) as err:  # noqa: SIM117
        with catalog_writer(catalog, timeout_s=0.2):
            pass
    # THEN it fails naming the catalog and the lock, and the first writer's work stands
    assert "being rebuilt by another task" in str(err.value)
    assert "catalog.duckdb.lock" in str(err.value)


def test_hours_and_weekdays_are_utc_whatever_the_machines_time_zone(
    sample_week: tuple[Path, subprocess.CompletedProcess[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the sample's week of plays, and a machine in Los Angeles
    import time

    home, _ = sample_week
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    try:
        # WHEN the heatmap's hour and weekday of the week's first play are asked
        row = LocalPlatform(home).query(
            "SELECT CAST(played_at AS varchar), hour(played_at), day_of_week(played_at) "
            "FROM plays ORDER BY played_at LIMIT 1"
        )["rows"][0]
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    # THEN they are those of UTC, as on Athena (2026-11-18 is a Wednesday)
    assert str(row[0]).startswith("2026-11-18 07:")
    assert row[1:] == [7, 3]
