"""Gather, render and store a date's report pages (the one I/O entry point of the report).

A refresh writes the week ending on the date (the run report, at its folder since the first
release), a "wrapped" page for every year the lake's listening holds, all time, and the index
that links every page — all from one gathering (eight queries at most, whatever the number of
pages). `kinds` writes just the pages of those periods holding the date.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Sequence
from typing import Any

from spotify_etl.platforms import Platform
from spotify_etl.report.periods import Kind
from spotify_etl.settings import Settings
from spotify_transform.rawzone.layout import report_folder
from spotify_transform.rawzone.reports import (
    REPORT_PAGE,
    parse_report_page,
    period_report_folder,
    reports_index,
)
from spotify_transform.uris import join

_ORDER = {"week": 0, "month": 1, "year": 2, "all": 3}


def relative_href(from_folder: str, to_file: str) -> str:
    """A link from a page in `from_folder` to `to_file` (both under one reports root): a
    relative path, so the pages link each other wherever the folder is opened or served."""
    return posixpath.relpath(to_file, from_folder)


def write_report(
    settings: Settings,
    platform: Platform,
    snapshot_date: str,
    run: dict[str, Any] | None = None,
    kinds: Sequence[Kind] | None = None,
) -> dict[str, Any]:
    """Gather, render and store the pages; return where the first one (the week's, by default)
    is, and every page written.

    `run`: the figures of the run that made the date (the transform's counts, the crawl's
    schema changes and durations). They are kept beside the week's report (`run.json`), so a
    report written later without them (the Asset-driven refresh, `spotify-pipeline report`)
    reads them back and never shows a poorer page than the run's own."""
    from spotify_etl.report.gather import gather_pages
    from spotify_etl.report.index import render_index
    from spotify_etl.report.page import render_html

    run = _run_figures(platform, report_folder(platform.reports_root, snapshot_date), run)
    pages = gather_pages(settings, platform, snapshot_date, kinds, run)
    root = platform.reports_root
    folders = [period_report_folder(root, p["page"]["kind"], p["page"]["value"]) for p in pages]
    known = _existing(platform) | {(p["page"]["kind"], p["page"]["value"]) for p in pages}
    written = []
    for page, folder in zip(pages, folders, strict=True):
        page["pages_written"] = len(pages)
        page["pages"] = _nav(root, folder, known, page)
        platform.store.write(
            join(folder, "report.json"),
            json.dumps(page, indent=2, ensure_ascii=False).encode(),
            "application/json",
        )
        html = join(folder, REPORT_PAGE)
        platform.store.write(html, render_html(page).encode(), "text/html; charset=utf-8")
        written.append(html)
    index = reports_index(root)
    platform.store.write(
        index, render_index(_entries(root, root, known)).encode(), "text/html; charset=utf-8"
    )
    main = pages[0]
    return {
        "snapshot_date": snapshot_date,
        "period": main["page"]["kind"],
        "json": join(folders[0], "report.json"),
        "html": written[0],
        "pages": written,
        "index": index,
        "queries": main["queries"],
        "cost_usd": main["cost_estimate"]["total_usd"],
    }


def _existing(platform: Platform) -> set[tuple[str, str]]:
    """The pages already in the reports folder, as (kind, value)."""
    found = set()
    for uri in platform.store.list_files(platform.reports_root):
        parsed = parse_report_page(uri)
        if parsed:
            found.add(parsed)
    return found


def _label(kind: str, value: str) -> str:
    from spotify_etl.report.sections.common import day, month

    if kind == "week":
        return f"Week to {day(value)}"
    if kind == "month":
        return month(value)
    return value if kind == "year" else f"All time, to {day(value)}"


def _entries(root: str, here: str, known: set[tuple[str, str]]) -> list[dict[str, str]]:
    """Every known page, newest first within each kind, with a link relative to `here`."""
    ordered = sorted(known, key=lambda kv: kv[1], reverse=True)
    ordered.sort(key=lambda kv: _ORDER[kv[0]])  # stable: newest first within each kind
    return [
        {"kind": kind, "value": value, "label": _label(kind, value),
         "href": relative_href(here, join(period_report_folder(root, kind, value), REPORT_PAGE))}
        for kind, value in ordered
    ]  # fmt: skip


def _nav(
    root: str, folder: str, known: set[tuple[str, str]], page: dict[str, Any]
) -> list[dict[str, Any]]:
    """The page's links: the newest week, every year, the newest all time (and this page), the
    index (which lists every page)."""
    kind, value = page["page"]["kind"], page["page"]["value"]
    entries = _entries(root, folder, known)
    newest = {k: next((x for x in entries if x["kind"] == k), None) for k in ("week", "all")}
    shown = [x for x in entries if x["kind"] == "year"]
    if newest["week"]:
        shown.insert(0, {**newest["week"], "label": "This week"})
    if newest["all"]:
        shown.append({**newest["all"], "label": "All time"})
    if (kind, value) not in {(x["kind"], x["value"]) for x in shown}:
        shown.insert(0, next(x for x in entries if (x["kind"], x["value"]) == (kind, value)))
    links = [{**x, "current": (x["kind"], x["value"]) == (kind, value)} for x in shown]
    links.append({"label": "Every page", "href": relative_href(folder, reports_index(root)),
                  "current": False})  # fmt: skip
    return links


# What a report needs of the run's figures (small, and nothing personal).
_KEPT = {"transform": ("entries", "item_types", "seconds"), "crawl": ("schema_changes", "seconds")}


def _run_figures(
    platform: Platform, folder: str, run: dict[str, Any] | None
) -> dict[str, Any] | None:
    """Keep the run's figures beside the report, or read back the ones a run kept."""
    uri = join(folder, "run.json")
    if run:
        kept = {
            step: {k: run[step][k] for k in keys if k in (run.get(step) or {})}
            for step, keys in _KEPT.items()
        }
        platform.store.write(uri, json.dumps(kept, sort_keys=True).encode(), "application/json")
        return kept
    if platform.store.exists(uri):
        kept_back: dict[str, Any] = json.loads(platform.store.read(uri))
        return kept_back
    return None
