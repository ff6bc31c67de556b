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
    assert "spotify_pipeline" in dagbag.dags


def test_dag_is_configured_explicitly(dagbag: Any) -> None:
    # GIVEN the pipeline DAG
    dag = dagbag.dags["spotify_pipeline"]
    # THEN schedule, catch-up, tags, retries and docs are set
    assert dag.schedule == "@daily" or str(dag.timetable.summary) == "@daily"
    assert dag.catchup is False
    assert {"spotify", "etl"} <= set(dag.tags)
    assert dag.default_args["retries"] >= 2
    assert dag.doc_md and "extract" in dag.doc_md
    assert dag.max_active_runs == 1


def test_dag_wires_the_five_steps_in_order(dagbag: Any) -> None:
    dag = dagbag.dags["spotify_pipeline"]
    assert set(dag.task_ids) == {"extract", "transform", "crawl", "check", "query"}
    downstream = {t.task_id: sorted(t.downstream_task_ids) for t in dag.tasks}
    assert downstream == {
        "extract": ["transform"],
        "transform": ["check", "crawl"],
        "crawl": ["check"],
        "check": ["query"],
        "query": [],
    }
    for task in dag.tasks:
        assert task.retries >= 2, task.task_id
        assert task.doc_md, f"{task.task_id} has no Markdown docs"


def test_dag_parse_does_not_import_heavy_libraries() -> None:
    # WHEN the DAG file is imported in a fresh interpreter
    code = (
        "import runpy, sys; runpy.run_path(sys.argv[1]); "
        "heavy = ('polars', 'duckdb', 'sqlglot', 'spotipy', 'boto3'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(DAGS / "spotify_pipeline.py")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    # THEN none of the heavy libraries was loaded at parse time
    assert out.stdout.strip().splitlines()[-1] == "[]"
