"""The streams jobs: one export file normalised (`run_file`, one invocation per file), then the
`streams` partitions rebuilt from every committed file (`run_merge`).

A normalised file is kept outside every table (`_derived/streams/sha256=…/`), keyed by its
content, so a later import merges with it without parsing it again and a re-run of a file is a
no-op. The merge rebuilds, month by month, every month that a file added since the last merge
touches, from the rows of every file of the lake on it; its ledger (`_state/streams.json`) says
which files the curated zone reflects, so a merge that stopped half-way (or an import that never
committed) is finished or rolled back by the next one. A partition whose bytes would not change
is not rewritten.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from spotify_transform.jobs.output import ordered_map, parquet_bytes
from spotify_transform.normalize.export import (
    QUARANTINE_SCHEMA,
    ROWS_SCHEMA,
    BadFile,
    normalize_file,
    quarantined_file,
)
from spotify_transform.normalize.streams import merge_streams
from spotify_transform.rawzone import layout
from spotify_transform.rawzone.export import DROP_REASONS, Accounting
from spotify_transform.storage import ByteStore
from spotify_transform.tables import IMPORT_QUARANTINE_TABLE, STREAMS_TABLE

# Bump when the normalisation of a file changes: every file is then normalised again.
VERSION = 1
LEDGER = "streams"


@dataclass(frozen=True)
class FileRef:
    """An export file of an import: where it is in the zip, its kind and its content."""

    path: str
    kind: str
    sha256: str

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> FileRef:
        return cls(str(raw["path"]), str(raw["kind"]), str(raw["sha256"]))


def _folder(curated_root: str, sha256: str) -> str:
    return layout.derived_streams(curated_root, sha256, VERSION)


def _kept(rows: pl.DataFrame) -> bytes:
    """A normalised file's rows as kept: Parquet without compression or statistics (only the
    merge reads them, whole; dictionaries keep them small), 30% less CPU than zstd."""
    buffer = io.BytesIO()
    rows.write_parquet(buffer, compression="uncompressed", statistics=False)
    return buffer.getvalue()


def file_stats(store: ByteStore, curated_root: str, sha256: str) -> dict[str, Any] | None:
    """A normalised file's counts, or None when it has not been normalised (yet)."""
    uri = layout.derived_part(_folder(curated_root, sha256), "stats.json")
    if not store.exists(uri):
        return None
    stats: dict[str, Any] = json.loads(store.read(uri))
    return stats


def run_file(store: ByteStore, raw_root: str, curated_root: str, ref: FileRef) -> dict[str, Any]:
    """Normalise one export file (once: a second run finds it done); return its counts."""
    done = file_stats(store, curated_root, ref.sha256)
    if done is not None:
        return done
    data = store.read(layout.export_file(raw_root, ref.sha256))
    folder = _folder(curated_root, ref.sha256)
    stats: dict[str, Any] = {"sha256": ref.sha256, "path": ref.path, "kind": ref.kind}
    try:
        result = normalize_file(data, ref.path, ref.kind, ref.sha256)
    except BadFile as bad:
        rows, quarantine = (
            ROWS_SCHEMA.to_frame(eager=True),
            quarantined_file(ref.path, ref.sha256, bad),
        )
        stats.update(status=bad.reason, detail=bad.detail, generation=0, records_read=0)
    else:
        rows, quarantine = result.rows, result.quarantine
        stats.update(
            status="ok", detail=None, generation=result.generation,
            records_read=result.records_read,
        )  # fmt: skip
    dates = rows["played_date"]
    stats.update(
        quarantined=quarantine.filter(pl.col("record").is_not_null()).height,
        first_played=dates.min(),
        last_played=dates.max(),
        months=sorted({d[:7] for d in dates.unique().to_list()}),
        rows=rows.height,
    )
    store.write(layout.derived_part(folder, "rows.parquet"), _kept(rows.sort("ended_at", "record")))
    store.write(layout.derived_part(folder, "quarantine.parquet"), parquet_bytes(quarantine))
    store.write(  # last: its presence says the file is done
        layout.derived_part(folder, "stats.json"),
        json.dumps(stats, sort_keys=True).encode(),
        "application/json",
    )
    return stats


# ---------------------------------------------------------------------------- the merge
@dataclass
class Ledger:
    """What `streams` reflects: the files merged (with their months), the setting it was built
    with, each file's outcome per month, and the months a merge began to rewrite (`dirty`: set
    before the first partition is written, cleared after the last)."""

    files: dict[str, list[str]]
    accounting: dict[str, dict[str, dict[str, int]]]
    incognito: str = "drop"
    version: int = VERSION
    dirty: list[str] = field(default_factory=list)

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "version": self.version,
                "incognito": self.incognito,
                "files": self.files,
                "accounting": self.accounting,
                "dirty": self.dirty,
            },
            sort_keys=True,
        ).encode()


def read_ledger(store: ByteStore, curated_root: str) -> Ledger:
    """The merge's ledger (empty before the first merge)."""
    uri = layout.state_file(curated_root, LEDGER)
    if not store.exists(uri):
        return Ledger({}, {})
    raw = json.loads(store.read(uri))
    return Ledger(
        raw["files"],
        raw["accounting"],
        raw.get("incognito", "drop"),
        raw.get("version", 0),
        list(raw.get("dirty", [])),
    )


def months_to_rebuild(
    lake: Mapping[str, Sequence[str]], ledger: Ledger, incognito: str
) -> set[str]:
    """Months whose files differ from what the curated zone reflects: those of files added or
    gone since the last merge, those a merge began to rewrite and did not finish (its files may
    never have committed), or every month when the rule's inputs (setting, version) changed."""
    if ledger.incognito != incognito or ledger.version != VERSION:
        return {m for months in (*lake.values(), *ledger.files.values()) for m in months}
    changed = set(lake) ^ set(ledger.files)
    touched = {m for sha in changed for m in (*lake.get(sha, ()), *ledger.files.get(sha, ()))}
    return touched | set(ledger.dirty)


def _batches(months: Sequence[str], size: int = 4) -> list[list[str]]:
    """Months merged together (one sort for many: the rule never looks past a date)."""
    return [list(months[start : start + size]) for start in range(0, len(months), size)]


def _read_rows(store: ByteStore, curated_root: str, sha256: str) -> pl.DataFrame:
    uri = layout.derived_part(_folder(curated_root, sha256), "rows.parquet")
    return pl.read_parquet(io.BytesIO(store.read(uri)))


def _write_if_changed(store: ByteStore, uri: str, data: bytes, existing: set[str]) -> bool:
    if uri in existing and store.read(uri) == data:
        return False
    store.write(uri, data)
    return True


def run_merge(
    store: ByteStore,
    raw_root: str,
    curated_root: str,
    files: Sequence[FileRef],
    keep_incognito: bool,
    import_id: str | None = None,
    new_files: Iterable[str] = (),
) -> dict[str, Any]:
    """Rebuild the `streams` months that changed, from every file of the lake (`files`: the
    committed imports' and this one's); write the import's quarantine; return each file's
    counts and outcomes, and what was written.

    A file not normalised yet (a curated zone rebuilt from the raw zone) is normalised first.
    """
    stats = {ref.sha256: run_file(store, raw_root, curated_root, ref) for ref in files}
    lake = {sha: list(s["months"]) for sha, s in stats.items() if s["status"] == "ok"}
    incognito = "keep" if keep_incognito else "drop"
    ledger = read_ledger(store, curated_root)
    months = sorted(months_to_rebuild(lake, ledger, incognito))
    ledger_uri = layout.state_file(curated_root, LEDGER)
    if months:  # written ahead: a merge that stops half-way is finished (or undone) next time
        ahead = Ledger(ledger.files, ledger.accounting, ledger.incognito, ledger.version, months)
        store.write(ledger_uri, ahead.to_json(), "application/json")
    table = layout.curated_table_root(curated_root, STREAMS_TABLE)
    existing = set(store.list_files(table)) if months else set()
    accounting = {sha: dict(per) for sha, per in ledger.accounting.items() if sha in lake}
    for sha in accounting:
        for month in months:
            accounting[sha].pop(month, None)

    def batches() -> Iterator[tuple[list[str], pl.DataFrame]]:
        """A few months at a time, every file's rows on them (read here, in order)."""
        cache: dict[str, pl.DataFrame] = {}
        for batch in _batches(months):
            holders = sorted(sha for sha, covered in lake.items() if set(covered) & set(batch))
            for sha in [s for s in cache if s not in holders]:
                del cache[sha]  # months come in order: a file past its months is not read again
            for sha in holders:
                if sha not in cache:
                    cache[sha] = _read_rows(store, curated_root, sha)
            in_batch = pl.col("played_date").str.slice(0, 7).is_in(batch)
            parts = [cache[s].filter(in_batch) for s in holders]
            yield batch, pl.concat(parts) if parts else ROWS_SCHEMA.to_frame(eager=True)

    def rebuild(item: tuple[list[str], pl.DataFrame]) -> tuple[pl.DataFrame, list[bool | None]]:
        """Merge a batch's months and write them: (each file's outcomes per month, for each
        month True: written or deleted, False: unchanged, None: none before or now)."""
        batch, rows = item
        merged = merge_streams(rows, keep_incognito)
        per_month = merged.outcome.group_by(
            "file_sha256", pl.col("played_date").str.slice(0, 7).alias("month"), "outcome"
        ).agg(pl.col("count").sum())
        streams = merged.streams.with_columns(pl.col("played_date").str.slice(0, 7).alias("_m"))
        by_month = dict(streams.partition_by("_m", as_dict=True, include_key=False).items())
        changes: list[bool | None] = []
        for month in batch:
            uri = layout.curated_file(curated_root, STREAMS_TABLE, month)
            frame = by_month.get((month,))
            if frame is not None and frame.height:
                changes.append(_write_if_changed(store, uri, parquet_bytes(frame), existing))
            elif uri in existing:  # no committed file holds this month any more (rolled back)
                store.delete([uri])
                changes.append(True)
            else:
                changes.append(None)
        return per_month, changes

    written: list[str] = []  # months
    unchanged = 0
    # two batches at once: one's sort and Parquet encoding beside the other's
    rebuilt = ordered_map(rebuild, batches(), workers=2, window=2)
    for batch, (per_month, changes) in zip(_batches(months), rebuilt, strict=True):
        for sha, month, outcome, count in per_month.iter_rows():
            accounting.setdefault(sha, {}).setdefault(month, {})[outcome] = int(count)
        written += [month for month, change in zip(batch, changes, strict=True) if change]
        unchanged += sum(change is False for change in changes)
    quarantine_rows = 0
    if import_id is not None:  # the import's quarantine, when it has any
        frames = [_read_quarantine(store, curated_root, sha) for sha in sorted(set(new_files))]
        quarantine = pl.concat(frames) if frames else QUARANTINE_SCHEMA.to_frame(eager=True)
        if quarantine.height:
            quarantine = quarantine.sort("source_file", "record", nulls_last=True)
            uri = layout.curated_file(curated_root, IMPORT_QUARANTINE_TABLE, import_id)
            store.write(uri, parquet_bytes(quarantine))
            quarantine_rows = quarantine.height
    if months or set(lake) != set(ledger.files):
        done = Ledger({s: list(m) for s, m in sorted(lake.items())}, accounting, incognito)
        store.write(ledger_uri, done.to_json(), "application/json")
    return {
        "dataset": "streams",
        "months_rebuilt": len(months),
        "partitions_written": len(written),
        "partitions_unchanged": unchanged,
        "written": sorted(written),
        "quarantined": quarantine_rows,
        "quarantine_written": quarantine_rows > 0,
        "files": {
            sha: {**stats[sha], "outcomes": _sum(accounting.get(sha, {}))} for sha in sorted(stats)
        },
    }


def _read_quarantine(store: ByteStore, curated_root: str, sha256: str) -> pl.DataFrame:
    uri = layout.derived_part(_folder(curated_root, sha256), "quarantine.parquet")
    return pl.read_parquet(io.BytesIO(store.read(uri)))


def _sum(per_month: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    total = {"kept": 0, **{r: 0 for r in DROP_REASONS}}
    for outcomes in per_month.values():
        for outcome, n in outcomes.items():
            total[outcome] = total.get(outcome, 0) + n
    return total


def file_accounting(stats: Mapping[str, Any], outcomes: Mapping[str, int]) -> Accounting:
    """A file's accounting from its counts and its outcomes in the merge."""
    return Accounting(
        records_read=int(stats.get("records_read", 0)),
        rows_kept=int(outcomes.get("kept", 0)),
        dropped={r: int(outcomes.get(r, 0)) for r in DROP_REASONS if outcomes.get(r)},
        quarantined=int(stats.get("quarantined", 0)),
    )
