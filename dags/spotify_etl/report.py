"""The run report: a JSON file and a self-contained HTML page with charts, per snapshot date.

Figures come from the curated tables and views through the platform's query engine (the same
Athena SQL on both platforms) and from the raw-zone manifest. Charts are inline SVG drawn here,
so the page needs no network and no JavaScript. `render_html` is pure.

Written to `<home>/reports/snapshot_date=D/` locally, `s3://<curated>/_reports/snapshot_date=D/`
on AWS (outside every table folder, so the crawler never sees it).
"""

from __future__ import annotations

import html
import itertools
import json
from datetime import date
from typing import Any

from spotify_etl import charts, sql
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


# Athena bills each query's scan rounded up to the next megabyte, and at least 10 MB.
ATHENA_MB = 1024 * 1024
ATHENA_MIN_MB = 10


def billed_bytes(scanned: list[int]) -> int:
    """What Athena bills for queries that scanned these bytes (pure)."""
    return sum(max(ATHENA_MIN_MB, -(-b // ATHENA_MB)) * ATHENA_MB for b in scanned)


def _rows(platform: Platform, sql: str, scanned: list[int]) -> list[list[Any]]:
    result = platform.query(sql, max_rows=5000)
    scanned.append(int(result.get("data_scanned_bytes", 0) or 0))
    return [list(r) for r in result["rows"]]


# The report's query files (sql/reports/), each run for the report's date.
REPORT_QUERIES = (
    "quarantine_reasons", "leaderboard_top10", "release_decades", "changes_summary",
    "listening_last14", "item_kinds", "playlist_history", "changes_by_day", "artists_over_time",
    "listening_hours", "top_tracks_played", "top_artists_played",
)  # fmt: skip


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

    q = {name: report(name) for name in REPORT_QUERIES}
    checks_sql = sql.key_checks(d)
    failed_checks = _rows(platform, checks_sql, scanned)
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
        billed = billed_bytes(scanned)
        cost["athena_usd"] = round(billed / 1e12 * price["SPOTIFY_PRICE_ATHENA_PER_TB"], 6)
        seconds = float(transform.get("seconds", 0) or 0)
        gb_seconds = seconds * settings.lambda_memory_mb / 1024
        cost["lambda_usd"] = round(gb_seconds * price["SPOTIFY_PRICE_LAMBDA_PER_GB_SECOND"], 6)
        crawl_seconds = max(600.0, float(crawl.get("seconds", 0) or 0))  # billed 10 min minimum
        dpu_hours = crawl_seconds / 3600 * 2  # crawlers run on 2 DPUs
        cost["crawler_usd"] = round(dpu_hours * price["SPOTIFY_PRICE_GLUE_PER_DPU_HOUR"], 6)
    cost["total_usd"] = round(sum(cost.values()), 6)
    zone_bytes = zone_sizes(platform) if platform.name == "aws" else {}
    monthly = monthly_cost(
        cost, billed_bytes(scanned), zone_bytes, {**PRICES, **settings.prices},
        settings.lambda_memory_mb
    ) if platform.name == "aws" else None  # fmt: skip
    return {
        "snapshot_date": d,
        "platform": platform.name,
        "rows": counts,
        "entries_in": transform.get("entries"),
        "quarantined": {r[0]: int(r[1]) for r in q["quarantine_reasons"]},
        "item_types": transform.get("item_types") or {},
        "api": {
            "calls": manifest.get("run", {}).get("api_calls"),
            "http_429": manifest.get("run", {}).get("http_429"),
            "statuses": manifest.get("statuses", {}),
            "shapes": manifest.get("api_shape", {}),
        },
        "incomplete_playlists": incomplete,
        "non_track_entries": [
            {"playlist": str(r[0]), "item_type": str(r[1]), "entries": int(r[2])}
            for r in q["item_kinds"]
        ],
        "listening_gaps": listening_gaps(platform, d),
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
        "playlist_history": [
            {"date": str(r[0]), "playlist_id": r[1], "name": r[2],
             "items": None if r[3] is None else int(r[3]), "readable": _bool(r[4]) is True,
             "public": _bool(r[5])}
            for r in q["playlist_history"]
        ],
        "changes_by_day": [
            {"date": str(r[0]), "playlist_id": r[1], "change": r[2], "tracks": int(r[3])}
            for r in q["changes_by_day"]
        ],
        "artists_over_time": [
            {"date": str(r[0]), "artist_id": r[1], "artist": r[2], "entries": int(r[3])}
            for r in q["artists_over_time"]
        ],
        "listening_hours": [
            {"weekday": int(r[0]), "hour": int(r[1]), "plays": int(r[2])}
            for r in q["listening_hours"]
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


# Runs a month at the DAGs' schedules: the daily snapshot, the hourly listening history, and the
# report refresh after each of them (every refresh scans what the run's report scanned).
RUNS_PER_MONTH = {"spotify_pipeline": 30, "spotify_listening_history": 720}
# The hourly plays transform is one short invocation (~1-3 s measured locally on a day of
# plays); the estimate takes 3 s.
LISTENING_SECONDS_PER_RUN = 3.0


UNKNOWN_ARTIST = "unknown artist"


def _bool(value: Any) -> bool | None:
    """A boolean column's value: DuckDB gives bools, Athena gives the text 'true'/'false'."""
    if value is None or isinstance(value, bool):
        return value
    return {"true": True, "false": False}.get(str(value).strip().lower())


def artist_labels(rows: list[list[Any]]) -> list[str]:
    """Names to show for (name, …, id) rows: a name two artists (or tracks) share gets the end
    of each one's ID, so "Velvet" and "Velvet" become "Velvet (…v0Yg)" and "Velvet (…1Uh4)"."""
    names = [UNKNOWN_ARTIST if r[0] is None else str(r[0]) for r in rows]
    shared = {n for n in names if names.count(n) > 1}
    return [
        f"{n} (…{str(r[-1])[-4:]})" if n in shared else n for n, r in zip(names, rows, strict=True)
    ]


def monthly_cost(
    per_run: dict[str, float],
    report_bytes_billed: int,
    zone_bytes: dict[str, int],
    prices: dict[str, float],
    lambda_memory_mb: int,
) -> dict[str, Any]:
    """What a month costs at the current schedules (pure): the daily run's Lambda and crawler
    ×30; the hourly plays transform ×720 (its partitions are registered without a crawl);
    Athena: what the report's queries are billed (each at least 10 MB) after every run (30 +
    720 refreshes); S3: each zone's bytes."""
    daily = RUNS_PER_MONTH["spotify_pipeline"]
    hourly = RUNS_PER_MONTH["spotify_listening_history"]
    gb_s = LISTENING_SECONDS_PER_RUN * lambda_memory_mb / 1024
    lambda_usd = (
        per_run["lambda_usd"] * daily + gb_s * hourly * prices["SPOTIFY_PRICE_LAMBDA_PER_GB_SECOND"]
    )
    crawler_usd = per_run["crawler_usd"] * daily
    athena_usd = (
        report_bytes_billed / 1e12 * prices["SPOTIFY_PRICE_ATHENA_PER_TB"] * (daily + hourly)
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
    root = plays_root(platform.raw_root)
    gaps: list[dict[str, Any]] = []
    for day in sql.dates_up_to(snapshot_date, days):
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
        f'<td class="num">{x["entries"]:,}</td></tr>'
        for x in rows
    )
    return (
        '<h3>Entries that are not tracks</h3><table><thead><tr><th scope="col">playlist</th>'
        '<th scope="col">kind</th><th scope="col" class="num">entries</th></tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SIZE_SERIES = 6  # lines a chart can keep apart (colour, dash and marker each repeat after 7)
CSS = """
:root{color-scheme:light;--ink:#1b1b1b;--muted:#5a5a5a;--line:#d9d9d9;--ok:#00734d;--warn:#a34700}
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);
max-width:60rem;margin:0 auto;padding:1rem 1rem 3rem}
h1{font-size:1.6rem;margin:.5rem 0 0}h2{font-size:1.25rem;margin:2rem 0 .5rem;
border-bottom:2px solid var(--ink);padding-bottom:.2rem}h3{font-size:1.05rem;margin:1.2rem 0 .3rem}
.sub,.muted{color:var(--muted)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(9.5rem,1fr));gap:.6rem;
margin:1rem 0;padding:0;list-style:none}
.cards li{border:1px solid var(--line);border-radius:.5rem;padding:.5rem .7rem}
.cards b{display:block;font-size:1.35rem}.cards span{color:var(--muted);font-size:.85rem}
.status{font-weight:600}.status.ok{color:var(--ok)}.status.warn{color:var(--warn)}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
figure.chart{margin:1rem 0 1.5rem}figure svg{display:block;width:100%;max-width:40rem;height:auto}
figcaption{font-size:.85rem;color:var(--muted);margin-top:.2rem}
.chart-title{font-weight:600;margin:0}
details{font-size:.85rem;margin-top:.3rem}
.legend{list-style:none;padding:0;margin:.3rem 0;display:flex;flex-wrap:wrap;gap:.3rem 1rem;
font-size:.85rem;align-items:center}.legend li{display:flex;align-items:center;gap:.3rem}
.swatch{display:inline-block;width:.9rem;height:.9rem;border:1px solid #999;vertical-align:middle}
.warnings{border-left:4px solid var(--warn);padding:.2rem 1rem;background:#fff6ef}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(22rem,1fr));gap:0 2rem}
.change-add{color:#005a8c}.change-del{color:#a33a00}
@media (max-width:40rem){body{font-size:15px;padding:.6rem}h1{font-size:1.3rem}
.grid2{grid-template-columns:1fr}}
@media print{body{max-width:none;padding:0;font-size:11pt}details{display:none}
details.keep{display:block}details.keep::details-content{content-visibility:visible;display:block}
details.keep>summary{display:none}
h2{break-after:avoid}figure,table,.cards li{break-inside:avoid}a{color:inherit}
.warnings{background:none}}
"""


def _e(value: object) -> str:
    return html.escape(str(value))


def _n(value: float | None) -> str:
    return "–" if value is None else charts.number(value)


def _plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def _short(day: str) -> str:
    """'2026-11-28' → 'Sat 28' (axis labels that fit a phone)."""
    d = date.fromisoformat(day)
    return f"{WEEKDAYS[d.weekday()]} {d.day}"


def problems(r: dict[str, Any]) -> list[str]:
    """Everything that keeps the date from being complete and clean, one line each."""
    out = [
        f"Playlist {p['name'] or p['playlist_id']}: {p['status']} — {p['message']} (its entries "
        "are left out of this date)"
        for p in r.get("incomplete_playlists", [])
    ]
    out += [
        f"Listening history: plays may be missing before the fetch of {g['extracted_date']} "
        f"(run {g['run_id']}): its full page began after the stored cursor"
        for g in r.get("listening_gaps", [])
    ]
    out += [
        f"Check failed: {c['table']} {c['problem']} {c['key'] or ''} ×{c['rows']}".replace(
            "  ", " "
        )
        for c in r.get("checks", {}).get("failed", [])
    ]
    quarantined = sum(r.get("quarantined", {}).values())
    if quarantined:
        out.append(f"{_plural(quarantined, 'malformed entry', 'malformed entries')} quarantined")
    return out


def failed_checks(checks: dict[str, Any]) -> int:
    """Checks that failed: a check returns one row per offending key, so count the distinct
    (table, problem) pairs, never the rows."""
    return len({(f["table"], f["problem"]) for f in checks.get("failed", [])})


def _header(r: dict[str, Any]) -> str:
    api, issues = r["api"], problems(r)
    statuses = ", ".join(f"{n:,} {k.replace('_', ' ')}" for k, n in sorted(api["statuses"].items()))
    checks = r.get("checks", {"run": 0, "failed": []})
    passed = checks["run"] - failed_checks(checks)
    plays14 = sum(
        d["plays"]
        for d in r["listening_daily"]
        if d["date"] in sql.dates_up_to(r["snapshot_date"], 14)
    )
    status = (
        '<span class="status ok">✓ Complete: every playlist read whole, every check passed</span>'
        if not issues
        else f'<span class="status warn">⚠ {_plural(len(issues), "warning")} — see below</span>'
    )
    cards = [
        (_n(sum(api["statuses"].values())), "playlists", statuses or "none listed"),
        (_n(r["rows"].get("playlist_items", 0)), "playlist entries", _kinds(r["item_types"])
         if r["item_types"] else "positions in readable playlists"),
        (_n(sum(r["quarantined"].values())), "quarantined", "malformed entries set aside"),
        (_n(api["calls"] or 0), "API calls", f"{_n(api['http_429'] or 0)} rate-limited (429)"),
        (f"{passed:,} / {checks['run']:,}", "checks passed", "keys, references, counts"),
        (_n(plays14), "plays", "in the last 14 days"),
        (f"${r['cost_estimate']['total_usd']:.4f}", "cost of this run",
         "AWS estimate" if r["platform"] == "aws" else "local: nothing billed"),
    ]  # fmt: skip
    items = "".join(f"<li><b>{_e(v)}</b>{_e(label)}<br><span>{_e(sub)}</span></li>"
                    for v, label, sub in cards)  # fmt: skip
    rows = "".join(
        f'<tr><td>{_e(k)}</td><td class="num">{_n(v)}</td></tr>' for k, v in r["rows"].items()
    )
    warn = ""
    if issues:
        warn = ('<section class="warnings" aria-labelledby="warn"><h2 id="warn">Warnings</h2><ul>'
                + "".join(f"<li>{_e(x)}</li>" for x in issues) + "</ul></section>")  # fmt: skip
    return (
        f"<header><h1>Your Spotify lake on {_e(r['snapshot_date'])}</h1>"
        f'<p class="sub">Run report · platform {_e(r["platform"])} · {status}</p></header>'
        f'<ul class="cards">{items}</ul>{warn}'
        '<details class="keep"><summary>Rows per table on this date</summary><table><thead><tr>'
        '<th scope="col">table</th><th scope="col" class="num">rows</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></details>"
    )


def _current(r: dict[str, Any]) -> str:
    """Each playlist on the date, with what changed since its previous snapshot."""
    d, counts = r["snapshot_date"], _change_counts(r)
    body = []
    for pid, rows in sorted(_by_playlist(r).items(), key=lambda kv: kv[1][-1]["name"] or kv[0]):
        now = rows[-1]
        if now["date"] != d:
            continue
        before = rows[-2] if len(rows) > 1 else None
        notes = change_notes(pid, before, now, counts)
        if not now["readable"]:
            notes.append("contents not readable by this app")
        since = f" (since {before['date']})" if before is not None and notes else ""
        visibility = {True: "public", False: "private"}.get(now["public"], "–")
        body.append(
            f'<tr><td>{_e(now["name"] or pid)}</td><td class="num">{_n(now["items"])}</td>'
            f"<td>{visibility}</td><td>{_e(', '.join(notes) + since if notes else 'no change')}"
            "</td></tr>"
        )
    if not body:
        return ""
    return (
        '<section aria-labelledby="now"><h2 id="now">Playlists on this date</h2>'
        '<div class="scroll">'
        '<table><thead><tr><th scope="col">playlist</th><th scope="col" class="num">entries</th>'
        '<th scope="col">visibility</th><th scope="col">since the previous snapshot</th></tr>'
        f"</thead><tbody>{''.join(body)}</tbody></table></div></section>"
    )


def _by_playlist(r: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Each playlist's snapshots, oldest first."""
    out: dict[str, list[dict[str, Any]]] = {}
    for row in r.get("playlist_history", []):
        out.setdefault(row["playlist_id"], []).append(row)
    return out


def _change_counts(r: dict[str, Any]) -> dict[tuple[str, str, str], int]:
    return {
        (c["date"], c["playlist_id"], c["change"]): c["tracks"] for c in r.get("changes_by_day", [])
    }


def change_notes(
    pid: str,
    before: dict[str, Any] | None,
    now: dict[str, Any],
    counts: dict[tuple[str, str, str], int],
) -> list[str]:
    """What changed in a playlist between two snapshots: tracks added and removed, a rename,
    its visibility, emptied, no longer readable."""
    what = []
    if added := counts.get((now["date"], pid, "added")):
        what.append(f"+{added:,} added")
    if removed := counts.get((now["date"], pid, "removed")):
        what.append(f"−{removed:,} removed")
    if before is None:
        return what
    if before["name"] != now["name"]:
        what.append(f"renamed from “{before['name']}”")
    if before["public"] is True and now["public"] is False:
        what.append("made private")
    if before["public"] is False and now["public"] is True:
        what.append("made public")
    if (before["items"] or 0) > 0 and now["items"] == 0:
        what.append("emptied")
    if before["readable"] and not now["readable"]:
        what.append("contents no longer readable")
    return what


def _history(r: dict[str, Any]) -> str:
    rows = r.get("playlist_history", [])
    dates = sorted({x["date"] for x in rows})
    names: dict[str, str] = {}
    for x in rows:
        names[x["playlist_id"]] = x["name"] or x["playlist_id"]  # the latest name wins
    sizes = {(x["playlist_id"], x["date"]): x["items"] for x in rows if x["readable"]}
    latest = {x["playlist_id"]: x["items"] or 0 for x in rows if x["readable"]}
    charted = sorted(latest, key=lambda p: (-latest[p], names[p]))[:SIZE_SERIES]
    series = [
        (names[pid], [sizes.get((pid, day)) for day in dates])
        for pid in sorted(charted, key=lambda p: names[p])
    ]
    sizes_title = "Playlist sizes over time (entries)"
    if len(latest) > SIZE_SERIES:
        sizes_title = f"Playlist sizes over time: the {SIZE_SERIES} largest of {len(latest)}"
    by_day: dict[tuple[str, str], int] = {}
    for c in r.get("changes_by_day", []):
        by_day[c["date"], c["change"]] = by_day.get((c["date"], c["change"]), 0) + c["tracks"]
    # The window's first date is a change date only when it had a snapshot before it.
    first_changed = bool(dates) and any(c["date"] == dates[0] for c in r.get("changes_by_day", []))
    change_dates = dates if first_changed else dates[1:]
    artists = r.get("artists_over_time", [])
    ids = list(dict.fromkeys(a["artist_id"] for a in artists))
    newest = {a["artist_id"]: [a["artist"], a["artist_id"]] for a in artists}
    labels = dict(zip(ids, artist_labels([newest[i] for i in ids]), strict=True))
    counts = {(a["artist_id"], a["date"]): a["entries"] for a in artists}
    one_date = "The history fills in as snapshots accumulate: run the pipeline on more days."
    return (
        '<section aria-labelledby="hist"><h2 id="hist">History</h2>'
        + charts.lines(
            sizes_title, [_short(x) for x in dates], series, "entries",
            empty=one_date,
        )
        + charts.diverging(
            "Tracks added and removed per day (all playlists)", [_short(x) for x in change_dates],
            [by_day.get((x, "added"), 0) for x in change_dates],
            [by_day.get((x, "removed"), 0) for x in change_dates],
            empty="No tracks were added or removed between snapshots yet.",
        )
        + charts.lines(
            "Top artists over time (playlist entries)", [_short(x) for x in dates],
            [(labels[i], [counts.get((i, day)) for day in dates]) for i in ids], "entries",
            empty=one_date,
        )
        + _events(r)
        + "</section>"
    )  # fmt: skip


def playlist_events(r: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(date, playlist, what changed) between consecutive snapshots, newest first."""
    counts = _change_counts(r)
    dates = sorted({x["date"] for x in r.get("playlist_history", [])})
    events = []
    for pid, rows in _by_playlist(r).items():
        for before, now in itertools.pairwise(rows):
            if what := change_notes(pid, before, now, counts):
                events.append((now["date"], now["name"] or pid, ", ".join(what)))
        gone = [d for d in dates if d > rows[-1]["date"]]
        if gone:  # deleted, unfollowed or no longer named in SPOTIFY_PLAYLISTS
            events.append((gone[0], rows[-1]["name"] or pid, "no longer extracted"))
    return sorted(events, key=lambda e: (e[0], e[1]), reverse=True)


def _events(r: dict[str, Any]) -> str:
    events = playlist_events(r)
    if not events:
        return ""
    rows = "".join(
        f"<tr><td>{_e(_short(day))}</td><td>{_e(name)}</td><td>{_e(what)}</td></tr>"
        for day, name, what in events
    )
    return (
        '<h3>What changed, day by day</h3><div class="scroll"><table><thead><tr>'
        '<th scope="col">day</th><th scope="col">playlist</th><th scope="col">change</th>'
        f"</tr></thead><tbody>{rows}</tbody></table></div>"
    )


def _listening(r: dict[str, Any]) -> str:
    d = r["snapshot_date"]
    per_day = {x["date"]: x["plays"] for x in r["listening_daily"]}
    window = [x for x in sql.dates_up_to(d, 14) if per_day and x >= min(per_day)]
    grid = [[0] * 24 for _ in WEEKDAYS]
    for h in r.get("listening_hours", []):
        grid[h["weekday"] - 1][h["hour"]] += h["plays"]
    tracks = [(f"{t['track']} — {t['artist']}", t["plays"]) for t in r.get("top_tracks_played", [])]
    artists = [(a["artist"], a["plays"]) for a in r.get("top_artists_played", [])]
    none = "No plays yet: the listening DAG (spotify_listening_history) fills this in."
    return (
        '<section aria-labelledby="listen"><h2 id="listen">Listening</h2>'
        + charts.columns("Plays per day", [_short(x) for x in window],
                         [per_day.get(x, 0) for x in window], "plays", empty=none)
        + charts.heatmap("When you listen: plays by weekday and hour (UTC), last 14 days",
                         WEEKDAYS, [f"{h:02d}" for h in range(24)], grid, "plays", empty=none)
        + '<div class="grid2">'
        + charts.bars("Most played tracks, last 14 days", tracks, "plays", empty=none)
        + charts.bars("Most played artists, last 14 days", artists, "plays", empty=none)
        + "</div></section>"
    )  # fmt: skip


def _music(r: dict[str, Any]) -> str:
    artists = [(a["artist"], a["entries"]) for a in r["top_artists"]]
    decades = [(f"{d['decade']}s", d["entries"]) for d in r["release_decades"]]
    return (
        '<section aria-labelledby="music"><h2 id="music">In your playlists on this date</h2>'
        '<div class="grid2">'
        + charts.bars("Top artists (playlist entries)", artists, "entries")
        + charts.bars("Release decades (entries)", decades, "entries")
        + "</div>" + _non_tracks(r) + "</section>"
    )  # fmt: skip


def _quality(r: dict[str, Any]) -> str:
    checks = r.get("checks", {"run": 0, "failed": []})
    failed = checks["failed"]
    lines = [
        f"<li>{checks['run'] - failed_checks(checks):,} of {checks['run']:,} data-quality checks "
        "passed "
        "(no NULL or duplicate keys, every reference resolves, every readable playlist has "
        "exactly as many rows as Spotify's total).</li>"
    ]
    lines += [
        f"<li>Failed: {_e(c['table'])} {_e(c['problem'])} ×{c['rows']:,}</li>" for c in failed
    ]
    q = r["quarantined"]
    lines.append(
        "<li>Quarantine: "
        + (", ".join(f"{_e(k)} {v:,}" for k, v in sorted(q.items())) if q else "nothing (no "
           "malformed entry or file)")
        + ".</li>"
    )  # fmt: skip
    shapes = r["api"].get("shapes") or {}
    if shapes:
        kinds = ", ".join(f"{_e(k)} {v:,}" for k, v in sorted(shapes.items()))
        lines.append(f"<li>API response shapes: {kinds}.</li>")
    changes = r.get("schema_changes", [])
    lines.append(f"<li>Schema changes found by the crawl: {len(changes):,}.</li>")
    gaps = r.get("listening_gaps", [])
    lines.append(f"<li>Listening-history gaps in the last 14 days: {len(gaps):,}.</li>")
    return (
        '<section aria-labelledby="quality"><h2 id="quality">Data quality</h2>'
        f"<ul>{''.join(lines)}</ul></section>"
    )


def _cost(r: dict[str, Any]) -> str:
    cost = r["cost_estimate"]
    return (
        '<section aria-labelledby="cost"><h2 id="cost">Cost</h2>'
        f"<p>This run: ${cost['total_usd']:.4f} (Athena ${cost['athena_usd']:.4f}, Lambda "
        f"${cost['lambda_usd']:.4f}, crawler ${cost['crawler_usd']:.4f}); the report's "
        f"{_plural(r.get('queries', 0), 'query', 'queries')} scanned {_bytes(r['bytes_scanned'])}"
        + (
            f", billed as {_bytes(r['bytes_billed'])} (Athena bills at least 10 MB a query)"
            if r.get("bytes_billed")
            else ""
        )
        + f".</p>{_monthly(r.get('monthly_cost_estimate'))}"
        "</section>"
    )


def _bytes(n: int) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return _plural(n, "byte")


def render_html(report: dict[str, Any]) -> str:
    """The self-contained page: inline CSS and SVG, no script, nothing fetched (pure)."""
    r = report
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Spotify lake report {_e(r['snapshot_date'])}</title><style>{CSS}</style></head>"
        "<body><main>"
        + _header(r) + _current(r) + _history(r) + _listening(r) + _music(r) + _quality(r)
        + _cost(r)
        + f'<footer><p class="muted">spotify-pipeline · figures from the curated tables of '
        f"{_e(r['snapshot_date'])} and the raw-zone manifest · report.json holds them all.</p>"
        "</footer></main></body></html>\n"
    )  # fmt: skip


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
