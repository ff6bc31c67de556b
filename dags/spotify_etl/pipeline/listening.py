"""The hourly listening history's steps: extract → transform → catalog."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from spotify_etl.extract.budget import BudgetedSource, CallBudget
from spotify_etl.extract.recently_played import extract_recently_played
from spotify_etl.pipeline.context import Run, claim_lake
from spotify_etl.pipeline.snapshot import get_source
from spotify_transform.tables import PLAYS_TABLE


def extract(run: Run) -> dict[str, Any]:
    """Fetch new plays since the stored cursor into the raw zone of the run's day."""
    claim_lake(run, run.settings.source)
    store, root = run.platform.store, run.platform.raw_root
    # The listening pull goes first: it spends from the shared budget with no reserve.
    budget = CallBudget(store, root, run.settings.daily_call_budget, run.run_id)
    try:
        return extract_recently_played(
            store,
            BudgetedSource(get_source(run.settings, run.date), budget),
            root,
            run.date,
            run.run_id,
        )
    finally:
        budget.save()


def transform_event(run: Run) -> dict[str, Any]:
    """The transform event for the listening history: the job finds what to rebuild in the raw
    zone itself (every fetch stored since the last rebuild), whatever this run's date."""
    return {
        "dataset": "plays",
        "raw_root": run.platform.raw_root,
        "curated_root": run.platform.curated_root,
        "idempotency_key": f"spotify_listening_history/{run.run_id}/{run.date}",
    }


def transform(run: Run) -> dict[str, Any]:
    """Rebuild every `plays` partition that fetches stored since the last rebuild touch."""
    return run.platform.invoke_transform(transform_event(run))


def catalog(run: Run, played_dates: Sequence[str]) -> dict[str, Any]:
    """Make the run's `plays` partitions queryable: registered directly in the catalog when the
    table is there (no crawl: the hourly listening run must not pay one each hour), crawled
    only the first time, when the table itself is new."""
    started = time.monotonic()
    result = run.platform.register_partitions(PLAYS_TABLE, list(played_dates))
    if result.get("crawl_needed"):
        result["crawl"] = run.platform.crawl()
    return {**result, "seconds": round(time.monotonic() - started, 3)}
