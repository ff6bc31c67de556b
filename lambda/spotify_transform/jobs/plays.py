"""The plays job: rebuild `plays` partitions (`played_date`) from the recently-played fetches.

A play of day D can be fetched on D or any day after (the first run brings the last 50 plays,
a paused DAG or failed runs bring them late), so partition D is rebuilt, whole, from every
fetch that holds plays of D, and plays repeated by overlapping fetches collapse: re-running
gives the same file.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import polars as pl

from spotify_transform.jobs.output import parquet_bytes
from spotify_transform.normalize.parsing import RawFile
from spotify_transform.normalize.plays import normalize_plays
from spotify_transform.rawzone import layout
from spotify_transform.rawzone.listening import read_plays
from spotify_transform.rawzone.manifest import ManifestError
from spotify_transform.storage import ByteStore
from spotify_transform.tables import PLAYS_TABLE
from spotify_transform.uris import join, relative


def fetches_holding(store: ByteStore, raw_root: str, day: str) -> list[str]:
    """Every recently-played fetch that may hold plays of `day`: those fetched that day or
    later whose manifest lists `day` among their played dates (fetches whose manifest predates
    that record, or has none, are all read; the normalisation keeps only `day`'s plays)."""
    root = layout.plays_root(raw_root)
    paths: list[str] = []
    for folder in store.list_dirs(root):
        extracted = layout.date_of_folder(folder, "extracted_date")
        if extracted is None or extracted < day:
            continue
        listed: set[str] | None = None
        try:
            manifest = read_plays(store, raw_root, extracted)
        except ManifestError:
            manifest = None
        if manifest is not None:
            fetches = manifest.fetches()
            if all(f.played_dates is not None for f in fetches):
                listed = {f.file for f in fetches if day in (f.played_dates or ())}
        for path in store.list_files(join(root, folder)):
            name = path.rsplit("/", 1)[-1]
            if (
                name.endswith(".json")
                and not name.startswith("_")
                and (listed is None or name in listed)
            ):
                paths.append(path)
    return paths


def run_plays(
    store: ByteStore, raw_root: str, curated_root: str, played_dates: list[str]
) -> dict[str, object]:
    """Rebuild the `plays` partitions of `played_dates`; return rows and URIs per partition,
    plays skipped per reason and unreadable fetches."""
    written: dict[str, dict[str, object]] = {}
    skipped: Counter[str] = Counter()
    bad_files: list[tuple[str, str]] = []
    for day in sorted(set(played_dates)):
        date.fromisoformat(day)
        paths = fetches_holding(store, raw_root, day)
        if not paths:
            continue
        result = normalize_plays([RawFile(relative(p, raw_root), store.read(p)) for p in paths])
        for _, reason, n in result.skipped.filter(pl.col("played_date") == day).iter_rows():
            skipped[reason] += n
        bad_files += result.bad_files
        plays = result.plays.filter(pl.col("played_date") == day).drop("played_date")
        uri = layout.curated_file(curated_root, PLAYS_TABLE, day)
        store.write(uri, parquet_bytes(plays))
        written[day] = {"rows": plays.height, "uri": uri}
    return {
        "dataset": "plays",
        "partitions": written,
        "skipped": dict(skipped),
        "bad_files": bad_files,
    }
