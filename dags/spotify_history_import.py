"""
### Spotify history import

Imports a Spotify data export (account → privacy settings: "Extended streaming history" and/or
"Account data"), the years of listening that the Web API does not give. Triggered by hand with
the export's location: a local path (on the local platform) or an `s3://` URI (on AWS: upload the
zip Spotify sent to the raw bucket, e.g. `s3://<raw bucket>/spotify/uploads/my_spotify_data.zip`).

`land` → `plan` → `transform` ×N → `merge` → `catalog` → `commit` → `check` → `judge`

| task | does | returns (XCom) |
|---|---|---|
| `land` | stores every streaming-history JSON file byte for byte under its sha256 (a file already there is not stored again); lists the other files as ignored | the files, the import id |
| `plan` | deals the files into at most `SPOTIFY_TRANSFORM_MAX_PARALLEL` lanes | the lanes |
| `transform` | one mapped task per lane: the transform function once per file (normalised once: a file done before is not read again) | counts per file |
| `merge` | rebuilds the `streams` months the import changes, from every file of the lake: each stream once | what was written, every file's outcome |
| `catalog` | registers the new `streams` partitions (a crawl only when a table is new) | partitions |
| `commit` | writes the import's manifest (its commit): each file's records read, kept and dropped per reason | the summary |
| `check` | every record accounted for, `streams` as long as the files kept, each stream once; then updates the `streams` Asset (the report refreshes) | checks |
| `judge` | fails the run, without retrying, when the import's new files broke `SPOTIFY_MAX_QUARANTINE_RATIO` (its good files are in, and named in the error) | the verdict |

Importing the same export again stores nothing and rewrites no curated byte.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Asset, Param, dag, get_current_context, task

from spotify_etl.assets import asset_name
from spotify_transform.tables import STREAMS_TABLE

DAG_ID = "spotify_history_import"
STREAMS = Asset(name=asset_name(STREAMS_TABLE))
TRANSFORM_DOC = """#### Transform
One mapped task per lane: the transform function (polars) once per export file of the lane,
one after another.
"""


@dag(
    dag_id=DAG_ID,
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["spotify", "etl", "listening", "import"],
    params={
        "path": Param(
            "",
            type="string",
            minLength=1,
            description="The export: a .zip as Spotify sends it or its folder, a local path or "
            "an s3:// URI in the raw bucket",
        )
    },
    default_args={
        "owner": "data-eng",
        "retries": 2,
        "retry_delay": timedelta(minutes=2),
    },
    doc_md=__doc__,
)
def spotify_history_import() -> None:
    """Import a Spotify data export."""

    @task
    def land() -> dict[str, Any]:
        """#### Land
        The export's streaming history into the raw zone, byte for byte, content-addressed.
        """
        from spotify_etl.pipeline import context, history

        return history.land(context.in_task(), str(get_current_context()["params"]["path"]))

    @task
    def plan(landed: dict[str, Any]) -> list[list[dict[str, str]]]:
        """#### Plan
        The export's files dealt into at most `SPOTIFY_TRANSFORM_MAX_PARALLEL` lanes.
        """
        from spotify_etl.pipeline import context, history

        return history.plan(context.in_task().settings, landed)

    @task(doc_md=TRANSFORM_DOC)  # a mapped task does not take its docstring as doc_md
    def transform(lane: list[dict[str, str]]) -> list[dict[str, Any]]:
        """One lane of the transform (see TRANSFORM_DOC)."""
        from spotify_etl.pipeline import context, history

        return history.transform(context.in_task(), lane)

    @task
    def merge(landed: dict[str, Any], lanes: list[list[dict[str, Any]]]) -> dict[str, Any]:
        """#### Merge
        The `streams` months the import changes, rebuilt from every file of the lake.
        """
        from spotify_etl.pipeline import context, history

        return history.merge(context.in_task(), landed)

    @task
    def commit(
        landed: dict[str, Any], merged: dict[str, Any], cataloged: dict[str, Any]
    ) -> dict[str, Any]:
        """#### Commit
        The import's manifest, written last: the import's commit.
        """
        from spotify_etl.pipeline import context, history

        return history.commit(context.in_task(), landed, merged)

    @task
    def catalog(landed: dict[str, Any], merged: dict[str, Any]) -> dict[str, Any]:
        """#### Catalog
        The new `streams` partitions made queryable.
        """
        from spotify_etl.pipeline import context, history

        return history.catalog(context.in_task(), merged, landed["import_id"])

    @task(outlets=[STREAMS])
    def check(committed: dict[str, Any]) -> dict[str, Any]:
        """#### Check
        Every record accounted for and each stream once; then the `streams` Asset is updated.
        """
        from spotify_etl.pipeline import context, history

        result = history.check(context.in_task(), committed)
        extra = {k: committed.get(k) for k in ("import_id", "first_played", "last_played")}
        get_current_context()["outlet_events"][STREAMS].extra = {**extra, **result}
        return result

    @task(retries=0)
    def judge(committed: dict[str, Any], checked: dict[str, Any]) -> dict[str, Any]:
        """#### Judge
        Fails (no retry: the same files would fail again) when the import's new files broke
        `SPOTIFY_MAX_QUARANTINE_RATIO`; its good files are committed and queryable.
        """
        from airflow.sdk.exceptions import AirflowFailException

        from spotify_etl.pipeline import history

        try:
            return history.judge(committed)
        except history.ImportFailed as exc:
            raise AirflowFailException(str(exc)) from None

    # TaskFlow passes XComArgs where the functions declare their resolved values.
    landed = land()
    lanes = transform.expand(lane=plan(landed))  # type: ignore[arg-type]
    merged = merge(landed, lanes)  # type: ignore[arg-type]
    committed = commit(landed, merged, catalog(landed, merged))  # type: ignore[arg-type]
    judge(committed, check(committed))  # type: ignore[arg-type]


spotify_history_import()
