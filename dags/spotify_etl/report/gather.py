"""The report's figures (I/O): the curated tables and views through the platform's query engine
(the same Athena SQL on both platforms), and the raw zone's manifests.

One gathering serves every page a refresh writes (the week, each year, all time): the lake's
listening bounds, then at once the snapshot's sections (health, playlists, their history, the
library), the long view and the pages' listening — eight queries at most, run concurrently,
whatever the number of pages (`queries`).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from spotify_etl import sql
from spotify_etl.platforms import Platform
from spotify_etl.platforms.base import PlatformError, QueryError
from spotify_etl.report import figures, queries
from spotify_etl.report.cost import billed_bytes, monthly_cost, run_cost
from spotify_etl.report.periods import Kind, Period, period_of, periods_rows
from spotify_etl.report.raw import (
    curated_bytes,
    deferred_work,
    imports,
    listening_gaps,
    snapshot_dates,
    zone_sizes,
)
from spotify_etl.settings import PRICES, Settings
from spotify_transform.rawzone.manifest import read_snapshot

# Every report query aggregates in SQL to what the page shows (a date's playlists, the newest
# events, a chart's series), so none comes near this; one that ever does fails the report by
# name rather than show a page with rows silently missing.
MAX_REPORT_ROWS = 20_000
# The most queries of one gathering (bounds, health, playlists, history, library, long view,
# the pages' listening and top lists), all but the first at once.
MAX_QUERIES = 8


class ReportTruncated(PlatformError):
    """A report query returned more rows than the report reads."""


class _Runner:
    """Runs the report's queries on a small thread pool, counting what each scanned."""

    def __init__(self, platform: Platform, pool: ThreadPoolExecutor) -> None:
        self.platform, self.pool = platform, pool
        self.scanned: list[int] = []

    def submit(self, name: str, text: str) -> Future[list[list[Any]]]:
        return self.pool.submit(self._rows, name, text)

    def _rows(self, name: str, text: str) -> list[list[Any]]:
        result = self.platform.query(text, max_rows=MAX_REPORT_ROWS)
        self.scanned.append(int(result.get("data_scanned_bytes", 0) or 0))
        if int(result.get("row_count") or 0) > len(result["rows"]):
            raise ReportTruncated(
                f"the report's query {name!r} returned {result['row_count']:,} rows, more than "
                f"the {MAX_REPORT_ROWS:,} it reads: the page would be missing some, so none is "
                "written (a query that should aggregate does not: please report it)"
            )
        return [list(r) for r in result["rows"]]


def _bounds(rows: list[list[Any]]) -> dict[str, Any]:
    return {
        "years": sorted(str(r[0]) for r in rows if r[0]),
        "first": min((str(r[1]) for r in rows if r[1]), default=None),
        "last": max((str(r[2]) for r in rows if r[2]), default=None),
        "time_zone": next((str(r[3]) for r in rows if r[3]), None),
    }


def pages_for(day: str, kinds: Sequence[Kind] | None, bounds: dict[str, Any]) -> list[Period]:
    """The periods to gather: those of `kinds` that hold `day`; by default the week ending
    on it, every year of the lake's listening up to its year, and all time."""
    if kinds:
        return [period_of(k, day, bounds["first"]) for k in kinds]
    years = sorted({*bounds["years"], day[:4]} - {y for y in bounds["years"] if y > day[:4]})
    return [
        period_of("week", day),
        *(period_of("year", f"{y}-01-01") for y in years),
        period_of("all", day, bounds["first"]),
    ]


def gather_pages(
    settings: Settings,
    platform: Platform,
    day: str,
    kinds: Sequence[Kind] | None = None,
    run: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Every page's figures for `day` (see `pages_for`); the snapshot sections are those of the
    newest snapshot date on or before `day` (run: the XComs of the run that made it)."""
    snap = max((d for d in snapshot_dates(platform) if d <= day), default=None)
    manifest = read_snapshot(platform.store, platform.raw_root, snap) if snap else None
    zone = settings.timezone
    with ThreadPoolExecutor(max_workers=MAX_QUERIES, thread_name_prefix="report") as pool:
        q = _Runner(platform, pool)
        first = q.submit("listening_bounds", sql.load(f"reports/{queries.BOUNDS}.sql"))
        waiting: dict[str, Future[list[list[Any]]]] = {}
        checks_run = 0
        if snap:
            text, checks_run = queries.health_sql(
                snap,
                manifest.playlists_with_metadata if manifest else None,
                dict(manifest.library_totals) if manifest else None,
            )
            waiting["health"] = q.submit("health (row counts, quarantine_reasons, checks)", text)
            for section in (queries.PLAYLISTS, queries.HISTORY, queries.LIBRARY):
                waiting[section.name] = q.submit(
                    section.label, queries.section_sql(section, snap, zone)
                )
        waiting["long_view"] = q.submit(
            queries.LONG_VIEW.label, queries.section_sql(queries.LONG_VIEW, day, zone)
        )
        bounds = _bounds(_result(first))
        pages = pages_for(day, kinds, bounds)
        if bounds["last"]:  # nothing to scan in a lake without listening
            rows = periods_rows(pages, bounds["last"])
            for name in queries.PERIOD_QUERIES:
                waiting[name] = q.submit(f"periods/{name}", queries.periods_sql(name, rows))
        found = {name: figures.split(_result(f)) for name, f in waiting.items()}
    shared = _shared(settings, platform, snap, manifest, run or {}, found, checks_run, q.scanned)
    shared.update(time_zone=bounds["time_zone"] or zone, time_zone_setting=zone, date=day)
    shared["listening_span"] = {"first": bounds["first"], "last": bounds["last"]}
    return [_page(shared, found, p, day, bounds["last"]) for p in pages]


def _result(future: Future[list[list[Any]]]) -> list[list[Any]]:
    try:
        return future.result()
    except QueryError as exc:
        if "local_date" in str(exc) or "listening_credits" in str(exc):
            raise PlatformError(
                "the catalog's listening views predate the report's (no local_date or "
                "listening_credits): run the pipeline once (its crawl creates them), e.g. "
                "`spotify-pipeline run`"
            ) from None
        raise


def gather(
    settings: Settings, platform: Platform, snapshot_date: str, run: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The figures of one date's report: the listener's week ending on it."""
    return gather_pages(settings, platform, snapshot_date, ("week",), run)[0]


def _page(
    shared: dict[str, Any], found: dict[str, figures.Parts], period: Period, day: str,
    last_listen: str | None,
) -> dict[str, Any]:  # fmt: skip
    compared = period.comparison(last_listen) if period.kind != "all" else None
    listening = figures.period(found.get("listening", {}), found.get("top", {}), period.key)
    listening["compared"] = list(compared) if compared else None
    library = dict(shared["library"])
    library["liked_in_period"] = sum(
        n for d, n in library.pop("liked_per_day", {}).items() if period.start <= d <= period.end
    )
    return {
        **shared,
        "library": library,
        "page": {"kind": period.kind, "key": period.key, "value": period.value,
                 "start": period.start, "end": period.end, "title": period.title()},
        "listening": listening,
        "long_view": figures.long_view(found.get("long_view", {}), min(period.end, day)),
    }  # fmt: skip


def _shared(
    settings: Settings,
    platform: Platform,
    snap: str | None,
    manifest: Any,
    run: dict[str, Any],
    found: dict[str, figures.Parts],
    checks_run: int,
    scanned: list[int],
) -> dict[str, Any]:
    """What every page of one gathering shows alike: the snapshot's sections and the run."""
    transform, crawl = run.get("transform", {}), run.get("crawl", {})
    health = figures.health(found.get("health", {}))
    prices = {**PRICES, **settings.prices}
    on_aws = platform.name == "aws"
    cost = run_cost(
        on_aws, prices, settings.lambda_memory_mb, float(transform.get("seconds", 0) or 0),
        float(crawl.get("seconds", 0) or 0), scanned,
    )  # fmt: skip
    zone_bytes = zone_sizes(platform) if on_aws else {}
    monthly = (
        monthly_cost(cost, billed_bytes(scanned), zone_bytes, prices, settings.lambda_memory_mb)
        if on_aws
        else None
    )
    playlists = manifest.playlists if manifest else ()
    return {
        "snapshot_date": snap,
        "platform": platform.name,
        "rows": health["rows"],
        "entries_in": transform.get("entries"),
        "quarantined": health["quarantined"],
        "item_types": transform.get("item_types") or {},
        "api": {
            "calls": manifest.run.api_calls if manifest else None,
            "http_429": manifest.run.http_429 if manifest else None,
            "statuses": dict(manifest.statuses) if manifest else {},
            "shapes": dict(manifest.api_shape) if manifest else {},
        },
        "incomplete_playlists": _listed(playlists, ("incomplete", "error")),
        "skipped_playlists": _listed(playlists, ("skipped", "not_visible", "not_found")),
        "deferred": deferred_work(manifest),
        "library_problems": [
            {"dataset": name, "status": r.status, "message": r.message}
            for name, r in (manifest.library.items() if manifest else ())
            if r.status in ("forbidden", "incomplete", "error")
        ],
        "listening_gaps": listening_gaps(platform, snap) if snap else [],
        "imports": imports(platform),
        "schema_changes": crawl.get("schema_changes", []),
        **figures.playlists(found.get("playlists", {})),
        **figures.history(found.get("playlist_history", {})),
        "library": figures.library(found.get("library", {})),
        "checks": {"run": checks_run, "failed": health["failed"]},
        "bytes_scanned": sum(scanned),
        "queries": len(scanned),
        "bytes_billed": billed_bytes(scanned) if on_aws else 0,
        # What Athena would bill for these queries: as billed on AWS; locally each at most
        # the whole curated zone, and at least Athena's 10 MB.
        "athena_billed": billed_bytes(scanned) if on_aws else billed_bytes(
            [curated_bytes(platform)] * len(scanned)
        ),
        "cost_estimate": cost,
        "monthly_cost_estimate": monthly,
    }  # fmt: skip


def _listed(playlists: Any, statuses: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        {"playlist_id": p.playlist_id, "name": p.name, "status": p.status, "message": p.message}
        for p in playlists
        if p.status in statuses
    ]
