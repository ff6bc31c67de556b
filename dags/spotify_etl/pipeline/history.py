"""The data export's import: land → transform (one invocation per file, in lanes) → merge →
catalog → commit → check. Shared by `spotify-pipeline import` and the `spotify_history_import`
DAG; every step returns a small JSON-able dict.

The merge writes `streams` before the commit (the manifest) names the import's files: until the
commit, the new rows are visible; a commit that never comes is undone by the next merge."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from spotify_etl.export import land as export_land
from spotify_etl.pipeline.context import Run, claim_lake
from spotify_etl.settings import Settings
from spotify_transform.rawzone.export import (
    Accounting,
    ExportFile,
    ImportManifest,
    read_imports,
    write_import,
)
from spotify_transform.tables import IMPORT_QUARANTINE_TABLE, STREAMS_TABLE


class ImportFailed(Exception):
    """The import committed its good files but breaks a rule (too much quarantined, a count
    that does not balance); the message names what."""


def committed_files(run: Run) -> dict[str, ExportFile]:
    """Every file an earlier import committed, by sha256 (its first commit)."""
    out: dict[str, ExportFile] = {}
    for manifest in read_imports(run.platform.store, run.platform.raw_root):
        for f in manifest.files:
            out.setdefault(f.sha256, f)
    return out


def land(
    run: Run,
    source: str,
    progress: Callable[[str], None] | None = None,
    on_landed: Callable[[export_land.Landed], None] | None = None,
    *,
    sample: bool = False,
) -> dict[str, Any]:
    """Store the export's streaming history in the raw zone; say which files are new. An
    export is the listener's own data (`sample`: the bundled one)."""
    claim_lake(run, "sample" if sample else "spotify")
    landing = export_land.land(
        run.platform.store, run.platform.raw_root, source, progress, on_landed
    )
    known = committed_files(run)
    return {
        "import_id": landing.import_id(),
        "source": landing.source,
        "files": [{**f.to_dict(), "new": f.sha256 not in known} for f in landing.files],
        "ignored": [list(pair) for pair in landing.ignored],
    }


def _ref(f: Mapping[str, Any]) -> dict[str, str]:
    return {"path": str(f["path"]), "kind": str(f["kind"]), "sha256": str(f["sha256"])}


def plan(settings: Settings, landed: Mapping[str, Any]) -> list[list[dict[str, str]]]:
    """The export's files dealt into at most SPOTIFY_TRANSFORM_MAX_PARALLEL lanes (one mapped
    task each, invoking the transform once per file, one after another)."""
    files = [_ref(f) for f in landed["files"]]
    lanes = max(1, min(len(files), settings.transform_max_parallel))
    return [files[lane::lanes] for lane in range(lanes)]


def transform(run: Run, lane: Sequence[Mapping[str, str]]) -> list[dict[str, Any]]:
    """Normalise each file of the lane (a file done before is not read again)."""
    out = []
    for ref in lane:
        event = {
            "dataset": "streams",
            "stage": "file",
            "raw_root": run.platform.raw_root,
            "curated_root": run.platform.curated_root,
            "file": dict(ref),
            "idempotency_key": f"spotify_history_import/{run.run_id}/{ref['sha256']}",
        }
        stats = run.platform.invoke_transform(event)
        out.append({k: stats.get(k) for k in ("sha256", "status", "records_read", "rows")})
    return out


def merge(run: Run, landed: Mapping[str, Any]) -> dict[str, Any]:
    """Rebuild the `streams` months the import changes, from every file of the lake."""
    lake = {sha: _ref(f.to_dict()) for sha, f in committed_files(run).items()}
    lake.update({str(f["sha256"]): _ref(f) for f in landed["files"]})
    new = sorted({str(f["sha256"]) for f in landed["files"] if f["new"]})
    event = {
        "dataset": "streams",
        "stage": "merge",
        "raw_root": run.platform.raw_root,
        "curated_root": run.platform.curated_root,
        "files": [lake[sha] for sha in sorted(lake)],
        "new_files": new,
        "import_id": landed["import_id"] if new else None,
        "keep_incognito": run.settings.import_incognito == "keep",
        "idempotency_key": f"spotify_history_import/{run.run_id}/merge",
    }
    return run.platform.invoke_transform(event)


def _accounting(stats: Mapping[str, Any]) -> Accounting:
    outcomes = stats.get("outcomes") or {}
    return Accounting(
        records_read=int(stats.get("records_read") or 0),
        rows_kept=int(outcomes.get("kept", 0)),
        dropped={k: int(v) for k, v in outcomes.items() if k != "kept" and v},
        quarantined=int(stats.get("quarantined") or 0),
    )


def commit(run: Run, landed: Mapping[str, Any], merged: Mapping[str, Any]) -> dict[str, Any]:
    """Write the import's manifest (its commit), unless it brought nothing: every file was
    committed before and no curated byte changed. The summary says whether its new files broke
    the quarantine ratio (`judge` fails the import then, after the check)."""
    stats: Mapping[str, Mapping[str, Any]] = merged["files"]
    files = tuple(
        ExportFile(
            path=str(f["path"]),
            kind=str(f["kind"]),
            sha256=str(f["sha256"]),
            size=int(f["bytes"]),
            status=str(stats[f["sha256"]]["status"]),
            detail=stats[f["sha256"]].get("detail"),
            generation=int(stats[f["sha256"]].get("generation") or 0),
            accounting=_accounting(stats[f["sha256"]]),
            first_played=stats[f["sha256"]].get("first_played"),
            last_played=stats[f["sha256"]].get("last_played"),
            new=bool(f["new"]),
        )
        for f in landed["files"]
    )
    lake = Accounting()
    for s in stats.values():
        lake = lake + _accounting(s)
    manifest = ImportManifest(
        import_id=str(landed["import_id"]),
        source=str(landed["source"]),
        files=files,
        ignored=tuple((str(p), str(r)) for p, r in landed["ignored"]),
        incognito=run.settings.import_incognito,
        lake=lake,
        lake_files=len(stats),
    )
    brought = any(f.new for f in files) or merged.get("partitions_written")
    if brought:
        write_import(run.platform.store, run.platform.raw_root, manifest)
    summary = summarize(manifest, committed=bool(brought))
    summary["quarantine_problem"] = quarantine_problem(manifest, run.settings.max_quarantine_ratio)
    return summary


def judge(committed: Mapping[str, Any]) -> dict[str, Any]:
    """The import's verdict, once it is committed, catalogued and checked.

    Raises:
        ImportFailed: Its new files broke SPOTIFY_MAX_QUARANTINE_RATIO (the good ones are in).
    """
    problem = committed.get("quarantine_problem")
    if problem:
        raise ImportFailed(
            f"import {committed['import_id']} committed its good files, but {problem}"
        )
    return {"import_id": committed.get("import_id"), "quarantine_problem": None}


def quarantine_problem(manifest: ImportManifest, limit: float) -> str | None:
    """Why the import's new files break SPOTIFY_MAX_QUARANTINE_RATIO (a bad file counts as one
    of its files, a bad record as one of its records), or None. Files an earlier import brought
    were judged then."""
    new = [f for f in manifest.files if f.new]
    bad = [f for f in new if f.status != "ok"]
    read = sum(f.accounting.records_read for f in new)
    quarantined = sum(f.accounting.quarantined for f in new)
    file_ratio = len(bad) / len(new) if new else 0.0
    record_ratio = quarantined / read if read else 0.0
    if file_ratio <= limit and record_ratio <= limit:
        return None
    names = ", ".join(f"{f.path} ({f.status}: {f.detail})" for f in bad[:5]) or (
        f"{quarantined:,} records with no readable time or a value of the wrong type "
        "(see the import_quarantine table)"
    )
    return (
        f"{file_ratio:.0%} of its files and {record_ratio:.1%} of its records were quarantined, "
        f"above SPOTIFY_MAX_QUARANTINE_RATIO {limit:.0%}: {names}"
    )


def summarize(manifest: ImportManifest, committed: bool = True) -> dict[str, Any]:
    """The small view of an import: what it read and kept, and the lake after it."""
    total = manifest.total()
    played = sorted(
        d for f in manifest.files for d in (f.first_played, f.last_played) if d is not None
    )
    return {
        "import_id": manifest.import_id if committed else None,
        "committed": committed,
        "source": manifest.source,
        "files": len(manifest.files),
        "new_files": sum(f.new for f in manifest.files),
        "bad_files": [f.path for f in manifest.files if f.status != "ok"],
        "ignored": len(manifest.ignored),
        **total.to_dict(),
        "balanced": all(f.accounting.balanced for f in manifest.files),
        "first_played": played[0] if played else None,
        "last_played": played[-1] if played else None,
        "lake": {"files": manifest.lake_files, **manifest.lake.to_dict()},
    }


def catalog(run: Run, merged: Mapping[str, Any], import_id: str) -> dict[str, Any]:
    """Make the merge's partitions queryable (registered directly; a crawl only when a table
    is new)."""
    started = time.monotonic()
    result: dict[str, Any] = {"tables": {}}
    parts = {STREAMS_TABLE: list(merged.get("written", []))}
    if merged.get("quarantine_written"):
        parts[IMPORT_QUARANTINE_TABLE] = [import_id]
    crawl_needed = False
    for table, values in parts.items():
        # (streams even with nothing new: a catalog an earlier, interrupted import never made)
        registered = run.platform.register_partitions(table, values)
        crawl_needed |= bool(registered.get("crawl_needed"))
        result["tables"][table] = len(values)
    if crawl_needed:
        result["crawl"] = run.platform.crawl()
    return {**result, "seconds": round(time.monotonic() - started, 3)}


def check(run: Run, committed: Mapping[str, Any]) -> dict[str, Any]:
    """Every record accounted for: each file's records read = rows kept + dropped per reason +
    quarantined, and `streams` holds exactly the rows the lake's files kept, each stream once.

    Raises:
        ImportFailed: A count does not balance; the message says which.
    """
    problems = []
    if not committed.get("balanced", True):
        problems.append("a file's records read differ from its rows kept + dropped + quarantined")
    lake = committed["lake"]
    key = " || '|' || ".join(
        f"coalesce(CAST({c} AS varchar), '')"
        for c in (
            "ended_at", "ms_played", "source", "track_id", "track_name", "artist_name",
            "episode_id", "episode_name", "show_name", "audiobook_title",
            "audiobook_chapter_title",
        )
    )  # fmt: skip
    rows = run.platform.query(f"SELECT count(*), count(DISTINCT {key}) FROM streams", max_rows=1)[
        "rows"
    ][0]
    found, distinct = int(rows[0] or 0), int(rows[1] or 0)
    if found != int(lake["rows_kept"]):
        problems.append(
            f"streams holds {found:,} rows; the lake's files kept {lake['rows_kept']:,}"
        )
    if distinct != found:
        problems.append(f"{found - distinct:,} streams rows repeat a stream")
    if problems:
        raise ImportFailed("import check failed: " + "; ".join(problems))
    return {"streams_rows": found, "checks_failed": 0}


def import_export(
    run: Run,
    source: str,
    progress: Callable[[str], None] | None = None,
    *,
    queryable: bool = True,
    sample: bool = False,
) -> dict[str, Any]:
    """The whole import in this process: each file is normalised (one invocation each, at most
    SPOTIFY_TRANSFORM_MAX_PARALLEL at once, as the DAG's lanes) as soon as it has landed, then
    merge and commit; then (`queryable`) catalog and check."""
    from concurrent.futures import Future, ThreadPoolExecutor

    def report(stats: Mapping[str, Any], path: str) -> None:
        if progress:
            what = (
                f"{stats.get('records_read') or 0:,} records"
                if stats.get("status") == "ok"
                else f"quarantined whole ({stats.get('status')})"
            )
            progress(f"{path}: {what}")

    with ThreadPoolExecutor(max_workers=run.settings.transform_max_parallel) as pool:
        pending: list[tuple[str, Future[list[dict[str, Any]]]]] = []

        def start(f: export_land.Landed) -> None:
            pending.append((f.path, pool.submit(transform, run, [_ref(f.to_dict())])))

        landed = land(run, source, progress, on_landed=start, sample=sample)
        for path, future in pending:
            report(future.result()[0], path)
    merged = merge(run, landed)
    if queryable:
        catalog(run, merged, str(landed["import_id"]))
    committed = commit(run, landed, merged)
    if queryable and committed["committed"]:
        check(run, committed)
    judge(committed)
    return committed
