"""What the report reads besides the queries (I/O): the raw zone's manifests (deferred work, the
data-export imports, the listening history's gaps) and, on AWS, the zones' sizes."""

from __future__ import annotations

from typing import Any

from spotify_etl import sql
from spotify_etl.platforms import Platform
from spotify_transform.rawzone.export import read_imports
from spotify_transform.rawzone.layout import curated_table_root, date_of_folder
from spotify_transform.rawzone.listening import read_plays
from spotify_transform.rawzone.manifest import SnapshotManifest
from spotify_transform.uris import is_s3, split_s3


def deferred_work(manifest: SnapshotManifest | None) -> dict[str, Any] | None:
    """What the call budget or Spotify's quota left for later, and when it resumes."""
    if manifest is None or not manifest.deferred:
        return None
    budget = manifest.budget
    return {
        "playlists": [
            {"playlist_id": p.playlist_id, "name": p.name, "resume_at": p.resume_at}
            for p in manifest.playlists
            if p.status == "deferred"
        ],
        "library": [n for n, r in manifest.library.items() if r.status == "deferred"],
        "resume_at": budget.resume_at if budget else None,
        "quota": bool(budget and budget.quota_exceeded),
        "spent": budget.spent if budget else None,
        "limit": budget.limit if budget else None,
    }


def zone_sizes(platform: Platform) -> dict[str, int]:
    """Bytes stored per zone (S3: every object listed)."""
    out: dict[str, int] = {}
    client = platform.store.s3_client
    for zone, root in (("raw", platform.raw_root), ("curated", platform.curated_root)):
        if client is None or not is_s3(root):
            continue
        bucket = split_s3(root)[0]
        total = 0
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            total += sum(int(o["Size"]) for o in page.get("Contents", []))
        out[zone] = total
    return out


def snapshot_dates(platform: Platform) -> list[str]:
    """The dates the curated `playlists` table has a partition for (a listing, no query),
    oldest first: the snapshots the report's queries can read."""
    folders = platform.store.list_dirs(curated_table_root(platform.curated_root, "playlists"))
    return sorted(d for f in folders if (d := date_of_folder(f, "snapshot_date")))


def curated_bytes(platform: Platform) -> int:
    """The curated zone's size: the most any query can scan."""
    versions = platform.store.list_versions(platform.curated_root)
    return sum(int(v.split(":", 1)[0]) for v in versions.values())


def imports(platform: Platform) -> dict[str, Any] | None:
    """The lake's data-export imports: how many, and its accounting after the newest (every
    record read: kept, dropped per reason, quarantined)."""
    done = read_imports(platform.store, platform.raw_root)
    if not done:
        return None
    newest = done[-1]
    return {
        "imports": len(done),
        "newest": newest.import_id,
        "files": newest.lake_files,
        **newest.lake.to_dict(),
        "balanced": newest.lake.balanced,
    }


def listening_gaps(platform: Platform, snapshot_date: str, days: int = 14) -> list[dict[str, Any]]:
    """Hourly fetches of the last `days` days whose full page began after the stored cursor:
    plays may be missing between the two (Spotify keeps only the last 50)."""
    gaps: list[dict[str, Any]] = []
    for day in sql.dates_up_to(snapshot_date, days):
        manifest = read_plays(platform.store, platform.raw_root, day)
        for entry in manifest.runs if manifest else ():
            gaps += [
                {"extracted_date": day, "run_id": entry.run_id, "after": f.after, "file": f.file}
                for f in entry.fetches
                if f.gap_warning
            ]
    return gaps
