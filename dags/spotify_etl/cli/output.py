"""What the command line prints: tables, JSON, progress lines and run summaries (pure
formatting; `runner` and `commands` both use it)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from spotify_transform.rawzone.layout import partition_folder


def print_json(value: Any) -> None:
    """A result as indented JSON on stdout."""
    print(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def progress(line: str) -> None:
    """A progress line on stderr (stdout stays the result)."""
    print(line, file=sys.stderr, flush=True)


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Rows as an aligned text table with a header rule."""
    cells = [[str(c) for c in columns], *[["" if v is None else str(v) for v in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def day_line(
    snapshot_date: str, plays: dict[str, Any], snapshot: dict[str, Any], elapsed: float
) -> str:
    """One line per day of a backfill: the listening run and the daily snapshot (their XComs)."""
    ext = snapshot.get("extract", {})
    tr = snapshot.get("merge", {})
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(ext.get("statuses", {}).items()))
    fetched = plays.get("extract", {}).get("plays", 0)
    return (
        f"{snapshot_date}: {fetched} plays fetched · {ext.get('playlists')} playlists "
        f"({statuses}) · {tr.get('entries', 0):,} entries · {elapsed:.1f}s"
    )


def run_summary(
    dag_id: str,
    snapshot_date: str,
    state: str,
    xcoms: dict[str, Any],
    failed: Sequence[str],
    not_run: Sequence[str],
    lake: str,
    elapsed: float,
) -> str:
    """Human summary of a DAG run: tables, rows, quarantine, lake location and the report."""
    lines = [f"{dag_id} {snapshot_date}: {state} in {elapsed:.1f}s"]
    if state != "success":
        lines.append(f"failed task(s): {', '.join(failed) or 'none'}")
        if not_run:
            lines.append(f"not run: {', '.join(not_run)}")
        lines.append("the error is logged above; rerun with --verbose for every task log")
        return "\n".join(lines)
    if dag_id == "spotify_report_refresh":
        lines.append(f"report: {xcoms.get('report', {}).get('html')}")
        return "\n".join(lines)
    if dag_id == "spotify_listening_history":
        ext = xcoms.get("extract", {})
        tr = xcoms.get("transform", {})
        gap = " (gap warning: plays may be missing)" if ext.get("gap_warning") else ""
        lines.append(f"extract: {ext.get('plays')} plays fetched, cursor {ext.get('cursor')}{gap}")
        for day, info in sorted(tr.get("partitions", {}).items()):
            lines.append(f"  plays {partition_folder('played_date', day)} {info['rows']:>7} rows")
        if tr.get("skipped"):
            lines.append(f"  skipped: {tr['skipped']}")
        lines.append(f"lake: {lake}")
        return "\n".join(lines)
    ext = xcoms.get("extract", {})
    tr = xcoms.get("merge", {})
    crawl = xcoms.get("crawl", {})
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(ext.get("statuses", {}).items()))
    lines.append(
        f"extract: {ext.get('playlists')} playlists ({statuses}), {ext.get('api_calls')} API calls"
    )
    kinds = ", ".join(f"{n} {k}" for k, n in sorted((tr.get("item_types") or {}).items()))
    lines.append(
        f"transform: {tr.get('entries')} entries ({kinds or 'none'}), "
        f"{tr.get('quarantined')} quarantined"
    )
    for name, info in tr.get("tables", {}).items():
        lines.append(f"  {name:<15} {info['rows']:>7} rows")
    changes = crawl.get("schema_changes", [])
    lines.append(f"crawl: {len(crawl.get('tables', {}))} tables, {len(changes)} schema changes")
    lines.append(f"lake: {lake}")
    q = xcoms.get("query", {})
    if q:
        lines.append(f"report {q.get('query')}:")
        lines.append(table(q["columns"], q["rows"]))
    rep = xcoms.get("report", {})
    if rep:
        lines.append(f"report: {rep['html']}")
    return "\n".join(lines)


def import_summary(summary: dict[str, Any], curated_root: str, elapsed: float) -> str:
    """What an import read, kept and dropped, the dates it spans, and where the data is."""
    if not summary["committed"]:
        return (
            f"nothing new in {summary['source']}: its {summary['files']} files were imported "
            f"before, and the lake already holds them ({summary['lake']['rows_kept']:,} streams)"
        )
    dropped = ", ".join(f"{n:,} {r}" for r, n in summary["dropped"].items() if n) or "none"
    lake = summary["lake"]
    bad = summary["bad_files"]
    lines = [
        f"import {summary['import_id']} of {summary['source']} in {elapsed:.1f}s: "
        f"{summary['files']} files ({summary['new_files']} new), {summary['ignored']} other "
        "files ignored",
        f"  records read {summary['records_read']:,} · rows kept {summary['rows_kept']:,} · "
        f"dropped: {dropped} · quarantined {summary['quarantined']:,}"
        + (f" (whole files: {', '.join(bad)})" if bad else ""),
        f"  played {summary['first_played']} … {summary['last_played']}",
        f"  lake: {lake['files']} export files, {lake['rows_kept']:,} streams"
        + (" (every record accounted for)" if summary["balanced"] else " (COUNTS DO NOT BALANCE)"),
        f"  data: {curated_root}/streams · try: spotify-pipeline query "
        '"SELECT year(played_at) AS year, round(sum(ms_played) / 3.6e6) AS hours '
        'FROM listening GROUP BY 1 ORDER BY 1"',
    ]
    return "\n".join(lines)
