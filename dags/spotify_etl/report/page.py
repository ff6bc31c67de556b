"""The report page (pure): the figures `gather` collected, as one self-contained HTML file with
inline CSS (`page.css`) and SVG charts (`charts`), no script, nothing fetched."""

from __future__ import annotations

import html
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from spotify_etl import sql
from spotify_etl.report import charts
from spotify_etl.report.changes import (
    WEEKDAYS,
    change_notes,
    failed_checks,
    playlist_events,
    plural,
    problems,
)
from spotify_etl.report.labels import artist_labels


@cache
def css() -> str:
    """The page's style sheet (inlined: the page fetches nothing)."""
    return (resources.files("spotify_etl.report") / "page.css").read_text(encoding="utf-8")


def _e(value: object) -> str:
    return html.escape(str(value))


def _n(value: float | None) -> str:
    return "–" if value is None else charts.number(value)


def _short(day: str) -> str:
    """'2026-11-28' → 'Sat 28' (axis labels that fit a phone)."""
    d = date.fromisoformat(day)
    return f"{WEEKDAYS[d.weekday()]} {d.day}"


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
    """'332 tracks, 1 episode, 1 local file, 1 unavailable' (every position is a row; a
    malformed track is named only when there is one)."""
    words = {"track": "track", "episode": "episode", "local": "local file"}
    parts = []
    for kind in ("track", "episode", "local", "unavailable", "malformed"):
        n = item_types.get(kind, 0)
        if kind in words:
            parts.append(f"{n:,} {words[kind]}{'s' if n != 1 else ''}")
        elif n or kind == "unavailable":
            parts.append(f"{n:,} {kind}")
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
        else f'<span class="status warn">⚠ {plural(len(issues), "warning")} — see below</span>'
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
    body = []
    deferred = {p["playlist_id"]: p for p in (r.get("deferred") or {}).get("playlists", [])}
    for now in r.get("playlists_now", []):
        notes = change_notes(now)
        if now["playlist_id"] in deferred:
            notes = [f"deferred: read after {deferred[now['playlist_id']]['resume_at']}"]
        elif not now["readable"]:
            notes.append("contents not readable by this app")
        before = now.get("before")
        since = f" (since {before['date']})" if before is not None and notes else ""
        visibility = {True: "public", False: "private"}.get(now["public"], "–")
        body.append(
            f"<tr><td>{_e(now['name'] or now['playlist_id'])}</td>"
            f'<td class="num">{_n(now["items"])}</td>'
            f"<td>{visibility}</td><td>{_e(', '.join(notes) + since if notes else 'no change')}"
            "</td></tr>"
        )
    if not body:
        return _none_readable(r)
    return (
        '<section aria-labelledby="now"><h2 id="now">Playlists on this date</h2>'
        '<div class="scroll">'
        '<table><thead><tr><th scope="col">playlist</th><th scope="col" class="num">entries</th>'
        '<th scope="col">visibility</th><th scope="col">since the previous snapshot</th></tr>'
        f"</thead><tbody>{''.join(body)}</tbody></table></div></section>"
    )


def _none_readable(r: dict[str, Any]) -> str:
    """A date whose extract read no playlist: say so, and why, rather than show nothing."""
    statuses = r["api"]["statuses"]
    if not statuses:
        return ""
    what = ", ".join(f"{n:,} {k.replace('_', ' ')}" for k, n in sorted(statuses.items()))
    return (
        '<section aria-labelledby="now"><h2 id="now">Playlists on this date</h2>'
        f"<p>No playlist could be read on this date ({_e(what)}). Spotify lets this app read "
        "only playlists you own or collaborate on: followed ones are skipped, and a playlist "
        "that is gone or hidden answers 404 or 403.</p></section>"
    )


def _history(r: dict[str, Any]) -> str:
    dates = r.get("playlist_dates", [])
    sizes = r.get("playlist_sizes", {})
    names: dict[str, str] = {}
    values: dict[tuple[str, str], int | None] = {}
    for x in sizes.get("series", []):
        names[x["playlist_id"]] = x["name"] or x["playlist_id"]
        values[x["playlist_id"], x["date"]] = x["items"]
    series = [
        (names[pid], [values.get((pid, day)) for day in dates])
        for pid in sorted(names, key=lambda p: names[p])
    ]
    sizes_title = "Playlist sizes over time (entries)"
    if sizes.get("playlists", 0) > len(names):
        sizes_title = (
            f"Playlist sizes over time: the {len(names)} largest of {sizes['playlists']:,}"
        )
    by_day = {
        (c["date"], k): c[k] for c in r.get("changes_per_day", []) for k in ("added", "removed")
    }
    # The window's first date is a change date only when it had a snapshot before it.
    first_changed = bool(dates) and any(c["date"] == dates[0] for c in r.get("changes_per_day", []))
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


def _events(r: dict[str, Any]) -> str:
    events = playlist_events(r)
    if not events:
        return ""
    total = r.get("playlist_events", {}).get("total", len(events))
    more = f" (the newest {len(events):,} of {total:,})" if total > len(events) else ""
    rows = "".join(
        f"<tr><td>{_e(_short(day))}</td><td>{_e(name)}</td><td>{_e(what)}</td></tr>"
        for day, name, what in events
    )
    return (
        f'<h3>What changed, day by day{more}</h3><div class="scroll"><table><thead><tr>'
        '<th scope="col">day</th><th scope="col">playlist</th><th scope="col">change</th>'
        f"</tr></thead><tbody>{rows}</tbody></table></div>"
    )


def _long_view(r: dict[str, Any]) -> str:
    """Minutes per month over the years, and each year's top artists (from `listening`)."""
    months = r.get("listening_months", [])
    none = (
        "Only the last days so far: import your Spotify data export "
        "(spotify-pipeline import my_spotify_data.zip) to see your years."
    )
    hours = charts.columns(
        "Hours listened per month", [m["month"] for m in months],
        [round(m["minutes"] / 60, 1) for m in months], "hours", empty=none,
    )  # fmt: skip
    years: dict[str, list[dict[str, Any]]] = {}
    for a in r.get("top_artists_years", []):
        years.setdefault(a["year"], []).append(a)
    if not years:
        return hours
    body = "".join(
        f"<tr><td>{_e(year)}</td><td>"
        + _e(", ".join(f"{a['artist']} ({a['minutes'] / 60:,.0f} h)" for a in top))
        + "</td></tr>"
        for year, top in years.items()
    )
    return (
        hours + '<h3>Your top artists, year by year (hours listened)</h3><div class="scroll">'
        '<table><thead><tr><th scope="col">year</th><th scope="col">top five</th></tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
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
        + _long_view(r)
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


def _imports(imp: dict[str, Any] | None) -> str:
    """What the data-export imports read and kept: every record accounted for."""
    if not imp:
        return (
            "<li>Data export: none imported yet (spotify-pipeline import my_spotify_data.zip "
            "brings your years of listening).</li>"
        )
    dropped = ", ".join(f"{n:,} {r.replace('_', ' ')}" for r, n in imp["dropped"].items() if n)
    return (
        f"<li>Data export: {plural(imp['imports'], 'import')} of {plural(imp['files'], 'file')}: "
        f"{imp['records_read']:,} records read, {imp['rows_kept']:,} kept as streams"
        + (f", dropped: {_e(dropped)}" if dropped else "")
        + f", {imp['quarantined']:,} quarantined"
        + (" — every record accounted for." if imp["balanced"] else " — COUNTS DO NOT BALANCE.")
        + "</li>"
    )


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
    lines.append(_imports(r.get("imports")))
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
        f"{plural(r.get('queries', 0), 'query', 'queries')} scanned {_bytes(r['bytes_scanned'])}"
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
    return plural(n, "byte")


def render_html(report: dict[str, Any]) -> str:
    """The self-contained page: inline CSS and SVG, no script, nothing fetched (pure)."""
    r = report
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Spotify lake report {_e(r['snapshot_date'])}</title><style>{css()}</style></head>"
        "<body><main>"
        + _header(r) + _current(r) + _history(r) + _listening(r) + _music(r) + _quality(r)
        + _cost(r)
        + f'<footer><p class="muted">spotify-pipeline · figures from the curated tables of '
        f"{_e(r['snapshot_date'])} and the raw-zone manifest · report.json holds them all.</p>"
        "</footer></main></body></html>\n"
    )  # fmt: skip
