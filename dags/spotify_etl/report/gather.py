"""The report's figures (I/O): the curated tables and views through the platform's query engine
(the same Athena SQL on both platforms), and the raw zone's manifests."""

from __future__ import annotations

from typing import Any

from spotify_etl import sql
from spotify_etl.platforms import Platform
from spotify_etl.platforms.base import PlatformError
from spotify_etl.report.cost import billed_bytes, monthly_cost, run_cost
from spotify_etl.report.labels import UNKNOWN_ARTIST, artist_labels, parse_bool
from spotify_etl.settings import PRICES, Settings
from spotify_transform.rawzone.export import read_imports
from spotify_transform.rawzone.listening import read_plays
from spotify_transform.rawzone.manifest import SnapshotManifest, read_snapshot
from spotify_transform.tables import SNAPSHOT_TABLES
from spotify_transform.uris import is_s3, split_s3

# Every report query aggregates in SQL to what the page shows (a date's playlists, the newest
# events, a chart's series), so none comes near this; one that ever does fails the report by
# name rather than show a page with rows silently missing.
MAX_REPORT_ROWS = 20_000


class ReportTruncated(PlatformError):
    """A report query returned more rows than the report reads."""


def _rows(platform: Platform, sql: str, scanned: list[int], name: str = "") -> list[list[Any]]:
    result = platform.query(sql, max_rows=MAX_REPORT_ROWS)
    scanned.append(int(result.get("data_scanned_bytes", 0) or 0))
    if int(result.get("row_count") or 0) > len(result["rows"]):
        raise ReportTruncated(
            f"the report's query {name or sql[:60]!r} returned {result['row_count']:,} rows, "
            f"more than the {MAX_REPORT_ROWS:,} it reads: the page would be missing some, so "
            "none is written (a query that should aggregate does not: please report it)"
        )
    return [list(r) for r in result["rows"]]


# The report's query files (sql/reports/), each run for the report's date.
REPORT_QUERIES = (
    "quarantine_reasons", "leaderboard_top10", "release_decades", "changes_summary",
    "listening_last14", "item_kinds", "playlist_dates", "playlists_on_date", "playlist_events",
    "playlist_sizes", "changes_per_day", "artists_over_time", "listening_hours",
    "top_tracks_played", "top_artists_played", "listening_months", "top_artists_years",
)  # fmt: skip


def _step(r: list[Any]) -> dict[str, Any]:
    """A playlist's snapshot beside its previous one (rows of playlists_on_date and
    playlist_events: date, id, name, items, readable, public, then the same of the previous
    snapshot, then tracks added and removed)."""
    before = None
    if r[6] is not None:
        before = {"date": str(r[6]), "name": r[7], "items": _int(r[8]),
                  "readable": parse_bool(r[9]) is True, "public": parse_bool(r[10])}  # fmt: skip
    return {
        "date": str(r[0]), "playlist_id": r[1], "name": r[2], "items": _int(r[3]),
        "readable": parse_bool(r[4]) is True, "public": parse_bool(r[5]), "before": before,
        "added": int(r[11] or 0), "removed": int(r[12] or 0),
    }  # fmt: skip


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def gather(
    settings: Settings, platform: Platform, snapshot_date: str, run: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Collect the report's figures for one date (run: XComs of the DAG run, when known)."""
    run = run or {}
    d = snapshot_date
    scanned: list[int] = []
    counts: dict[str, int] = {}
    for name in SNAPSHOT_TABLES:
        sql_count = f"SELECT count(*) FROM {name} WHERE snapshot_date = '{d}'"
        found = _rows(platform, sql_count, scanned)
        counts[name] = int(found[0][0]) if found and found[0][0] is not None else 0

    def report(name: str) -> list[list[Any]]:
        return _rows(
            platform, sql.render(sql.load(f"reports/{name}.sql"), snapshot_date=d), scanned, name
        )

    q = {name: report(name) for name in REPORT_QUERIES}
    manifest = read_snapshot(platform.store, platform.raw_root, d)
    # The same checks as the run's `check` task, with what the manifest says was read.
    checks_sql = sql.key_checks(
        d,
        manifest.playlists_with_metadata if manifest else None,
        manifest.library_totals if manifest else None,
    )
    failed_checks = _rows(platform, checks_sql, scanned)
    transform = run.get("transform", {})
    crawl = run.get("crawl", {})
    incomplete = [
        {"playlist_id": p.playlist_id, "name": p.name, "status": p.status, "message": p.message}
        for p in (manifest.playlists if manifest else ())
        if p.status in ("incomplete", "error")
    ]
    prices = {**PRICES, **settings.prices}
    cost = run_cost(
        platform.name == "aws",
        prices,
        settings.lambda_memory_mb,
        float(transform.get("seconds", 0) or 0),
        float(crawl.get("seconds", 0) or 0),
        scanned,
    )
    zone_bytes = zone_sizes(platform) if platform.name == "aws" else {}
    monthly = monthly_cost(
        cost, billed_bytes(scanned), zone_bytes, prices, settings.lambda_memory_mb
    ) if platform.name == "aws" else None  # fmt: skip
    return {
        "snapshot_date": d,
        "platform": platform.name,
        "rows": counts,
        "entries_in": transform.get("entries"),
        "quarantined": {r[0]: int(r[1]) for r in q["quarantine_reasons"]},
        "item_types": transform.get("item_types") or {},
        "api": {
            "calls": manifest.run.api_calls if manifest else None,
            "http_429": manifest.run.http_429 if manifest else None,
            "statuses": dict(manifest.statuses) if manifest else {},
            "shapes": dict(manifest.api_shape) if manifest else {},
        },
        "incomplete_playlists": incomplete,
        "deferred": deferred_work(manifest),
        "library_problems": [
            {"dataset": name, "status": r.status, "message": r.message}
            for name, r in (manifest.library.items() if manifest else ())
            if r.status in ("forbidden", "incomplete", "error")
        ],
        "non_track_entries": [
            {"playlist": str(r[0]), "item_type": str(r[1]), "entries": int(r[2])}
            for r in q["item_kinds"]
        ],
        "listening_gaps": listening_gaps(platform, d),
        "imports": imports(platform),
        "schema_changes": crawl.get("schema_changes", []),
        "playlist_changes": [
            {"playlist_id": r[0], "change": r[1], "tracks": int(r[2])} for r in q["changes_summary"]
        ],
        "top_artists": [
            {"artist": label, "entries": int(r[1]), "playlists": int(r[2]), "artist_id": r[3]}
            for r, label in zip(
                q["leaderboard_top10"], artist_labels(q["leaderboard_top10"]), strict=True
            )
        ],
        "release_decades": [
            {"decade": int(r[0]), "entries": int(r[1])} for r in q["release_decades"]
        ],
        "listening_daily": [
            {"date": str(r[0]), "plays": int(r[1])} for r in reversed(q["listening_last14"])
        ],
        "playlist_dates": [str(r[0]) for r in q["playlist_dates"]],
        "playlists_now": [_step(r) for r in q["playlists_on_date"]],
        "playlist_events": {
            "shown": [{**_step(r), "gone": parse_bool(r[13]) is True}
                      for r in q["playlist_events"]],
            "total": int(q["playlist_events"][0][14]) if q["playlist_events"] else 0,
        },
        "playlist_sizes": {
            "series": [{"date": str(r[0]), "playlist_id": r[1], "name": r[2], "items": _int(r[3])}
                       for r in q["playlist_sizes"]],
            "playlists": int(q["playlist_sizes"][0][4]) if q["playlist_sizes"] else 0,
        },
        "changes_per_day": [
            {"date": str(r[0]), "added": int(r[1] or 0), "removed": int(r[2] or 0)}
            for r in q["changes_per_day"]
        ],
        "artists_over_time": [
            {"date": str(r[0]), "artist_id": r[1], "artist": r[2], "entries": int(r[3])}
            for r in q["artists_over_time"]
        ],
        "listening_hours": [
            {"weekday": int(r[0]), "hour": int(r[1]), "plays": int(r[2])}
            for r in q["listening_hours"]
        ],
        "listening_months": [
            {"month": str(r[0]), "minutes": float(r[1]), "plays": int(r[2])}
            for r in q["listening_months"]
        ],
        "top_artists_years": [
            {"year": str(r[0]), "rank": int(r[1]), "artist": str(r[2]), "minutes": float(r[3]),
             "plays": int(r[4])}
            for r in q["top_artists_years"]
        ],
        "top_tracks_played": [
            {"track": label, "artist": str(r[1] or UNKNOWN_ARTIST), "plays": int(r[2]),
             "track_id": r[3]}
            for r, label in zip(
                q["top_tracks_played"],
                artist_labels([[r[0] or "unknown track", r[3]] for r in q["top_tracks_played"]]),
                strict=True,
            )
        ],
        "top_artists_played": [
            {"artist": label, "plays": int(r[1]), "artist_id": r[2]}
            for r, label in zip(
                q["top_artists_played"], artist_labels(q["top_artists_played"]), strict=True
            )
        ],
        "checks": {
            "run": checks_sql.count("\nUNION ALL\n") + 1,
            "failed": [
                {"table": r[0], "problem": r[1], "key": r[2], "rows": int(r[3])}
                for r in failed_checks
            ],
        },
        "bytes_scanned": sum(scanned),
        "queries": len(scanned),
        "bytes_billed": billed_bytes(scanned) if platform.name == "aws" else 0,
        "cost_estimate": cost,
        "monthly_cost_estimate": monthly,
    }  # fmt: skip


def deferred_work(manifest: SnapshotManifest | None) -> dict[str, Any] | None:
    """What the call budget or Spotify's quota left for later, and when it resumes."""
    if manifest is None or not manifest.deferred:
        return None
    budget = manifest.budget
    return {
        "playlists": [
            {"playlist_id": p.playlist_id, "name": p.name, "resume_at": p.resume_at}
            for p in manifest.playlists
            if p.status == "deferred"
        ],
        "library": [n for n, r in manifest.library.items() if r.status == "deferred"],
        "resume_at": budget.resume_at if budget else None,
        "quota": bool(budget and budget.quota_exceeded),
        "spent": budget.spent if budget else None,
        "limit": budget.limit if budget else None,
    }


def zone_sizes(platform: Platform) -> dict[str, int]:
    """Bytes stored per zone (S3: every object listed)."""
    out: dict[str, int] = {}
    client = platform.store.s3_client
    for zone, root in (("raw", platform.raw_root), ("curated", platform.curated_root)):
        if client is None or not is_s3(root):
            continue
        bucket = split_s3(root)[0]
        total = 0
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            total += sum(int(o["Size"]) for o in page.get("Contents", []))
        out[zone] = total
    return out


def imports(platform: Platform) -> dict[str, Any] | None:
    """The lake's data-export imports: how many, and its accounting after the newest (every
    record read: kept, dropped per reason, quarantined)."""
    done = read_imports(platform.store, platform.raw_root)
    if not done:
        return None
    newest = done[-1]
    return {
        "imports": len(done),
        "newest": newest.import_id,
        "files": newest.lake_files,
        **newest.lake.to_dict(),
        "balanced": newest.lake.balanced,
    }


def listening_gaps(platform: Platform, snapshot_date: str, days: int = 14) -> list[dict[str, Any]]:
    """Hourly fetches of the last `days` days whose full page began after the stored cursor:
    plays may be missing between the two (Spotify keeps only the last 50)."""
    gaps: list[dict[str, Any]] = []
    for day in sql.dates_up_to(snapshot_date, days):
        manifest = read_plays(platform.store, platform.raw_root, day)
        for entry in manifest.runs if manifest else ():
            gaps += [
                {"extracted_date": day, "run_id": entry.run_id, "after": f.after, "file": f.file}
                for f in entry.fetches
                if f.gap_warning
            ]
    return gaps
