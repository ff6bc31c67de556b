"""Run a DAG in-process with `dag.test()` (used by `spotify-pipeline run`).

Airflow gets a project-local home under the lake (`<home>/.airflow`, SQLite), created and
migrated on first use. Airflow reads its configuration from the environment when first
imported, so this module writes Airflow's own settings (`AIRFLOW_*`: its home, database, DAGs
folder, log level) before any Airflow import; the pipeline's settings are `settings`' to write.

A failed task is reported by its ID and one line, its exception's (recorded by an Airflow
listener while the DAG runs). Airflow's own output, the task tracebacks included, can go to a
log file instead of the terminal (`log_dir`: `<log_dir>/<dag_id>/<date>.log`), which the
failure summary names.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import spotify_etl
from spotify_etl.cli import errors, output
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
    causes: dict[str, str] = field(default_factory=dict)  # failed task → one-line cause
    log_file: Path | None = None  # Airflow's output of the run, when not on the terminal

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


def logs_folder(home: Path) -> Path:
    """Where `spotify-pipeline run` writes Airflow's output of each DAG run."""
    return LocalZones(home).home / "logs"


@contextlib.contextmanager
def _output_to(path: Path | None) -> Iterator[None]:
    """While a DAG runs, send this process's stdout and stderr to `path` (None: leave them).

    Redirected at the file descriptors: Airflow's log handlers hold the streams they found at
    start-up, and a descriptor is what every one of them writes to.
    """
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    try:
        with path.open("wb") as log:
            os.dup2(log.fileno(), 1)
            os.dup2(log.fileno(), 2)
            try:
                yield
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])


@contextlib.contextmanager
def _recording_failures() -> Iterator[dict[str, str]]:
    """While a DAG runs, record each failed task's cause in one line (an Airflow listener)."""
    from airflow.listeners import hookimpl
    from airflow.sdk.listener import get_listener_manager

    causes: dict[str, str] = {}

    class FailureListener:
        @hookimpl
        def on_task_instance_failed(self, task_instance: Any, error: Any) -> None:
            if isinstance(error, BaseException):
                cause = errors.describe(error)
            else:
                cause = " ".join(str(error or "").split())
            causes.setdefault(str(task_instance.task_id), cause)  # a mapped task: its first

    listener = FailureListener()
    manager = get_listener_manager()
    manager.pm.register(listener)
    try:
        yield causes
    finally:
        manager.pm.unregister(listener)


def run_dag(
    home: Path,
    snapshot_date: str,
    verbose: bool = False,
    dag_file: Path | None = None,
    dag_id: str = DAG_ID,
    conf: dict[str, Any] | None = None,
    log_dir: Path | None = None,
) -> RunOutcome:
    """Run a DAG once for `snapshot_date` and report task states, their XComs and the causes
    of the failed ones.

    Retries are switched off for the in-process run: a failure is reported at once instead of
    waiting out Airflow's retry delay (the scheduler keeps `retries` from the DAG).

    Args:
        home: The lake; Airflow's home is `<home>/.airflow`.
        snapshot_date: The logical date (YYYY-MM-DD).
        verbose: Show Airflow's INFO logs.
        dag_file: Another DAG file to run (benchmarks); default: `spotify_pipeline.py`.
        dag_id: Its DAG ID.
        conf: The run's params (e.g. the export's `path` for spotify_history_import).
        log_dir: Write Airflow's output (its start-up, the task logs and tracebacks) to
            `<log_dir>/<dag_id>/<snapshot_date>.log` instead of stdout; None leaves it there.
    """
    path = dag_file or dags_folder() / f"{DAG_ID}.py"
    airflow_home = prepare_environment(home, verbose, path.parent)
    log_file = log_dir / dag_id / f"{snapshot_date}.log" if log_dir is not None else None
    with _output_to(log_file):
        _migrate_once(airflow_home)
        dag = _load_dag(path, dag_id)
        for task in dag.tasks:
            task.retries = 0
        day = date.fromisoformat(snapshot_date)
        with _recording_failures() as causes:
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
        causes=causes,
        log_file=log_file,
    )


def summary(outcome: RunOutcome, lake: Path, elapsed: float) -> str:
    """The run's summary as the command line prints it; a failed run's ends with one `error:`
    line per failed task: its ID and cause."""
    if not outcome.succeeded:
        return failure_summary(outcome, elapsed)
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


def failure_summary(outcome: RunOutcome, elapsed: float) -> str:
    """A failed run in a few lines: what did not run, where Airflow's log is, and last the
    failed tasks, each with its one-line cause."""
    where = f"the log: {outcome.log_file}" if outcome.log_file else "the task log above"
    lines = [f"{outcome.dag_id} {outcome.snapshot_date}: {outcome.state} in {elapsed:.1f}s"]
    if outcome.not_run:
        lines.append(f"not run: {', '.join(outcome.not_run)}")
    if outcome.log_file:
        lines.append(f"Airflow's log of the run (task tracebacks): {outcome.log_file}")
    lines.append(f"failed task(s): {', '.join(outcome.failed_tasks) or 'none'}")
    for task in outcome.failed_tasks:
        cause = outcome.causes.get(task) or f"no cause recorded; see {where}"
        lines.append(f"error: task {task} failed: {cause}")
    if not outcome.failed_tasks:
        lines.append(f"error: the run failed without a failed task; see {where}")
    return "\n".join(lines)


def print_summary(outcome: RunOutcome, lake: Path, elapsed: float) -> None:
    """Print the run's summary: on stdout when it succeeded, on stderr when it failed."""
    print(summary(outcome, lake, elapsed), file=sys.stdout if outcome.succeeded else sys.stderr)
