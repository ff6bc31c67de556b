"""The pipeline's steps, shared by the Airflow DAG and the command line.

Each step takes validated settings and the partition date, talks to the platform, and returns a
small JSON-able dict (URIs, counts) — never data. The DAG only wires these together.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson

from spotify_etl import extract as extract_mod
from spotify_etl import sql
from spotify_etl.platforms import Platform, get_platform
from spotify_etl.settings import Settings
from spotify_etl.sources import SampleSource, Source, SourceError
from spotify_transform.layout import raw_partition
from spotify_transform.storage import join

REPORT_QUERY = "reports/top_artists.sql"


class CheckFailed(Exception):
    """Data-quality checks returned offending rows; the message lists them."""


def get_source(settings: Settings, on: str | None = None) -> Source:
    """The response source the settings select; the sample answers as on the date `on` of its
    week (which ends on SPOTIFY_SAMPLE_ANCHOR, or on `on` itself)."""
    if settings.source == "sample":
        return SampleSource(on=on, anchor=settings.sample_anchor)
    from spotify_etl.spotify_client import SpotifyApi

    return SpotifyApi(settings)


def transform_event(
    settings: Settings,
    platform: Platform,
    snapshot_date: str,
    run_id: str,
    stage: str = "all",
    shard: int = 0,
) -> dict[str, Any]:
    """The transform invocation event, identical on every platform."""
    key = f"spotify_pipeline/{run_id}/{snapshot_date}/{stage}"
    return {
        "snapshot_date": snapshot_date,
        "raw_root": platform.raw_root,
        "curated_root": platform.curated_root,
        "max_quarantine_ratio": settings.max_quarantine_ratio,
        "stage": stage,
        "shard": shard,
        "shards": settings.transform_shards,
        "idempotency_key": key if stage != "shard" else f"{key}/{shard}",
    }


def plan_shards(settings: Settings) -> list[int]:
    """The transform's shards: [0] when one invocation transforms the whole date."""
    return list(range(settings.transform_shards))


def run_transform_shard(
    settings: Settings, snapshot_date: str, shard: int, run_id: str = "manual"
) -> dict[str, Any]:
    """One invocation of the function: the whole date when unsplit, else one shard of it."""
    stage = "all" if settings.transform_shards == 1 else "shard"
    platform = get_platform(settings)
    event = transform_event(settings, platform, snapshot_date, run_id, stage, shard)
    return platform.invoke_transform(event)


def run_extract(
    settings: Settings,
    snapshot_date: str,
    run_id: str = "manual",
    progress: Callable[[str], None] | None = None,
    raw_root: str | None = None,
    *,
    force_current: bool = False,
    today: str | None = None,
) -> dict[str, Any]:
    """Extract the date's playlists into the raw zone; return the manifest summary.

    Spotify serves only the current state, so a live run for a past date (a backfill or a
    catch-up) never labels today's data with that date: an existing raw partition is reused
    as it is (the transform replays it), a missing one fails, unless `force_current` says to
    write today's state there anyway.

    Raises:
        SourceError: A past date without raw data (and no `force_current`).
        StorageError: A past date left half-replaced that cannot be rolled forward.
    """
    date.fromisoformat(snapshot_date)
    platform = get_platform(settings)
    root = raw_root or platform.raw_root
    current = today or datetime.now(UTC).date().isoformat()
    if settings.source == "spotify" and snapshot_date < current and not force_current:
        # A replay can only use what is there: finish a swap an interrupted extract left.
        extract_mod.repair(platform.store, root, snapshot_date)
        manifest_uri = join(raw_partition(root, snapshot_date), extract_mod.MANIFEST)
        if not platform.store.exists(manifest_uri):
            raise SourceError(
                f"no raw data for {snapshot_date}, and Spotify serves only today's state "
                f"({current}): extracting now would label today's playlists with a past date. "
                "Use --force-current to do so deliberately."
            )
        existing = orjson.loads(platform.store.read(manifest_uri))
        return {**extract_mod.summary(existing, root), "reused": True}
    manifest = extract_mod.extract(
        platform.store,
        get_source(settings, snapshot_date),
        extract_mod.ExtractRequest(snapshot_date, root, settings.playlists, run_id),
        progress=progress,
    )
    return extract_mod.summary(manifest, root)


def run_transform(
    settings: Settings,
    snapshot_date: str,
    run_id: str = "manual",
    shard_results: Sequence[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The date's curated tables: the one invocation's result when unsplit, else the merge of
    the shards (one more invocation); return rows and URIs per table."""
    if settings.transform_shards == 1 and shard_results:
        return dict(shard_results[0])
    stage = "all" if settings.transform_shards == 1 else "merge"
    platform = get_platform(settings)
    return platform.invoke_transform(
        transform_event(settings, platform, snapshot_date, run_id, stage)
    )


def run_crawl(settings: Settings) -> dict[str, Any]:
    """Catalog the curated zone; return tables, partitions, schema changes and duration."""
    started = time.monotonic()
    result = get_platform(settings).crawl()
    return {**result, "seconds": round(time.monotonic() - started, 3)}


def run_catalog_plays(settings: Settings, played_dates: Sequence[str]) -> dict[str, Any]:
    """Make the run's `plays` partitions queryable: registered directly in the catalog when the
    table is there (no crawl: the hourly listening run must not pay one each hour), crawled
    only the first time, when the table itself is new."""
    started = time.monotonic()
    platform = get_platform(settings)
    result = platform.register_partitions("plays", list(played_dates))
    if result.get("crawl_needed"):
        result["crawl"] = platform.crawl()
    return {**result, "seconds": round(time.monotonic() - started, 3)}


def run_report(
    settings: Settings, snapshot_date: str, run: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Write the date's report (JSON + HTML with charts); return where it is."""
    from spotify_etl.report import write_report

    return write_report(settings, snapshot_date, run)


def run_checks(
    settings: Settings, snapshot_date: str, expected_playlists: int | None = None
) -> dict[str, Any]:
    """Run the data-quality checks of the date's partitions.

    Raises:
        CheckFailed: Some check returned rows; the message shows them.
    """
    text = sql.key_checks(snapshot_date, expected_playlists)
    result = get_platform(settings).query(text, max_rows=50)
    if result["row_count"]:
        lines = "; ".join(
            f"{table}: {problem} {key or ''} ×{n}".replace("  ", " ")
            for table, problem, key, n in result["rows"]
        )
        raise CheckFailed(f"{result['row_count']} data-quality check(s) failed: {lines}")
    return {"checks_failed": 0, "snapshot_date": snapshot_date}


def run_report_query(settings: Settings, snapshot_date: str) -> dict[str, Any]:
    """Run the bundled report query for the date; return a small preview."""
    text = sql.render(sql.load(REPORT_QUERY), snapshot_date=snapshot_date)
    result = get_platform(settings).query(text, max_rows=10)
    return {"query": REPORT_QUERY, **result}


def current_run() -> tuple[str, str]:
    """(partition date, run id) of the DAG run of the running Airflow task."""
    from airflow.sdk import get_current_context  # only ever called inside a task

    ctx = get_current_context()
    dag_run = ctx["dag_run"]
    return partition_date(ctx.get("logical_date"), dag_run.run_after), str(dag_run.run_id)


def partition_date(logical_date: Any, run_after: Any) -> str:
    """The date partition of a run: its logical date, or for runs without one (manual runs in
    Airflow 3 may have none) the day it was queued for. Both are UTC datetimes."""
    moment = logical_date if logical_date is not None else run_after
    if moment is None:
        raise ValueError("the run has neither a logical date nor a run_after time")
    return str(moment.date().isoformat())


def run_extract_plays(
    settings: Settings, extracted_date: str, run_id: str = "manual"
) -> dict[str, Any]:
    """Fetch new plays since the stored cursor into the raw zone of `extracted_date`."""
    date.fromisoformat(extracted_date)
    platform = get_platform(settings)
    return extract_mod.extract_recently_played(
        platform.store,
        get_source(settings, extracted_date),
        platform.raw_root,
        extracted_date,
        run_id,
    )


def plays_event(
    platform: Platform,
    extracted_date: str,
    run_id: str,
    played_dates: Sequence[str] = (),
) -> dict[str, Any]:
    """The transform event for the listening history: every `played_date` the run's fetches
    hold plays of (a first run, a paused DAG or a day of failed runs brings plays days late),
    plus the run's day and the day before."""
    day = date.fromisoformat(extracted_date)
    dates = {(day - timedelta(days=1)).isoformat(), day.isoformat(), *played_dates}
    return {
        "dataset": "plays",
        "played_dates": sorted(dates),
        "raw_root": platform.raw_root,
        "curated_root": platform.curated_root,
        "idempotency_key": f"spotify_listening_history/{run_id}/{extracted_date}",
    }


def run_transform_plays(
    settings: Settings,
    extracted_date: str,
    run_id: str = "manual",
    played_dates: Sequence[str] = (),
) -> dict[str, Any]:
    """Rebuild every `plays` partition the run's fetches touch (`played_dates`)."""
    platform = get_platform(settings)  # one set of clients for building and invoking
    return platform.invoke_transform(plays_event(platform, extracted_date, run_id, played_dates))
