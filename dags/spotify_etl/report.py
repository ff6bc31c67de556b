"""The run report: a JSON file and a self-contained HTML page with charts, per snapshot date.

Figures come from the curated tables and views through the platform's query engine (the same
Athena SQL on both platforms) and from the raw-zone manifest. Charts are inline SVG drawn here,
so the page needs no network and no JavaScript. `render_html` is pure.

Written to `<home>/reports/snapshot_date=D/` locally, `s3://<curated>/_reports/snapshot_date=D/`
on AWS (outside every table folder, so the crawler never sees it).
"""

from __future__ import annotations

import html
import json
from typing import Any

from spotify_etl import sql
from spotify_etl.platforms import Platform, get_platform
from spotify_etl.settings import PRICES, Settings
from spotify_transform.layout import MANIFEST, plays_root, raw_partition
from spotify_transform.schemas import TABLES
from spotify_transform.storage import join


def report_folder(settings: Settings, platform: Platform, snapshot_date: str) -> str:
    """Where the date's report goes."""
    if platform.name == "local":
        return join(str(settings.home.resolve()), "reports", f"snapshot_date={snapshot_date}")
    return join(platform.curated_root, "_reports", f"snapshot_date={snapshot_date}")


def _rows(platform: Platform, sql: str, scanned: list[int]) -> list[list[Any]]:
    result = platform.query(sql, max_rows=1000)
    scanned.append(int(result.get("data_scanned_bytes", 0) or 0))
    return [list(r) for r in result["rows"]]


def gather(
    settings: Settings, platform: Platform, snapshot_date: str, run: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Collect the report's figures for one date (run: XComs of the DAG run, when known)."""
    run = run or {}
    d = snapshot_date
    scanned: list[int] = []
    counts: dict[str, int] = {}
    for name, table in TABLES.items():
        if table.partition == "snapshot_date":
            sql_count = f"SELECT count(*) FROM {name} WHERE snapshot_date = '{d}'"
            found = _rows(platform, sql_count, scanned)
            counts[name] = int(found[0][0]) if found and found[0][0] is not None else 0

    def report(name: str) -> list[list[Any]]:
        return _rows(
            platform, sql.render(sql.load(f"reports/{name}.sql"), snapshot_date=d), scanned
        )

    quarantine = report("quarantine_reasons")
    top_artists = report("leaderboard_top10")
    decades = report("release_decades")
    changes = report("changes_summary")
    listening = report("listening_last14")
    kinds = report("item_kinds")
    manifest_uri = join(raw_partition(platform.raw_root, d), MANIFEST)
    manifest = (
        json.loads(platform.store.read(manifest_uri)) if platform.store.exists(manifest_uri) else {}
    )
    transform = run.get("transform", {})
    crawl = run.get("crawl", {})
    incomplete = [
        {"playlist_id": p["playlist_id"], "name": p.get("name"), "status": p["status"],
         "message": p.get("message")}
        for p in manifest.get("playlists", [])
        if p.get("status") in ("incomplete", "error")
    ]  # fmt: skip
    cost = {"athena_usd": 0.0, "lambda_usd": 0.0, "crawler_usd": 0.0}
    if platform.name == "aws":  # the local platform costs nothing
        price = {**PRICES, **settings.prices}
        cost["athena_usd"] = round(sum(scanned) / 1e12 * price["SPOTIFY_PRICE_ATHENA_PER_TB"], 6)
        seconds = float(transform.get("seconds", 0) or 0)
        gb_seconds = seconds * settings.lambda_memory_mb / 1024
        cost["lambda_usd"] = round(gb_seconds * price["SPOTIFY_PRICE_LAMBDA_PER_GB_SECOND"], 6)
        crawl_seconds = max(600.0, float(crawl.get("seconds", 0) or 0))  # billed 10 min minimum
        dpu_hours = crawl_seconds / 3600 * 2  # crawlers run on 2 DPUs
        cost["crawler_usd"] = round(dpu_hours * price["SPOTIFY_PRICE_GLUE_PER_DPU_HOUR"], 6)
    cost["total_usd"] = round(sum(cost.values()), 6)
    zone_bytes = zone_sizes(platform) if platform.name == "aws" else {}
    monthly = monthly_cost(
        cost, sum(scanned), zone_bytes, {**PRICES, **settings.prices}, settings.lambda_memory_mb
    ) if platform.name == "aws" else None  # fmt: skip
    return {
        "snapshot_date": d,
        "platform": platform.name,
        "rows": counts,
        "entries_in": transform.get("entries"),
        "quarantined": {r[0]: int(r[1]) for r in quarantine},
        "item_types": transform.get("item_types") or {},
        "api": {
            "calls": manifest.get("run", {}).get("api_calls"),
            "http_429": manifest.get("run", {}).get("http_429"),
            "statuses": manifest.get("statuses", {}),
            "shapes": manifest.get("api_shape", {}),
        },
        "incomplete_playlists": incomplete,
        "non_track_entries": [
            {"playlist": str(r[0]), "item_type": str(r[1]), "entries": int(r[2])} for r in kinds
        ],
        "listening_gaps": listening_gaps(platform, d),
        "schema_changes": crawl.get("schema_changes", []),
        "playlist_changes": [
            {"playlist_id": r[0], "change": r[1], "tracks": int(r[2])} for r in changes
        ],
        "top_artists": [
            {"artist": label, "entries": int(r[1]), "playlists": int(r[2]), "artist_id": r[3]}
            for r, label in zip(top_artists, artist_labels(top_artists), strict=True)
        ],
        "release_decades": [{"decade": int(r[0]), "entries": int(r[1])} for r in decades],
        "listening_daily": [{"date": str(r[0]), "plays": int(r[1])} for r in reversed(listening)],
        "bytes_scanned": sum(scanned),
        "cost_estimate": cost,
        "monthly_cost_estimate": monthly,
    }  # fmt: skip


# Runs a month at the DAGs' schedules: the daily snapshot, the hourly listening history, and the
# report refresh after each of them (every refresh scans what the run's report scanned).
RUNS_PER_MONTH = {"spotify_pipeline": 30, "spotify_listening_history": 720}
# The hourly plays transform is one short invocation (~1-3 s measured locally on a day of
# plays); the estimate takes 3 s.
LISTENING_SECONDS_PER_RUN = 3.0


def artist_labels(rows: list[list[Any]]) -> list[str]:
    """Names to show for (name, …, artist_id) rows: a name two artists share gets the end of
    each one's ID, so "Velvet" and "Velvet" become "Velvet (…v0Yg)" and "Velvet (…1Uh4)"."""
    names = [str(r[0]) for r in rows]
    shared = {n for n in names if names.count(n) > 1}
    return [
        f"{n} (…{str(r[-1])[-4:]})" if n in shared else n for n, r in zip(names, rows, strict=True)
    ]


def monthly_cost(
    per_run: dict[str, float],
    report_bytes_scanned: int,
    zone_bytes: dict[str, int],
    prices: dict[str, float],
    lambda_memory_mb: int,
) -> dict[str, Any]:
    """What a month costs at the current schedules (pure): the daily run's Lambda and crawler
    ×30; the hourly plays transform ×720 (its partitions are registered without a crawl);
    Athena: the report's scan after every run (30 + 720 refreshes); S3: each zone's bytes."""
    daily = RUNS_PER_MONTH["spotify_pipeline"]
    hourly = RUNS_PER_MONTH["spotify_listening_history"]
    gb_s = LISTENING_SECONDS_PER_RUN * lambda_memory_mb / 1024
    lambda_usd = (
        per_run["lambda_usd"] * daily + gb_s * hourly * prices["SPOTIFY_PRICE_LAMBDA_PER_GB_SECOND"]
    )
    crawler_usd = per_run["crawler_usd"] * daily
    athena_usd = (
        report_bytes_scanned / 1e12 * prices["SPOTIFY_PRICE_ATHENA_PER_TB"] * (daily + hourly)
    )
    storage = {
        zone: round(size / 1e9 * prices["SPOTIFY_PRICE_S3_PER_GB_MONTH"], 6)
        for zone, size in sorted(zone_bytes.items())
    }
    parts = {
        "lambda_usd": round(lambda_usd, 6),
        "crawler_usd": round(crawler_usd, 6),
        "athena_usd": round(athena_usd, 6),
        "s3_usd": round(sum(storage.values()), 6),
    }
    return {
        **parts,
        "s3_by_zone_usd": storage,
        "total_usd": round(sum(parts.values()), 6),
        "runs_per_month": dict(RUNS_PER_MONTH),
    }


def zone_sizes(platform: Platform) -> dict[str, int]:
    """Bytes stored per zone (S3: every object listed)."""
    out: dict[str, int] = {}
    for zone, root in (("raw", platform.raw_root), ("curated", platform.curated_root)):
        client = platform.store.s3_client
        if client is None or not root.startswith("s3://"):
            continue
        bucket = root.removeprefix("s3://").split("/", 1)[0]
        total = 0
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            total += sum(int(o["Size"]) for o in page.get("Contents", []))
        out[zone] = total
    return out


def listening_gaps(platform: Platform, snapshot_date: str, days: int = 14) -> list[dict[str, Any]]:
    """Hourly fetches of the last `days` days whose full page began after the stored cursor:
    plays may be missing between the two (Spotify keeps only the last 50)."""
    from datetime import date, timedelta

    end = date.fromisoformat(snapshot_date)
    root = plays_root(platform.raw_root)
    gaps: list[dict[str, Any]] = []
    for n in range(days - 1, -1, -1):
        day = (end - timedelta(days=n)).isoformat()
        uri = join(root, f"extracted_date={day}", MANIFEST)
        if not platform.store.exists(uri):
            continue
        for entry in json.loads(platform.store.read(uri)).get("runs", []):
            for fetch in entry.get("fetches", []):
                if fetch.get("gap_warning"):
                    gaps.append(
                        {"extracted_date": day, "run_id": entry.get("run_id"),
                         "after": fetch.get("after"), "file": fetch.get("file")}
                    )  # fmt: skip
    return gaps


def _bars(title: str, items: list[tuple[str, float]], color: str) -> str:
    """A horizontal bar chart as inline SVG (empty data gives a labelled empty chart)."""
    width, row, label_w = 640, 24, 220
    height = max(1, len(items)) * row + 40
    top = max((v for _, v in items), default=0) or 1
    bars = []
    for i, (label, value) in enumerate(items):
        y = 30 + i * row
        w = (width - label_w - 60) * value / top
        bars.append(
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{html.escape(label)}</text>'
            f'<rect class="bar" x="{label_w}" y="{y + 2}" width="{w:.1f}" '
            f'height="{row - 6}" fill="{color}"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 15}">{value:g}</text>'
        )
    if not items:
        bars.append(f'<text x="{label_w}" y="50">no data</text>')
    return (
        f'<figure><svg role="img" aria-label="{html.escape(title)}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" '
        f'font-size="13"><text x="0" y="18" font-weight="bold">{html.escape(title)}</text>'
        f"{''.join(bars)}</svg></figure>"
    )


def _monthly(m: dict[str, Any] | None) -> str:
    """The month at the current schedules (AWS only; nothing is billed locally)."""
    if not m:
        return "<p>Per month: nothing (the local platform runs on this machine).</p>"
    zones = ", ".join(f"{z} ${v:.4f}" for z, v in m["s3_by_zone_usd"].items())
    return (
        f"<p>Per month at the current schedules (daily ×{m['runs_per_month']['spotify_pipeline']},"
        f" hourly ×{m['runs_per_month']['spotify_listening_history']}): "
        f"${m['total_usd']:.2f} — Lambda ${m['lambda_usd']:.2f}, crawler ${m['crawler_usd']:.2f},"
        f" Athena ${m['athena_usd']:.2f}, S3 ${m['s3_usd']:.2f} ({html.escape(zones)}).</p>"
    )


def _kinds(item_types: dict[str, int]) -> str:
    """'332 tracks, 1 episode, 1 local file, 1 unavailable' (every position is a row)."""
    words = {"track": "track", "episode": "episode", "local": "local file", "unavailable": ""}
    parts = []
    for kind in ("track", "episode", "local", "unavailable"):
        n = item_types.get(kind, 0)
        noun = words[kind] + ("s" if n != 1 and kind != "unavailable" else "")
        parts.append(f"{n:,} {noun}".strip() if kind != "unavailable" else f"{n:,} unavailable")
    return ", ".join(parts)


def _non_tracks(r: dict[str, Any]) -> str:
    """Positions that hold episodes, local files or unavailable entries, per playlist."""
    rows = r.get("non_track_entries", [])
    if not rows:
        return ""
    body = "".join(
        f"<tr><td>{html.escape(x['playlist'])}</td><td>{html.escape(x['item_type'])}</td>"
        f"<td>{x['entries']:,}</td></tr>"
        for x in rows
    )
    return (
        "<h2>Entries that are not tracks</h2><table><tr><th>playlist</th><th>kind</th>"
        f"<th>entries</th></tr>{body}</table>"
    )


def _warnings(r: dict[str, Any]) -> str:
    """Playlists not read whole and listening gaps: nothing is presented as complete."""
    items = [
        f"<li>playlist {html.escape(str(p['name'] or p['playlist_id']))}: {p['status']} — "
        f"{html.escape(str(p['message']))} (its entries are left out of this date)</li>"
        for p in r.get("incomplete_playlists", [])
    ] + [
        f"<li>listening history: plays may be missing before the fetch of "
        f"{html.escape(str(g['extracted_date']))} (run {html.escape(str(g['run_id']))}): its full "
        "page began after the stored cursor</li>"
        for g in r.get("listening_gaps", [])
    ]
    if not items:
        return ""
    return f'<section class="warnings"><h2>Warnings</h2><ul>{"".join(items)}</ul></section>'


def render_html(report: dict[str, Any]) -> str:
    """The self-contained page (inline CSS and SVG, no external resources)."""
    r = report
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{v}</td></tr>" for k, v in r["rows"].items())
    cost = r["cost_estimate"]
    artists = [(a["artist"], a["entries"]) for a in r["top_artists"]]
    decades = [(f"{d['decade']}s", d["entries"]) for d in r["release_decades"]]
    days = [(d["date"], d["plays"]) for d in r["listening_daily"]]
    changes = [(f"{c['playlist_id']} {c['change']}", c["tracks"]) for c in r["playlist_changes"]]
    charts = [
        _bars("Rows per table", list(r["rows"].items()), "#4c78a8"),
        _bars("Top artists (playlist entries)", artists, "#f58518"),
        _bars("Release decades (entries)", decades, "#54a24b"),
        _bars("Listening per day (plays)", days, "#b279a2"),
        _bars("Quarantined (by reason)", list(r["quarantined"].items()), "#e45756"),
        _bars("Playlist changes (tracks)", changes, "#72b7b2"),
    ]
    api = r["api"]
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>spotify-pipeline report {html.escape(r["snapshot_date"])}</title>
<style>body{{font-family:sans-serif;max-width:720px;margin:2em auto;color:#222}}
table{{border-collapse:collapse}}td{{border-bottom:1px solid #ddd;padding:2px 12px}}
figure{{margin:1.5em 0}}</style></head><body>
<h1>spotify-pipeline — {html.escape(r["snapshot_date"])} ({html.escape(r["platform"])})</h1>
<p>Entries read: {r["entries_in"]} · {html.escape(_kinds(r["item_types"]))} ·
API calls: {api["calls"]} · HTTP 429: {api["http_429"]} ·
statuses: {html.escape(json.dumps(api["statuses"]))} ·
schema changes: {len(r["schema_changes"])}</p>
{_warnings(r)}
{_non_tracks(r)}
<p>Estimated AWS cost of this run: ${cost["total_usd"]:.4f}
(Athena ${cost["athena_usd"]:.4f}, Lambda ${cost["lambda_usd"]:.4f},
crawler ${cost["crawler_usd"]:.4f}; {r["bytes_scanned"]} bytes scanned).</p>
{_monthly(r.get("monthly_cost_estimate"))}
<table>{rows}</table>
{"".join(charts)}
</body></html>
"""  # fmt: skip


def write_report(
    settings: Settings, snapshot_date: str, run: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Gather, render and store the report; return where it is."""
    platform = get_platform(settings)
    report = gather(settings, platform, snapshot_date, run)
    folder = report_folder(settings, platform, snapshot_date)
    platform.store.write(
        join(folder, "report.json"),
        json.dumps(report, indent=2, ensure_ascii=False).encode(),
        "application/json",
    )
    platform.store.write(
        join(folder, "report.html"), render_html(report).encode(), "text/html; charset=utf-8"
    )
    return {
        "snapshot_date": snapshot_date,
        "json": join(folder, "report.json"),
        "html": join(folder, "report.html"),
        "cost_usd": report["cost_estimate"]["total_usd"],
    }
