"""Run the `spotify_pipeline` DAG in-process with `dag.test()` (used by `spotify-pipeline run`).

Airflow gets a project-local home under the lake (`<home>/.airflow`, SQLite), created and
migrated on first use. Airflow reads its configuration when first imported, so the environment
is prepared before any Airflow import.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import spotify_etl

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
    airflow_home = home / ".airflow"
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
    """
    path = dag_file or dags_folder() / f"{DAG_ID}.py"
    airflow_home = prepare_environment(home, verbose, path.parent)
    _migrate_once(airflow_home)
    dag = _load_dag(path, dag_id)
    for task in dag.tasks:
        task.retries = 0
    day = date.fromisoformat(snapshot_date)
    dag_run = dag.test(logical_date=datetime(day.year, day.month, day.day, tzinfo=UTC))
    states, xcoms = _collect(dag_run, dag_id)
    return RunOutcome(
        snapshot_date=snapshot_date,
        state=str(getattr(dag_run.state, "value", dag_run.state)),
        task_states=states,
        xcoms=xcoms,
        dag_id=dag_id,
        tasks=tuple(t.task_id for t in dag.topological_sort()),
    )


def format_day(plays: RunOutcome, snapshot: RunOutcome, elapsed: float) -> str:
    """One line per day of a backfill: the listening run and the daily snapshot."""
    ext = snapshot.xcoms.get("extract", {})
    tr = snapshot.xcoms.get("transform", {})
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(ext.get("statuses", {}).items()))
    fetched = plays.xcoms.get("extract", {}).get("plays", 0)
    return (
        f"{snapshot.snapshot_date}: {fetched} plays fetched · {ext.get('playlists')} playlists "
        f"({statuses}) · {tr.get('entries', 0):,} entries · {elapsed:.1f}s"
    )


def format_summary(outcome: RunOutcome, settings: Any, elapsed: float) -> str:
    """Human summary of a run: tables, rows, quarantine, lake location and the report query."""
    lines = [f"{outcome.dag_id} {outcome.snapshot_date}: {outcome.state} in {elapsed:.1f}s"]
    if not outcome.succeeded:
        lines.append(f"failed task(s): {', '.join(outcome.failed_tasks) or 'none'}")
        if outcome.not_run:
            lines.append(f"not run: {', '.join(outcome.not_run)}")
        lines.append("the error is logged above; rerun with --verbose for every task log")
        return "\n".join(lines)
    if outcome.dag_id == "spotify_report_refresh":
        lines.append(f"report: {outcome.xcoms.get('report', {}).get('html')}")
        return "\n".join(lines)
    if outcome.dag_id == "spotify_listening_history":
        ext = outcome.xcoms.get("extract", {})
        tr = outcome.xcoms.get("transform", {})
        gap = " (gap warning: plays may be missing)" if ext.get("gap_warning") else ""
        lines.append(f"extract: {ext.get('plays')} plays fetched, cursor {ext.get('cursor')}{gap}")
        for day, info in sorted(tr.get("partitions", {}).items()):
            lines.append(f"  plays played_date={day} {info['rows']:>7} rows")
        if tr.get("skipped"):
            lines.append(f"  skipped: {tr['skipped']}")
        lines.append(f"lake: {settings.home.resolve()}")
        return "\n".join(lines)
    ext = outcome.xcoms.get("extract", {})
    tr = outcome.xcoms.get("transform", {})
    crawl = outcome.xcoms.get("crawl", {})
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(ext.get("statuses", {}).items()))
    lines.append(
        f"extract: {ext.get('playlists')} playlists ({statuses}), {ext.get('api_calls')} API calls"
    )
    kinds = ", ".join(f"{n} {k}" for k, n in sorted((tr.get("item_types") or {}).items()))
    lines.append(
        f"transform: {tr.get('entries')} entries ({kinds or 'none'}), "
        f"{tr.get('quarantined')} quarantined"
    )
    for table, info in tr.get("tables", {}).items():
        lines.append(f"  {table:<15} {info['rows']:>7} rows")
    changes = crawl.get("schema_changes", [])
    lines.append(f"crawl: {len(crawl.get('tables', {}))} tables, {len(changes)} schema changes")
    lines.append(f"lake: {settings.home.resolve()}")
    rep = outcome.xcoms.get("report", {})
    q = outcome.xcoms.get("query", {})
    if q:
        from spotify_etl.cli import _table

        lines.append(f"report {q.get('query')}:")
        lines.append(_table(q["columns"], q["rows"]))
    if rep:
        lines.append(f"report: {rep['html']}")
    return "\n".join(lines)
