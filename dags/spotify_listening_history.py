"""
### Spotify listening history

Hourly pull of `GET /me/player/recently-played`. Spotify keeps only a user's last 50 plays, so
a daily pull loses history: this DAG pages forward from the `after` cursor of the last
successful run (kept in the raw zone) and lands each response untouched under
`recently_played/extracted_date=YYYY-MM-DD/<cursor>.json`. A full page whose oldest play is
newer than the cursor is recorded as a gap warning in that day's `_manifest.json`.

`extract` → `transform` → `crawl` (which then updates the `spotify_pipeline.curated.plays`
Asset)

The transform rebuilds every `plays` partition (`played_date`) that any fetch stored since the
last rebuild holds plays of: what to rebuild comes from the raw zone, never from this run's date,
so a backfill, a cleared run or a run whose transform failed cannot strand a play. Each date is
rebuilt from every fetch that holds plays of it; overlapping fetches collapse on `played_at`.
Same platform, settings and transform function as `spotify_pipeline`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Asset, dag, get_current_context, task

from spotify_etl.assets import asset_name, plays_extra
from spotify_transform.tables import PLAYS_TABLE

DAG_ID = "spotify_listening_history"
PLAYS = Asset(name=asset_name(PLAYS_TABLE))


@dag(
    dag_id=DAG_ID,
    schedule="@hourly",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["spotify", "etl", "listening"],
    default_args={
        "owner": "data-eng",
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "retry_exponential_backoff": True,
    },
    doc_md=__doc__,
)
def spotify_listening_history() -> None:
    """The hourly listening-history pull."""

    @task
    def extract() -> dict[str, Any]:
        """#### Extract
        Plays newer than the stored cursor, into the raw zone of the run's day.
        """
        from spotify_etl.pipeline import context, listening

        return listening.extract(context.in_task())

    @task
    def transform(extracted: dict[str, Any]) -> dict[str, Any]:
        """#### Transform
        Rebuilds every `plays` partition that fetches stored since the last rebuild touch.
        """
        from spotify_etl.pipeline import context, listening

        return listening.transform(context.in_task())

    @task(outlets=[PLAYS])
    def crawl(transformed: dict[str, Any]) -> dict[str, Any]:
        """#### Crawl
        Makes the new `plays` partitions queryable: registered directly in the catalog (no
        crawler run each hour; a crawl only when the table is new), then updates the `plays`
        Asset, so what its event triggers can query them.
        """
        from spotify_etl.pipeline import context, listening

        result = listening.catalog(context.in_task(), sorted(transformed.get("partitions", {})))
        get_current_context()["outlet_events"][PLAYS].extra = plays_extra(transformed)
        return result

    # TaskFlow passes XComArgs where the functions declare their resolved values.
    crawl(transform(extract()))  # type: ignore[arg-type]


spotify_listening_history()
