"""
### Spotify pipeline

Daily snapshot of Spotify playlists into a queryable lake, on the **local** platform (folders +
DuckDB) or on **AWS** (S3 + Lambda + Glue + Athena), chosen by `SPOTIFY_PIPELINE_PLATFORM`.

`extract` → `plan` → `transform_shard` ×N → `transform` → `crawl` → `check` → `query` → `report`

| task | does | returns (XCom) |
|---|---|---|
| `extract` | lands GET /playlists/{id} and its `/items` pages byte for byte in the raw zone, with `_manifest.json` | raw URI, statuses, API calls |
| `plan`, `transform_shard` | invokes the transform function (polars) once per shard (dynamic task mapping; `SPOTIFY_TRANSFORM_SHARDS`, default 1 = the whole date), at most `SPOTIFY_TRANSFORM_MAX_PARALLEL` at once | counts per shard |
| `transform` | one Parquet file per table per date: the single shard's result, or one more invocation merging the shards | rows and URI per table |
| `crawl` | catalogs the curated zone (Glue crawler / DuckDB views) | tables, partitions, schema changes |
| `check` | data-quality SQL: no NULL or duplicate keys, playlists present; then updates the curated Assets (`spotify_pipeline.curated.*`) | failures (the task fails on any) |
| `query` | the top-artists report in Athena SQL | a 10-row preview |
| `report` | JSON + self-contained HTML page with charts (rows, quarantine, API calls, changes, artists, decades, listening, cost estimate) | where the report is |

Every write targets the partition of the run's logical date, so re-running a date replaces that
date and nothing else. Settings come from the environment (see the README); a bad one fails the
first task with a message naming it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Asset, dag, get_current_context, task

from spotify_etl.assets import SNAPSHOT_TABLES, asset_name, snapshot_extras
from spotify_etl.settings import transform_max_parallel_at_parse

DAG_ID = "spotify_pipeline"
CURATED = {table: Asset(name=asset_name(table)) for table in SNAPSHOT_TABLES}
TRANSFORM_SHARD_DOC = """#### Transform shard
One invocation of the transform function per shard (dynamic task mapping): the whole date when
unsplit, a share of its playlists otherwise (`SPOTIFY_TRANSFORM_SHARDS`).
"""


@dag(
    dag_id=DAG_ID,
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["spotify", "etl", "lake"],
    default_args={
        "owner": "data-eng",
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "retry_exponential_backoff": True,
    },
    doc_md=__doc__,
)
def spotify_pipeline() -> None:
    """The daily Spotify playlist snapshot."""

    @task
    def extract() -> dict[str, Any]:
        """#### Extract
        Playlists from `SPOTIFY_PLAYLISTS` (or all of `me`) into the raw zone of the run's date.
        """
        from spotify_etl import pipeline, settings

        snapshot_date, run_id = pipeline.current_run()
        return pipeline.run_extract(settings.load_in_task(), snapshot_date, run_id)

    @task
    def plan(extracted: dict[str, Any]) -> list[int]:
        """#### Plan
        Shards of the transform (`SPOTIFY_TRANSFORM_SHARDS`); one shard is the whole date.
        """
        from spotify_etl import pipeline, settings

        return pipeline.plan_shards(settings.load_in_task())

    # Never more invocations at once than the function may run (SPOTIFY_TRANSFORM_MAX_PARALLEL):
    # invoke retries are off, so a throttled shard would fail outright.
    @task(doc_md=TRANSFORM_SHARD_DOC, max_active_tis_per_dagrun=transform_max_parallel_at_parse())
    def transform_shard(extracted: dict[str, Any], shard: int) -> dict[str, Any]:
        """One transform invocation (see TRANSFORM_SHARD_DOC)."""
        from spotify_etl import pipeline, settings

        _, run_id = pipeline.current_run()
        return pipeline.run_transform_shard(
            settings.load_in_task(), extracted["snapshot_date"], shard, run_id
        )

    @task
    def transform(extracted: dict[str, Any], shard_results: list[dict[str, Any]]) -> dict[str, Any]:
        """#### Transform
        The date's curated Parquet tables, one file per table: the single invocation's result,
        or one more invocation merging the shards (every dimension unique per partition).
        """
        from spotify_etl import pipeline, settings

        _, run_id = pipeline.current_run()
        config = settings.load_in_task()
        # Index, never iterate, the mapped results: only the single shard's result is needed.
        single = [shard_results[0]] if config.transform_shards == 1 else None
        return pipeline.run_transform(config, extracted["snapshot_date"], run_id, single)

    @task
    def crawl(transformed: dict[str, Any]) -> dict[str, Any]:
        """#### Crawl
        Registers every curated table in the catalog and reports schema changes.
        """
        from spotify_etl import pipeline, settings

        return pipeline.run_crawl(settings.load_in_task())

    @task(outlets=list(CURATED.values()))
    def check(
        extracted: dict[str, Any], transformed: dict[str, Any], crawled: dict[str, Any]
    ) -> dict[str, Any]:
        """#### Check
        Data-quality SQL on the date's partitions (keys, references, rows against the
        manifest); fails listing the offending rows. Once they pass, the curated Assets are
        updated: the catalog knows the new partitions, so what the events trigger can query them.
        """
        from spotify_etl import pipeline, settings

        result = pipeline.run_checks(
            settings.load_in_task(),
            transformed["snapshot_date"],
            extracted.get("playlists_with_metadata"),
        )
        events = get_current_context()["outlet_events"]
        for table, extra in snapshot_extras(transformed).items():  # partition and rows per table
            events[CURATED[table]].extra = extra
        return result

    @task
    def query(checked: dict[str, Any]) -> dict[str, Any]:
        """#### Query
        The top-artists report (Athena SQL) for the date; a 10-row preview goes to XCom.
        """
        from spotify_etl import pipeline, settings

        return pipeline.run_report_query(settings.load_in_task(), checked["snapshot_date"])

    @task
    def report(
        extracted: dict[str, Any],
        transformed: dict[str, Any],
        crawled: dict[str, Any],
        queried: dict[str, Any],
    ) -> dict[str, Any]:
        """#### Report
        The run report: JSON and a self-contained HTML page with charts, in the lake.
        """
        from spotify_etl import pipeline, settings

        run = {"extract": extracted, "transform": transformed, "crawl": crawled}
        return pipeline.run_report(settings.load_in_task(), transformed["snapshot_date"], run)

    # TaskFlow passes XComArgs where the functions declare their resolved values; mypy cannot
    # see through the decorator, hence the ignores on the wiring lines only.
    extracted = extract()
    shard_results = transform_shard.partial(extracted=extracted).expand(shard=plan(extracted))  # type: ignore[arg-type]
    transformed = transform(extracted, shard_results)  # type: ignore[arg-type]
    crawled = crawl(transformed)  # type: ignore[arg-type]
    queried = query(check(extracted, transformed, crawled))  # type: ignore[arg-type]
    report(extracted, transformed, crawled, queried)  # type: ignore[arg-type]


spotify_pipeline()
