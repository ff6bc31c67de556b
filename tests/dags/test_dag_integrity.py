"""The DAG file: imports cleanly, is configured as the house style says, parses cheaply."""

from __future__ import annotations

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
    assert set(dagbag.dags) == {"spotify_pipeline", "spotify_listening_history"}


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


def test_dag_wires_the_five_steps_in_order(dagbag: Any) -> None:
    dag = dagbag.dags["spotify_pipeline"]
    assert set(dag.task_ids) == {
        "extract",
        "plan",
        "transform_shard",
        "transform",
        "crawl",
        "check",
        "query",
    }
    downstream = {t.task_id: sorted(t.downstream_task_ids) for t in dag.tasks}
    assert downstream == {
        "extract": ["plan", "transform", "transform_shard"],
        "plan": ["transform_shard"],
        "transform_shard": ["transform"],
        "transform": ["check", "crawl"],
        "crawl": ["check"],
        "check": ["query"],
        "query": [],
    }
    for task in dag.tasks:
        assert task.retries >= 2, task.task_id
        assert task.doc_md, f"{task.task_id} has no Markdown docs"


def test_listening_dag_wires_extract_transform_crawl(dagbag: Any) -> None:
    dag = dagbag.dags["spotify_listening_history"]
    downstream = {t.task_id: sorted(t.downstream_task_ids) for t in dag.tasks}
    assert downstream == {"extract": ["transform"], "transform": ["crawl"], "crawl": []}


@pytest.mark.parametrize("dag_file", ["spotify_pipeline.py", "spotify_listening_history.py"])
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
