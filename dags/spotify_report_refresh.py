"""
### Spotify report refresh

Rebuilds the report pages (JSON + HTML with charts: the listener's week, a "wrapped" page for
every year of their listening, all time, and the index; at most eight queries for them all)
whenever curated tables change: scheduled on
the Assets the transforms update (`spotify_pipeline.curated.*`), so a new playlist snapshot, new
plays from the hourly listening history or an imported data export refresh the page without
waiting for the next daily run. It reports on the newest snapshot date named by the triggering
events (or, for plays of a day with no snapshot yet, the newest snapshot before it), with
the figures the daily run kept beside its report (`run.json`: the transform's counts, the
crawl's schema changes), so a refresh never writes a poorer page. The events are emitted
once the catalog knows the new partitions (after `check` / `crawl`), and this DAG starts
unpaused.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Asset, AssetAny, dag, get_current_context, task

from spotify_etl.assets import asset_name
from spotify_transform.tables import PLAYS_TABLE, STREAMS_TABLE

DAG_ID = "spotify_report_refresh"


@dag(
    dag_id=DAG_ID,
    schedule=AssetAny(
        Asset(name=asset_name("playlist_items")),
        Asset(name=asset_name(PLAYS_TABLE)),
        Asset(name=asset_name(STREAMS_TABLE)),
    ),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    # Runs only on Asset events, so it is safe to start unpaused; Asset events that arrive while a
    # DAG is paused are never replayed, and a paused refresh would never run at all.
    is_paused_upon_creation=False,
    max_active_runs=1,
    tags=["spotify", "etl", "report"],
    default_args={"owner": "data-eng", "retries": 2, "retry_delay": timedelta(minutes=2)},
    doc_md=__doc__,
)
def spotify_report_refresh() -> None:
    """Refresh the report when curated data changes."""

    @task
    def report() -> dict[str, Any]:
        """#### Report
        The report of the newest snapshot date the triggering Asset events name, with the
        figures the date's run kept beside its report.
        """
        from airflow.sdk.exceptions import AirflowSkipException

        from spotify_etl.assets import report_date
        from spotify_etl.pipeline import context, snapshot

        events = get_current_context().get("triggering_asset_events") or {}
        extras = [dict(e.extra or {}) for evs in events.values() for e in evs]
        try:
            return snapshot.refresh_report(
                context.in_task(lambda fallback: report_date(extras, fallback))
            )
        except snapshot.NoSnapshot as exc:
            raise AirflowSkipException(str(exc)) from None

    report()


spotify_report_refresh()
