"""Names of the Airflow Assets the pipeline produces (pure: the DAG files build the Assets).

Each curated table is an Asset updated by the transform; its event carries the partition and
row count in `extra`. `spotify_report_refresh` is scheduled on them.
"""

from __future__ import annotations

from typing import Any

from spotify_transform.tables import SNAPSHOT_TABLES

PREFIX = "spotify_pipeline.curated."


def asset_name(table: str) -> str:
    """The Asset name of a curated table."""
    return f"{PREFIX}{table}"


def snapshot_extras(transformed: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Event extras per snapshot table from the transform's result (partition + rows)."""
    tables = transformed.get("tables", {})
    return {
        table: {"snapshot_date": transformed["snapshot_date"], "rows": tables[table]["rows"]}
        for table in SNAPSHOT_TABLES
        if table in tables
    }


def plays_extra(transformed: dict[str, Any]) -> dict[str, Any]:
    """Event extra of the plays Asset from the plays transform's result."""
    partitions = transformed.get("partitions", {})
    return {
        "played_dates": sorted(partitions),
        "rows": {day: info["rows"] for day, info in partitions.items()},
    }


def report_date(extras: list[dict[str, Any]], fallback: str) -> str:
    """The snapshot date a refresh reports on: the newest one named by the triggering events,
    else the newest played date, else `fallback` (the run's own date)."""
    snapshots = [str(e["snapshot_date"]) for e in extras if e.get("snapshot_date")]
    if snapshots:
        return max(snapshots)
    played = [str(d) for e in extras for d in e.get("played_dates", [])]
    return max(played) if played else fallback
