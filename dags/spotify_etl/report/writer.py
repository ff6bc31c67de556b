"""Gather, render and store a date's report (the one I/O entry point of the report)."""

from __future__ import annotations

import json
from typing import Any

from spotify_etl.platforms import Platform
from spotify_etl.settings import Settings
from spotify_transform.rawzone.layout import report_folder
from spotify_transform.uris import join


def write_report(
    settings: Settings,
    platform: Platform,
    snapshot_date: str,
    run: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Gather, render and store the report; return where it is.

    `run`: the figures of the run that made the date (the transform's counts, the crawl's
    schema changes and durations). They are kept beside the report (`run.json`), so a report
    written later without them (the Asset-driven refresh, `spotify-pipeline report`) reads
    them back and never shows a poorer page than the run's own."""
    from spotify_etl.report.gather import gather
    from spotify_etl.report.page import render_html

    folder = report_folder(platform.reports_root, snapshot_date)
    run = _run_figures(platform, folder, run)
    report = gather(settings, platform, snapshot_date, run)
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
