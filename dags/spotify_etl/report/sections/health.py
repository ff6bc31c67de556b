"""The pipeline's health, data quality and cost (pure): one compact section, last on the page,
still complete; what is wrong also opens the page as a warning banner (`warnings`)."""

from __future__ import annotations

import html
from typing import Any

from spotify_etl.report.changes import failed_checks, plural, problems
from spotify_etl.report.sections.common import day, e, n, section, table


def warnings(r: dict[str, Any]) -> str:
    """The banner at the top of the page when the run has warnings (nothing when it has none)."""
    issues = problems(r)
    if not issues:
        return ""
    items = "".join(f"<li>{e(x)}</li>" for x in issues)
    return (
        f'<aside class="warnings" aria-labelledby="warn"><h2 id="warn">⚠ '
        f"{plural(len(issues), 'warning')} about this run</h2><ul>{items}</ul>"
        '<p><a href="#health">The pipeline\'s health</a> has the details.</p></aside>'
    )


def _kinds(item_types: dict[str, int]) -> str:
    """'332 tracks, 1 episode, 1 local file, 1 unavailable' (every position is a row; a
    malformed track is named only when there is one)."""
    words = {"track": "track", "episode": "episode", "local": "local file"}
    parts = []
    for kind in ("track", "episode", "local", "unavailable", "malformed"):
        count = item_types.get(kind, 0)
        if kind in words:
            parts.append(f"{count:,} {words[kind]}{'s' if count != 1 else ''}")
        elif count or kind == "unavailable":
            parts.append(f"{count:,} {kind}")
    return ", ".join(parts)


def _cards(r: dict[str, Any]) -> str:
    api = r["api"]
    statuses = ", ".join(f"{k:,} {s.replace('_', ' ')}" for s, k in sorted(api["statuses"].items()))
    checks = r.get("checks", {"run": 0, "failed": []})
    cards = [
        (n(sum(api["statuses"].values())), "playlists", statuses or "none listed"),
        (n(r["rows"].get("playlist_items", 0)), "playlist entries",
         _kinds(r["item_types"]) if r["item_types"] else "positions in readable playlists"),
        (n(sum(r["quarantined"].values())), "quarantined", "malformed entries set aside"),
        (n(api["calls"] or 0), "API calls", f"{n(api['http_429'] or 0)} rate-limited (429)"),
        (f"{checks['run'] - failed_checks(checks):,} / {checks['run']:,}", "checks passed",
         "keys, references, counts"),
        (f"${r['cost_estimate']['total_usd']:.4f}", "cost of this run",
         "AWS estimate" if r["platform"] == "aws" else "local: nothing billed"),
    ]  # fmt: skip
    items = "".join(
        f'<li><b>{e(v)}</b><span>{e(label)}</span><span class="sub">{e(sub)}</span></li>'
        for v, label, sub in cards
    )
    return f'<ul class="stats small">{items}</ul>'


def _imports(imp: dict[str, Any] | None) -> str:
    """What the data-export imports read and kept: every record accounted for."""
    if not imp:
        return (
            "<li>Data export: none imported yet (spotify-pipeline import my_spotify_data.zip "
            "brings your years of listening).</li>"
        )
    dropped = ", ".join(f"{k:,} {why.replace('_', ' ')}" for why, k in imp["dropped"].items() if k)
    return (
        f"<li>Data export: {plural(imp['imports'], 'import')} of {plural(imp['files'], 'file')}: "
        f"{imp['records_read']:,} records read, {imp['rows_kept']:,} kept as streams"
        + (f", dropped: {e(dropped)}" if dropped else "")
        + f", {imp['quarantined']:,} quarantined"
        + (" — every record accounted for." if imp["balanced"] else " — COUNTS DO NOT BALANCE.")
        + "</li>"
    )


def _quality(r: dict[str, Any]) -> str:
    checks = r.get("checks", {"run": 0, "failed": []})
    lines = [
        f"<li>{checks['run'] - failed_checks(checks):,} of {checks['run']:,} data-quality checks "
        "passed (no NULL or duplicate keys, every reference resolves, every readable playlist "
        "has exactly as many rows as Spotify's total).</li>"
    ]
    lines += [f"<li>Failed: {e(c['table'])} {e(c['problem'])} ×{c['rows']:,}</li>"
              for c in checks["failed"]]  # fmt: skip
    q = r["quarantined"]
    lines.append(
        "<li>Quarantine: "
        + (", ".join(f"{e(k)} {v:,}" for k, v in sorted(q.items())) if q
           else "nothing (no malformed entry or file)")
        + ".</li>"
    )  # fmt: skip
    shapes = r["api"].get("shapes") or {}
    if shapes:
        kinds = ", ".join(f"{e(k)} {v:,}" for k, v in sorted(shapes.items()))
        lines.append(f"<li>API response shapes: {kinds}.</li>")
    lines.append(
        f"<li>Schema changes found by the crawl: {len(r.get('schema_changes', [])):,}.</li>"
    )
    gaps = len(r.get("listening_gaps", []))
    lines.append(f"<li>Listening-history gaps in the last 14 days: {gaps:,}.</li>")
    lines.append(_imports(r.get("imports")))
    lines.append(
        f"<li>Listening days and hours are in {e(r.get('time_zone', 'UTC'))} "
        "(SPOTIFY_TIMEZONE); stored times are UTC.</li>"
    )
    return f"<h3>Data quality</h3><ul>{''.join(lines)}</ul>"


def _bytes(size: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:,.1f} {unit}"
    return plural(size, "byte")


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


def _cost(r: dict[str, Any]) -> str:
    cost, queries = r["cost_estimate"], r.get("queries", 0)
    pages = r.get("pages_written", 1)
    billed = r.get("athena_billed", r.get("bytes_billed", 0))
    where = "billed" if r["platform"] == "aws" else "on Athena they would be billed at most"
    return (
        "<h3>Cost</h3>"
        f"<p>This run: ${cost['total_usd']:.4f} (Athena ${cost['athena_usd']:.4f}, Lambda "
        f"${cost['lambda_usd']:.4f}, crawler ${cost['crawler_usd']:.4f}). "
        f"{'These ' + plural(pages, 'page') if pages > 1 else 'This page'} came from "
        f"{plural(queries, 'query', 'queries')} run at once, which scanned "
        f"{_bytes(r.get('bytes_scanned', 0))}; {where} {_bytes(billed)} "
        "(Athena bills at least 10 MB a query).</p>" + _monthly(r.get("monthly_cost_estimate"))
    )


def health(r: dict[str, Any]) -> str:
    if not r.get("snapshot_date"):
        body = (
            f"<p>No snapshot on or before {e(day(r['date']))}: the daily run writes the "
            "pipeline's figures.</p>" + _quality_listening(r) + _cost(r)
        )
        return section("health", "The pipeline's health", body)
    issues = problems(r)
    status = (
        '<p class="status ok">✓ Complete: every playlist read whole, every check passed</p>'
        if not issues
        else f'<p class="status warn">⚠ {plural(len(issues), "warning")}: '
        + "; ".join(e(x) for x in issues) + "</p>"
    )  # fmt: skip
    rows = table([("table", False), ("rows", True)],
                 [[e(k), n(v)] for k, v in r["rows"].items()])  # fmt: skip
    body = (
        status + _cards(r) + _quality(r)
        + f'<details class="keep"><summary>Rows per table on {e(r["snapshot_date"])}</summary>'
        + rows + "</details>" + _cost(r)
    )  # fmt: skip
    return section("health", "The pipeline's health", body)


def _quality_listening(r: dict[str, Any]) -> str:
    return f"<ul>{_imports(r.get('imports'))}</ul>"
