"""What the command line prints: tables, JSON, progress lines and run summaries (pure
formatting; `runner` and `commands` both use it)."""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections.abc import Sequence
from datetime import date
from typing import Any

from spotify_transform.rawzone.layout import partition_folder


def print_json(value: Any) -> None:
    """A result as indented JSON on stdout."""
    print(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def progress(line: str) -> None:
    """A progress line on stderr (stdout stays the result)."""
    print(line, file=sys.stderr, flush=True)


MAX_CELL_WIDTH = 60  # display columns of a table cell; longer text ends in "…"
_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")
_ZERO_WIDTH_CATEGORIES = ("Mn", "Me", "Cf")  # combining marks, format characters (ZWJ, VS16)


def strip_ansi(text: str) -> str:
    """`text` without terminal escape sequences (colour, underline, cursor moves)."""
    return _ANSI.sub("", text)


def char_width(char: str) -> int:
    """Terminal columns one character takes: 2 for East Asian wide and fullwidth characters
    (CJK, most emoji), 0 for combining marks and zero-width format characters, else 1."""
    if unicodedata.category(char) in _ZERO_WIDTH_CATEGORIES:
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Terminal columns `text` takes. An emoji joined to the one before by U+200D (👩‍💻)
    draws inside it; a narrow symbol made an emoji by U+FE0F (❤️) takes 2, as terminals draw
    them."""
    width, counted, joined = 0, "", False
    for char in text:
        if joined:
            joined, counted = False, ""
        elif char == "\u200d":
            joined = True
        elif char == "\ufe0f":
            width += 1 if counted and char_width(counted) == 1 else 0
            counted = ""
        else:
            width += char_width(char)
            counted = char
    return width


def fit(text: str, width: int) -> str:
    """`text` cut to at most `width` display columns, ending in "…" when cut."""
    if display_width(text) <= width:
        return text
    kept = ""
    for char in text:
        if display_width(kept + char) > width - 1:
            break
        kept += char
    return kept + "…"


def pad(text: str, width: int) -> str:
    """`text` padded with spaces to `width` display columns."""
    return text + " " * (width - display_width(text))


def sql_text(value: Any) -> str:
    """A value as SQL shows it: NULL, true/false, arrays `[a, b]`, maps and rows `{k=v}`."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(sql_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={sql_text(v)}" for k, v in value.items()) + "}"
    return str(value)


def _cell(value: Any) -> str:
    """A table cell: its SQL text on one line (control characters escaped, so neither a line
    break nor a terminal escape in the data reaches the screen), cut to MAX_CELL_WIDTH."""
    text = "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
        for ch in sql_text(value)
    )
    return fit(text, MAX_CELL_WIDTH)


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Rows as a text table with a header rule, aligned by display width (a CJK character or
    an emoji takes two columns); values as SQL shows them, long ones cut with "…"."""
    cells = [[_cell(c) for c in columns], *[[_cell(v) for v in r] for r in rows]]
    widths = [max(display_width(r[i]) for r in cells) for i in range(len(columns))]
    lines = ["  ".join(pad(v, w) for v, w in zip(r, widths, strict=True)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def query_json(result: dict[str, Any], max_rows: int | None) -> dict[str, Any]:
    """A query's result as `--json` prints it: every row, or the first `max_rows` when given;
    `row_count` is always the whole result's, `truncated` says whether rows were left out."""
    rows = result["rows"] if max_rows is None else result["rows"][:max_rows]
    return {**result, "rows": rows, "truncated": len(rows) < result["row_count"]}


def plural(count: int, noun: str) -> str:
    """`1 row`, `2 rows`."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def query_footer(result: dict[str, Any]) -> str:
    """The line under a query's table: how many rows, how many not shown, the full result."""
    count = result["row_count"]
    more = count - len(result["rows"])
    return (
        f"({plural(count, 'row')}{f', {more} not shown' if more > 0 else ''}; "
        f"full result: {result['output_location']})"
    )


def catalog_listing(tables: Sequence[dict[str, Any]]) -> str:
    """The `tables` command's text: each table or view, then its columns and types."""
    blocks = []
    for entry in tables:
        columns = entry["columns"]
        width = max((display_width(c["name"]) for c in columns), default=0)
        lines = [f"{entry['name']} ({entry['kind']}, {plural(len(columns), 'column')})"]
        lines += [f"  {pad(c['name'], width)}  {c['type']}" for c in columns]
        blocks.append("\n".join(lines))
    kinds = [t["kind"] for t in tables]
    blocks.append(f"{plural(kinds.count('table'), 'table')}, {plural(kinds.count('view'), 'view')}")
    return "\n\n".join(blocks)


LAKE_HINT = "SPOTIFY_PIPELINE_HOME, default: ./.lake in the current folder"


def no_lake(home: str, started: bool) -> str:
    """Why a command that reads the lake cannot: where it looked, and how to point elsewhere."""
    if started:
        return (
            f"the lake at {home} ({LAKE_HINT}) has no tables yet: run the pipeline first "
            "(`spotify-pipeline run`), or set SPOTIFY_PIPELINE_HOME to your lake"
        )
    return (
        f"no lake at {home} ({LAKE_HINT}): run the pipeline first or set "
        "SPOTIFY_PIPELINE_HOME to your lake"
    )


def no_data(
    day: str, dates: Sequence[str], first_listen: str | None = None, shown: int = 10
) -> str:
    """A date the lake has no data for, and the dates it has: the snapshots as runs of
    consecutive days (`first … last`, the latest `shown` runs, earlier ones as "…", and how
    many dates in all), and the first day of its listening history."""
    listening = f"; listening from {first_listen} on" if first_listen else ""
    if not dates:
        if first_listen:
            return f"no data for {day}: the lake holds no snapshot yet{listening}"
        return f"no data for {day}: the lake holds no snapshot yet; run the pipeline first"
    runs: list[list[date]] = []
    for d in sorted({date.fromisoformat(d) for d in dates}):
        if runs and (d - runs[-1][-1]).days == 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    parts = [f"{r[0]}" if len(r) == 1 else f"{r[0]} … {r[-1]}" for r in runs[-shown:]]
    earlier = "…, " if len(runs) > shown else ""
    total = sum(len(r) for r in runs)
    return f"no data for {day}; dates with data: {earlier}{', '.join(parts)} ({total}){listening}"


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
