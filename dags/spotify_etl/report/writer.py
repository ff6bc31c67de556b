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
    """Gather, render and store the report; return where it is."""
    from spotify_etl.report.gather import gather
    from spotify_etl.report.page import render_html

    report = gather(settings, platform, snapshot_date, run)
    folder = report_folder(platform.reports_root, snapshot_date)
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
