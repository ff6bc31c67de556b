"""
### Spotify pipeline

Daily snapshot of Spotify playlists into a queryable lake, on the **local** platform (folders +
DuckDB) or on **AWS** (S3 + Lambda + Glue + Athena), chosen by `SPOTIFY_PIPELINE_PLATFORM`.

`extract` → `plan` → `transform` ×N → `merge` → `crawl` → `check` → `query` → `report`

| task | does | returns (XCom) |
|---|---|---|
| `extract` | lands GET /playlists/{id} and its `/items` pages byte for byte in the raw zone, with `_manifest.json` | raw URI, statuses, API calls |
| `plan` | deals the shards (`SPOTIFY_TRANSFORM_SHARDS`, default 1 = the whole date) into at most `SPOTIFY_TRANSFORM_MAX_PARALLEL` lanes | the lanes |
| `transform` | one mapped task per lane: invokes the transform function (polars) for each of its shards, one after another | counts per shard |
| `merge` | one Parquet file per table per date: with one shard nothing to merge (its result is passed on), else one more invocation merging the shards | rows and URI per table |
| `crawl` | catalogs the curated zone (Glue crawler / DuckDB views) | tables, partitions, schema changes |
| `check` | data-quality SQL: no NULL or duplicate keys, playlists present, saved tracks and albums as many as the manifest says; then updates the curated Assets (`spotify_pipeline.curated.*`) | failures (the task fails on any) |
| `query` | the top-artists report in Athena SQL | a 10-row preview |
| `report` | the listener's pages, JSON + self-contained HTML with charts: the week, each year, all time, an index | where the week's page is |

Every write targets the partition of the run's logical date, so re-running a date replaces that
date and nothing else. Settings come from the environment (see docs/configuration.md); a bad
one fails the first task with a message naming it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Asset, dag, get_current_context, task

from spotify_etl.assets import asset_name, snapshot_extras
from spotify_transform.tables import SNAPSHOT_TABLES

DAG_ID = "spotify_pipeline"
CURATED = {table: Asset(name=asset_name(table)) for table in SNAPSHOT_TABLES}
TRANSFORM_DOC = """#### Transform
One mapped task per lane: an invocation of the transform function (polars) per shard of the
lane, one after another (the whole date when unsplit).
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
        from spotify_etl.pipeline import context, snapshot

        return snapshot.extract(context.in_task())

    @task
    def plan() -> list[list[int]]:
        """#### Plan
        The transform's lanes: the shards dealt into at most `SPOTIFY_TRANSFORM_MAX_PARALLEL`
        lanes, so no more invocations than that run at once (invoke retries are off: a
        throttled invocation would fail outright).
        """
        from spotify_etl.pipeline import context, snapshot

        return snapshot.plan(context.in_task().settings)

    @task(doc_md=TRANSFORM_DOC)  # a mapped task does not take its docstring as doc_md
    def transform(lane: list[int]) -> list[dict[str, Any]]:
        """One lane of the transform (see TRANSFORM_DOC)."""
        from spotify_etl.pipeline import context, snapshot

        return snapshot.transform(context.in_task(), lane)

    @task
    def merge(lanes: list[list[dict[str, Any]]]) -> dict[str, Any]:
        """#### Merge
        The date's curated Parquet tables, one file per table: with one shard nothing to merge
        (its invocation wrote them; its result is passed on), else one more invocation merging
        the shards (every dimension unique per partition).
        """
        from spotify_etl.pipeline import context, snapshot

        return snapshot.merge(context.in_task(), lanes)

    @task
    def crawl(merged: dict[str, Any]) -> dict[str, Any]:
        """#### Crawl
        Registers every curated table in the catalog and reports schema changes.
        """
        from spotify_etl.pipeline import context, snapshot

        return snapshot.crawl(context.in_task())

    @task(outlets=list(CURATED.values()))
    def check(
        extracted: dict[str, Any], merged: dict[str, Any], crawled: dict[str, Any]
    ) -> dict[str, Any]:
        """#### Check
        Data-quality SQL on the date's partitions (keys, references, rows against the
        manifest); fails listing the offending rows. Once they pass, the curated Assets are
        updated: the catalog knows the new partitions, so what the events trigger can query them.
        """
        from spotify_etl.pipeline import context, snapshot

        result = snapshot.check(
            context.in_task(),
            extracted.get("playlists_with_metadata"),
            extracted.get("library_totals"),
        )
        events = get_current_context()["outlet_events"]
        for table, extra in snapshot_extras(merged).items():  # partition and rows per table
            events[CURATED[table]].extra = extra
        return result

    @task
    def query(checked: dict[str, Any]) -> dict[str, Any]:
        """#### Query
        The top-artists report (Athena SQL) for the date; a 10-row preview goes to XCom.
        """
        from spotify_etl.pipeline import context, snapshot

        return snapshot.query(context.in_task())

    @task
    def report(
        extracted: dict[str, Any],
        merged: dict[str, Any],
        crawled: dict[str, Any],
        queried: dict[str, Any],
    ) -> dict[str, Any]:
        """#### Report
        The listener's pages (JSON and self-contained HTML with charts): the week ending on the
        date, a "wrapped" page for every year of their listening, all time, and an index.
        """
        from spotify_etl.pipeline import context, snapshot

        figures = {"extract": extracted, "transform": merged, "crawl": crawled}
        return snapshot.report(context.in_task(), figures)

    # TaskFlow passes XComArgs where the functions declare their resolved values; mypy cannot
    # see through the decorator, hence the ignores on the wiring lines only.
    extracted = extract()
    lanes = plan()
    extracted >> lanes  # type: ignore[operator]
    merged = merge(transform.expand(lane=lanes))  # type: ignore[arg-type]
    crawled = crawl(merged)  # type: ignore[arg-type]
    queried = query(check(extracted, merged, crawled))  # type: ignore[arg-type]
    report(extracted, merged, crawled, queried)  # type: ignore[arg-type]


spotify_pipeline()
