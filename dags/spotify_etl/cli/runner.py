"""Run a DAG in-process with `dag.test()` (used by `spotify-pipeline run`).

Airflow gets a project-local home under the lake (`<home>/.airflow`, SQLite), created and
migrated on first use. Airflow reads its configuration from the environment when first
imported, so this module writes Airflow's own settings (`AIRFLOW_*`: its home, database, DAGs
folder, log level) before any Airflow import; the pipeline's settings are `settings`' to write.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import spotify_etl
from spotify_etl.cli import output
from spotify_transform.rawzone.layout import LocalZones

DAG_ID = "spotify_pipeline"
DAG_IDS = ("spotify_pipeline", "spotify_listening_history", "spotify_report_refresh")


@dataclass
class RunOutcome:
    """What happened in one in-process DAG run."""

    snapshot_date: str
    state: str
    task_states: dict[str, str]
    xcoms: dict[str, Any] = field(default_factory=dict)
    dag_id: str = DAG_ID
    tasks: tuple[str, ...] = ()

    @property
    def succeeded(self) -> bool:
        """True when the run and every task succeeded."""
        return self.state == "success"

    @property
    def failed_tasks(self) -> list[str]:
        """Tasks that failed, in DAG order."""
        return [t for t in self.tasks if self.task_states.get(t) == "failed"]

    @property
    def not_run(self) -> list[str]:
        """Tasks that did not run because an upstream task failed."""
        return [t for t in self.tasks if self.task_states.get(t) not in ("success", "failed")]


def dags_folder() -> Path:
    """The folder holding `spotify_pipeline.py` (the parent of the spotify_etl package)."""
    return Path(spotify_etl.__file__).resolve().parent.parent


def prepare_environment(home: Path, verbose: bool = False, dags: Path | None = None) -> Path:
    """Point Airflow at a project-local home and quiet its start-up; return AIRFLOW_HOME."""
    # FastAPI's test client (used by dag.test's in-process Execution API) warns on import.
    warnings.filterwarnings("ignore", message=".*starlette.testclient.*")
    airflow_home = LocalZones(home).airflow_home
    airflow_home.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        {
            "AIRFLOW_HOME": str(airflow_home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags or dags_folder()),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_home / 'airflow.db'}",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO" if verbose else "WARNING",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        }
    )
    return airflow_home


def _migrate_once(airflow_home: Path) -> None:
    marker = airflow_home / ".migrated"
    import airflow

    if marker.is_file() and marker.read_text() == airflow.__version__:
        return
    from airflow.utils.db import initdb

    initdb()
    marker.write_text(airflow.__version__)


def _load_dag(path: Path, dag_id: str) -> Any:
    from airflow.dag_processing.dagbag import DagBag

    # pathspec deprecates a pattern class Airflow still uses to read .airflowignore (the filter
    # goes after Airflow's import, which resets the filters).
    warnings.filterwarnings("ignore", message=".*GitWildMatchPattern.*")
    bag = DagBag(dag_folder=str(path))
    if bag.import_errors:
        raise RuntimeError(f"the DAG file does not import: {bag.import_errors}")
    return bag.dags[dag_id]


def _collect(dag_run: Any, dag_id: str) -> tuple[dict[str, str], dict[str, Any]]:
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    states: dict[str, str] = {}
    xcoms: dict[str, Any] = {}
    with create_session() as session:
        for ti in session.scalars(
            select(TaskInstance).where(
                TaskInstance.dag_id == dag_id, TaskInstance.run_id == dag_run.run_id
            )
        ):
            states[ti.task_id] = str(getattr(ti.state, "value", ti.state))
        for row in session.scalars(
            select(XComModel).where(
                XComModel.dag_id == dag_id,
                XComModel.run_id == dag_run.run_id,
                XComModel.key == "return_value",
            )
        ):
            xcoms[row.task_id] = XComModel.deserialize_value(row)
    return states, xcoms


def run_dag(
    home: Path,
    snapshot_date: str,
    verbose: bool = False,
    dag_file: Path | None = None,
    dag_id: str = DAG_ID,
    conf: dict[str, Any] | None = None,
) -> RunOutcome:
    """Run a DAG once for `snapshot_date` and report task states and their XComs.

    Retries are switched off for the in-process run: a failure is reported at once instead of
    waiting out Airflow's retry delay (the scheduler keeps `retries` from the DAG).

    Args:
        home: The lake; Airflow's home is `<home>/.airflow`.
        snapshot_date: The logical date (YYYY-MM-DD).
        verbose: Show Airflow's INFO logs.
        dag_file: Another DAG file to run (benchmarks); default: `spotify_pipeline.py`.
        dag_id: Its DAG ID.
        conf: The run's params (e.g. the export's `path` for spotify_history_import).
    """
    path = dag_file or dags_folder() / f"{DAG_ID}.py"
    airflow_home = prepare_environment(home, verbose, path.parent)
    _migrate_once(airflow_home)
    dag = _load_dag(path, dag_id)
    for task in dag.tasks:
        task.retries = 0
    day = date.fromisoformat(snapshot_date)
    dag_run = dag.test(
        logical_date=datetime(day.year, day.month, day.day, tzinfo=UTC), run_conf=conf
    )
    states, xcoms = _collect(dag_run, dag_id)
    return RunOutcome(
        snapshot_date=snapshot_date,
        state=str(getattr(dag_run.state, "value", dag_run.state)),
        task_states=states,
        xcoms=xcoms,
        dag_id=dag_id,
        tasks=tuple(t.task_id for t in dag.topological_sort()),
    )


def summary(outcome: RunOutcome, lake: Path, elapsed: float) -> str:
    """The run's summary as the command line prints it."""
    return output.run_summary(
        outcome.dag_id,
        outcome.snapshot_date,
        outcome.state,
        outcome.xcoms,
        outcome.failed_tasks,
        outcome.not_run,
        str(lake),
        elapsed,
    )
