"""The daily snapshot's steps: extract → plan → transform (lanes of shards) → merge → crawl →
check → query → report."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from spotify_etl import sql
from spotify_etl.extract import playlists as extract_playlists
from spotify_etl.extract.budget import LISTENING_RESERVE, CallBudget
from spotify_etl.pipeline.context import Run, claim_lake
from spotify_etl.settings import Settings
from spotify_etl.spotify.responses import Source, SourceError
from spotify_transform.rawzone import commit
from spotify_transform.rawzone.manifest import read_snapshot

REPORT_QUERY = "reports/top_artists.sql"


class CheckFailed(Exception):
    """Data-quality checks returned offending rows; the message lists them."""


def get_source(settings: Settings, on: str | None = None) -> Source:
    """The response source the settings select; the sample answers as on the date `on` of its
    week (which ends on SPOTIFY_SAMPLE_ANCHOR, or on `on` itself)."""
    if settings.source == "sample":
        from spotify_etl.spotify.sample import SampleSource

        return SampleSource(on=on, anchor=settings.sample_anchor)
    from spotify_etl.spotify.client import SpotifyApi

    return SpotifyApi(settings)


def extract(
    run: Run,
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
    store, root = run.platform.store, raw_root or run.platform.raw_root
    current = today or datetime.now(UTC).date().isoformat()
    if run.settings.source == "spotify" and run.date < current and not force_current:
        # A replay can only use what is there: finish a swap an interrupted extract left.
        commit.repair(store, root, run.date)
        existing = read_snapshot(store, root, run.date)
        if existing is None:
            raise SourceError(
                f"no raw data for {run.date}, and Spotify serves only today's state "
                f"({current}): extracting now would label today's playlists with a past date. "
                "Use --force-current to do so deliberately."
            )
        return {**extract_playlists.summary(existing, root), "reused": True}
    claim_lake(run, run.settings.source, raw_root)
    # The daily extract leaves the listening pulls of the next 24 hours their share.
    budget = CallBudget(
        store, root, run.settings.daily_call_budget, run.run_id, reserve=LISTENING_RESERVE
    )
    manifest = extract_playlists.extract(
        store,
        get_source(run.settings, run.date),
        extract_playlists.ExtractRequest(
            run.date, root, run.settings.playlists, run.run_id, run.settings.datasets
        ),
        progress=progress,
        budget=budget,
    )
    return extract_playlists.summary(manifest, root)


def transform_event(run: Run, stage: str = "all", shard: int = 0) -> dict[str, Any]:
    """The transform invocation event, identical on every platform."""
    key = f"spotify_pipeline/{run.run_id}/{run.date}/{stage}"
    return {
        "snapshot_date": run.date,
        "raw_root": run.platform.raw_root,
        "curated_root": run.platform.curated_root,
        "max_quarantine_ratio": run.settings.max_quarantine_ratio,
        "stage": stage,
        "shard": shard,
        "shards": run.settings.transform_shards,
        "idempotency_key": key if stage != "shard" else f"{key}/{shard}",
    }


def plan(settings: Settings) -> list[list[int]]:
    """The transform's lanes: the shards (`SPOTIFY_TRANSFORM_SHARDS`) dealt round-robin into at
    most `SPOTIFY_TRANSFORM_MAX_PARALLEL` lanes. Each lane is one mapped task that invokes its
    shards one after another, so no more invocations than that run at once, whatever the
    executor; [[0]] is the whole date in one invocation."""
    shards = settings.transform_shards
    lanes = min(shards, settings.transform_max_parallel)
    return [list(range(lane, shards, lanes)) for lane in range(lanes)]


def transform(run: Run, lane: Sequence[int]) -> list[dict[str, Any]]:
    """Invoke the transform function for each shard of the lane, one after another: the whole
    date when unsplit, else one shard of it each."""
    stage = "all" if run.settings.transform_shards == 1 else "shard"
    return [run.platform.invoke_transform(transform_event(run, stage, s)) for s in lane]


def merge(run: Run, lanes: Sequence[Sequence[dict[str, Any]]]) -> dict[str, Any]:
    """The date's curated tables: with one shard, its invocation already wrote them (nothing to
    merge: its result is returned); else one more invocation merges the shards."""
    if run.settings.transform_shards == 1:
        return dict(lanes[0][0])  # index, never iterate, the mapped results
    return run.platform.invoke_transform(transform_event(run, "merge"))


def crawl(run: Run) -> dict[str, Any]:
    """Catalog the curated zone; return tables, partitions, schema changes and duration."""
    started = time.monotonic()
    result = run.platform.crawl()
    return {**result, "seconds": round(time.monotonic() - started, 3)}


def check(
    run: Run,
    expected_playlists: int | None = None,
    library_totals: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """Run the data-quality checks of the date's partitions (`library_totals`: the complete
    saved-tracks and saved-albums datasets' totals, from the extract's summary).

    Raises:
        CheckFailed: Some check returned rows; the message shows them.
    """
    checks = sql.key_checks(run.date, expected_playlists, library_totals)
    result = run.platform.query(checks, max_rows=50)
    if result["row_count"]:
        lines = "; ".join(
            f"{table}: {problem} {key or ''} ×{n}".replace("  ", " ")
            for table, problem, key, n in result["rows"]
        )
        raise CheckFailed(f"{result['row_count']} data-quality check(s) failed: {lines}")
    return {"checks_failed": 0, "snapshot_date": run.date}


def query(run: Run) -> dict[str, Any]:
    """Run the bundled report query for the date; return a small preview."""
    text = sql.render(sql.load(REPORT_QUERY), snapshot_date=run.date)
    return {"query": REPORT_QUERY, **run.platform.query(text, max_rows=10)}


def refresh_report(run: Run) -> dict[str, Any]:
    """Rewrite the report of the newest snapshot date up to the run's date (an event for plays
    of a day with no snapshot yet reports on the day before, never on an empty date), with the
    figures its run kept.

    Raises:
        NoSnapshot: The lake holds no snapshot date yet (nothing to report on).
    """
    from spotify_transform.rawzone.manifest import snapshot_dates

    dates = snapshot_dates(run.platform.store, run.platform.raw_root)
    if not dates:
        raise NoSnapshot("no snapshot date in the lake yet: the daily run writes the first report")
    earlier = [d for d in dates if d <= run.date]
    return report(Run(run.settings, run.platform, (earlier or dates)[-1], run.run_id))


class NoSnapshot(Exception):
    """The lake has no snapshot date to report on."""


def report(
    run: Run, figures: dict[str, Any] | None = None, kinds: Sequence[str] | None = None
) -> dict[str, Any]:
    """Write the date's report pages (JSON + HTML with charts): by default the listener's week
    ending on the date, every year of their listening and all time, and the index; `kinds`
    (week, month, year, all) writes only those periods' pages. Returns where the first is."""
    from spotify_etl.report.periods import KINDS
    from spotify_etl.report.writer import write_report

    chosen = [k for k in KINDS if k in kinds] if kinds else None
    return write_report(run.settings, run.platform, run.date, figures, chosen)
