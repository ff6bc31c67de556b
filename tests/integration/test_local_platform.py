"""The local platform for real: the handler in-process, DuckDB catalog views, Athena SQL."""

from __future__ import annotations

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
    assert result["rows"][0][:2] == [SAMPLE_DATE, 332]
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
