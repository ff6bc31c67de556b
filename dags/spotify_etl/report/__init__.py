"""The run report: a JSON file and a self-contained HTML page with charts, per snapshot date.

`gather` collects the figures (I/O: queries and manifests), `cost` prices them (pure), `page`
renders them (pure HTML with `charts`' inline SVG). Written to `<home>/reports/snapshot_date=D/`
locally, `s3://<curated>/_reports/snapshot_date=D/` on AWS (outside every table folder, so the
crawler never sees it).
"""

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
