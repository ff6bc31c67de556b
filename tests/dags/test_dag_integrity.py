"""The DAG file: imports cleanly, is configured as the house style says, parses cheaply."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

DAGS = Path(__file__).parents[2] / "dags"


@pytest.fixture(scope="module")
def dagbag() -> Any:
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def test_dag_files_import_without_errors(dagbag: Any) -> None:
    assert dagbag.import_errors == {}
    assert set(dagbag.dags) == {
        "spotify_pipeline",
        "spotify_listening_history",
        "spotify_report_refresh",
        "spotify_history_import",
    }


@pytest.mark.parametrize(
    ("dag_id", "schedule"),
    [("spotify_pipeline", "@daily"), ("spotify_listening_history", "@hourly")],
)
def test_dag_is_configured_explicitly(dagbag: Any, dag_id: str, schedule: str) -> None:
    # GIVEN a DAG of the project
    dag = dagbag.dags[dag_id]
    # THEN schedule, catch-up, tags, retries and docs are set
    assert dag.schedule == schedule
    assert dag.catchup is False
    assert {"spotify", "etl"} <= set(dag.tags)
    assert dag.default_args["retries"] >= 2
    assert dag.doc_md and "extract" in dag.doc_md
    assert dag.max_active_runs == 1
    for task in dag.tasks:
        assert task.retries >= 2, task.task_id
        assert task.doc_md, f"{task.task_id} has no Markdown docs"


def test_dag_wires_the_steps_in_order(dagbag: Any) -> None:
    dag = dagbag.dags["spotify_pipeline"]
    downstream = {t.task_id: sorted(t.downstream_task_ids) for t in dag.tasks}
    assert downstream == {
        "extract": ["check", "plan", "report"],
        "plan": ["transform"],
        "transform": ["merge"],
        "merge": ["check", "crawl", "report"],
        "crawl": ["check", "report"],
        "check": ["query"],
        "query": ["report"],
        "report": [],
    }
    for task in dag.tasks:
        assert task.retries >= 2, task.task_id
        assert task.doc_md, f"{task.task_id} has no Markdown docs"
    # AND the mapped task is the one that transforms; no setting shaped the DAG at parse time
    # (the parallel cap is the number of lanes `plan` deals at run time)
    assert dag.get_task("transform").is_mapped
    assert dag.get_task("transform").max_active_tis_per_dagrun is None


def test_dag_parsing_reads_no_setting_and_skips_the_packages() -> None:
    # GIVEN the DAGs folder parsed as Airflow does, with a setting that would shape a DAG
    from airflow.dag_processing.dagbag import DagBag

    code = (
        "import json, sys; from airflow.dag_processing.dagbag import DagBag; "
        "bag = DagBag(dag_folder=sys.argv[1]); "
        "print(json.dumps({d: [(t.task_id, t.max_active_tis_per_dagrun) for t in dag.tasks] "
        "for d, dag in sorted(bag.dags.items())}))"
    )

    def parse(parallel: str) -> str:
        env = {**os.environ, "SPOTIFY_TRANSFORM_MAX_PARALLEL": parallel}
        out = subprocess.run(
            [sys.executable, "-c", code, str(DAGS)], env=env, capture_output=True, text=True,
            check=True,
        )  # fmt: skip
        return out.stdout.strip().splitlines()[-1]

    # WHEN the setting changes THEN the parsed DAGs do not
    assert parse("1") == parse("7")
    # AND .airflowignore keeps the packages out of parsing: only the DAG files are read
    bag = DagBag(dag_folder=str(DAGS))
    parsed = {Path(stat.file).name for stat in bag.dagbag_stats}
    assert parsed == {
        "spotify_pipeline.py",
        "spotify_listening_history.py",
        "spotify_report_refresh.py",
        "spotify_history_import.py",
    }


def test_assets_are_updated_once_catalogued_and_the_refresh_starts_unpaused(dagbag: Any) -> None:
    # GIVEN the producers' outlets and the refresh DAG's schedule
    producers = {
        "spotify_pipeline": "check",
        "spotify_listening_history": "crawl",
        "spotify_history_import": "check",
    }
    produced = set()
    for dag_id, task_id in producers.items():
        dag = dagbag.dags[dag_id]
        # THEN only the task that runs once the catalog knows the partitions emits Asset
        # events (downstream of the catalog step), never a transform
        assert sorted(t.task_id for t in dag.tasks if t.outlets) == [task_id], dag_id
        produced |= {a.name for a in dag.get_task(task_id).outlets}
    assert "crawl" in dagbag.dags["spotify_pipeline"].get_task("check").upstream_task_ids
    assert (
        "transform" in dagbag.dags["spotify_listening_history"].get_task("crawl").upstream_task_ids
    )
    importing = dagbag.dags["spotify_history_import"]
    assert "catalog" in importing.get_task("commit").upstream_task_ids
    assert "commit" in importing.get_task("check").upstream_task_ids
    refresh = dagbag.dags["spotify_report_refresh"]
    consumed = {a.name for a in refresh.timetable.asset_condition.objects}
    # THEN every curated table but the import's quarantine is an Asset, and the refresh
    # listens to playlist items, plays and streams
    assert produced == {
        f"spotify_pipeline.curated.{t}"
        for t in (
            "playlists", "playlist_items", "tracks", "albums", "artists", "track_artists",
            "quarantine", "saved_tracks", "saved_albums", "top_items", "plays", "streams",
        )
    }  # fmt: skip
    assert consumed == {
        "spotify_pipeline.curated.playlist_items",
        "spotify_pipeline.curated.plays",
        "spotify_pipeline.curated.streams",
    }
    assert refresh.default_args["retries"] >= 2 and refresh.doc_md
    # AND the refresh starts unpaused (events that arrive while a DAG is paused are lost), the
    # scheduled DAGs paused (nothing calls Spotify before the user has unpaused them)
    assert refresh.is_paused_upon_creation is False
    assert dagbag.dags["spotify_pipeline"].is_paused_upon_creation is not False


def test_listening_dag_wires_extract_transform_crawl(dagbag: Any) -> None:
    dag = dagbag.dags["spotify_listening_history"]
    downstream = {t.task_id: sorted(t.downstream_task_ids) for t in dag.tasks}
    assert downstream == {"extract": ["transform"], "transform": ["crawl"], "crawl": []}


@pytest.mark.parametrize(
    "dag_file",
    ["spotify_pipeline.py", "spotify_listening_history.py", "spotify_report_refresh.py"],
)
def test_dag_parse_does_not_import_heavy_libraries(dag_file: str) -> None:
    # WHEN the DAG file is imported in a fresh interpreter
    code = (
        "import runpy, sys; runpy.run_path(sys.argv[1]); "
        "heavy = ('polars', 'duckdb', 'sqlglot', 'spotipy', 'boto3'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(DAGS / dag_file)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    # THEN none of the heavy libraries was loaded at parse time
    assert out.stdout.strip().splitlines()[-1] == "[]"
