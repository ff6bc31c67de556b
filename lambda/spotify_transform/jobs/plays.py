"""The plays job: rebuild every `plays` partition (`played_date`) that a recently-played fetch
stored since its last rebuild holds plays of.

What to rebuild comes from the raw zone itself, never from the run that asks: every fetch file
there (whatever `extracted_date` folder a run's logical date put it in, with or without its
manifest entry) is compared with the ledger of the last rebuild (`_state/plays.json`: each
fetch's version and the played dates it holds). A fetch that is new or was written again marks
its dates; each marked date is rebuilt whole from every fetch that holds it, so plays fetched
days late, or by a run whose transform failed, all reach `plays`, and overlapping fetches
collapse on `played_at`. The ledger is written only after the partitions: a run that stops
half-way leaves the dates marked for the next one.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import polars as pl

from spotify_transform.jobs.output import parquet_bytes
from spotify_transform.normalize.parsing import RawFile
from spotify_transform.normalize.plays import normalize_plays
from spotify_transform.rawzone import layout
from spotify_transform.storage import ByteStore
from spotify_transform.tables import PLAYS_TABLE
from spotify_transform.uris import join, relative

LEDGER = "plays"


def _fetches(store: ByteStore, raw_root: str) -> dict[str, str]:
    """Every stored fetch (its path under the raw root) with its version."""
    root = layout.plays_root(raw_root)
    return {
        relative(uri, raw_root): version
        for uri, version in store.list_versions(root).items()
        if layout.is_plays_fetch(uri)
    }


def _read(store: ByteStore, raw_root: str, path: str) -> bytes:
    return store.read(join(raw_root, path))


def played_dates(data: bytes) -> list[str]:
    """The UTC days a recently-played response holds plays of (none for a broken body)."""
    try:
        items = json.loads(data).get("items") or []
    except (ValueError, AttributeError):
        return []
    return sorted({str(i.get("played_at"))[:10] for i in items if isinstance(i, dict)} - {"None"})


def read_ledger(store: ByteStore, curated_root: str) -> dict[str, dict[str, Any]]:
    """The last rebuild's view of each fetch: {path: {"version", "dates"}}."""
    uri = layout.state_file(curated_root, LEDGER)
    if not store.exists(uri):
        return {}
    fetches: dict[str, dict[str, Any]] = json.loads(store.read(uri))["fetches"]
    return fetches


def run_plays(
    store: ByteStore, raw_root: str, curated_root: str, also: Iterable[str] = ()
) -> dict[str, object]:
    """Rebuild the `plays` partitions that fetches stored since the last rebuild touch (and the
    dates in `also`); return rows and URIs per partition, plays skipped per reason and
    unreadable fetches."""
    for day in also:
        date.fromisoformat(day)
    ledger = read_ledger(store, curated_root)
    found = _fetches(store, raw_root)
    fresh = {
        path for path, version in found.items() if ledger.get(path, {}).get("version") != version
    }
    view: dict[str, dict[str, Any]] = {p: e for p, e in ledger.items() if p in found}
    for path in sorted(fresh):
        view[path] = {"version": found[path], "dates": played_dates(_read(store, raw_root, path))}
    # A fetch gone from the raw zone (deleted by hand) takes its plays with it.
    gone = {d for path, entry in ledger.items() if path not in found for d in entry["dates"]}
    marked = {d for path in fresh for d in view[path]["dates"]} | gone | set(also)
    written, skipped, bad_files = _rebuild(store, raw_root, curated_root, sorted(marked), view)
    store.write(
        layout.state_file(curated_root, LEDGER),
        json.dumps({"fetches": view}, sort_keys=True).encode(),
        "application/json",
    )
    return {
        "dataset": "plays",
        "fetches_new": len(fresh),
        "partitions": written,
        "skipped": dict(skipped),
        "bad_files": bad_files,
    }


def _rebuild(
    store: ByteStore,
    raw_root: str,
    curated_root: str,
    days: list[str],
    view: Mapping[str, Mapping[str, Any]],
) -> tuple[dict[str, dict[str, object]], Counter[str], list[tuple[str, str]]]:
    written: dict[str, dict[str, object]] = {}
    skipped: Counter[str] = Counter()
    bad_files: list[tuple[str, str]] = []
    for day in days:
        holding = sorted(p for p, entry in view.items() if day in entry["dates"])
        uri = layout.curated_file(curated_root, PLAYS_TABLE, day)
        if not holding and not store.exists(uri):
            continue  # nothing was played that day, and nothing to take away
        result = normalize_plays([RawFile(p, _read(store, raw_root, p)) for p in holding])
        for _, reason, n in result.skipped.filter(pl.col("played_date") == day).iter_rows():
            skipped[reason] += n
        bad_files += result.bad_files
        plays = result.plays.filter(pl.col("played_date") == day).drop("played_date")
        store.write(uri, parquet_bytes(plays))
        written[day] = {"rows": plays.height, "uri": uri}
    return written, skipped, bad_files
