"""What a step runs with: validated settings, the platform, the partition date and the run id.

Tasks get it from `in_task()` (the Airflow context, the `spotify_default` connection, the
Amazon provider's clients); the command line from `for_cli()` (plain boto3 on AWS).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from spotify_etl import settings as settings_mod
from spotify_etl.platforms import Platform, get_platform
from spotify_etl.settings import Settings


@dataclass(frozen=True)
class Run:
    """One run of the pipeline's steps.

    Attributes:
        settings: Validated settings.
        platform: Where to store, transform, catalog and query.
        date: The partition date (the run's logical date), YYYY-MM-DD.
        run_id: The orchestrator's run ID (recorded in manifests and idempotency keys).
    """

    settings: Settings
    platform: Platform
    date: str
    run_id: str = "manual"

    def __post_init__(self) -> None:
        date.fromisoformat(self.date)


def partition_date(logical_date: Any, run_after: Any) -> str:
    """The date partition of a run: its logical date, or for runs without one (manual runs in
    Airflow 3 may have none) the day it was queued for. Both are UTC datetimes."""
    moment = logical_date if logical_date is not None else run_after
    if moment is None:
        raise ValueError("the run has neither a logical date nor a run_after time")
    return str(moment.date().isoformat())


def in_task(choose_date: Callable[[str], str] | None = None) -> Run:
    """The run of the Airflow task that is executing (only ever called inside a task): its
    settings (the environment, then the `spotify_default` connection), the platform with the
    Amazon provider's clients, and its partition date (or what `choose_date` makes of it)."""
    from airflow.sdk import get_current_context

    from spotify_etl.platforms.aws import clients_from_airflow

    ctx = get_current_context()
    dag_run = ctx["dag_run"]
    loaded = settings_mod.load_in_task()
    platform = get_platform(loaded, clients_from_airflow if loaded.platform == "aws" else None)
    when = partition_date(ctx.get("logical_date"), dag_run.run_after)
    return Run(loaded, platform, choose_date(when) if choose_date else when, str(dag_run.run_id))


def for_cli(loaded: Settings, day: str, run_id: str = "manual") -> Run:
    """A run started from the command line (boto3's default session on AWS)."""
    return Run(loaded, get_platform(loaded), day, run_id)


def claim_lake(run: Run, source: str, raw_root: str | None = None) -> None:
    """Let `source` (spotify or sample) write into this run's lake, or into the raw zone at
    `raw_root` when the run writes elsewhere (`extract --out`): refused, one line, when it holds
    the other's data (sample playlists never mix with a listener's real ones)."""
    from spotify_transform.rawzone.origin import claim

    if raw_root:
        where = raw_root
    elif run.platform.name == "local":
        where = str(run.settings.home.resolve())
    else:
        where = run.platform.raw_root
    claim(run.platform.store, raw_root or run.platform.raw_root, source, where)
