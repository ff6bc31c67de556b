"""Benchmark `spotify-pipeline import` on a lifetime export, against the way tutorials import one
and against a bare parse.

    .venv/bin/python scripts/bench_import.py [--records 1000000] [--files 40] [--repeat 3]
                                             [--keep DIR]

It generates a lifetime export (10 years of extended streaming history, pretty-printed as
Spotify writes it, zipped; `tests/synthetic_export.py`), then runs, each in a fresh process,
interleaved, best of `--repeat`:

- ours: the import into an empty lake up to the curated `streams` (land, normalise, merge,
  commit), and the whole `spotify-pipeline import` command (then the catalog and the check);
- pandas: for every file of the zip, `pd.read_json`, then `pd.concat` and `to_parquet` (the
  popular tutorials' loop);
- bare parse: `orjson.loads` of every file of the zip, on one core (the floor of any importer);
- ours on a one-file export, both ways (the constants each of ours is measured against: the
  same code on almost no data);
- ours on a quarter of the export (a quarter of the files, each as large): peak memory must not
  grow with the export;
- ours pinned to one core: how our time scales with cores (pandas and the bare parse use one
  core whatever the machine has).

Targets: ours ≥ 5× faster than pandas, no slower than the bare parse, and a peak RSS within 1.5×
the largest file of the constant (files are streamed one by one; the export is never held
whole).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "dags"), str(ROOT / "lambda")]

from tests import synthetic_export as sx  # noqa: E402

CLI = str(Path(sys.executable).with_name("spotify-pipeline"))
WHOLE = "ours, the whole command (+ catalog, check)"
ONE_CORE = "ours on one core (→ streams)"
YEARS = 10


def make_export(path: Path, records: int, files: int) -> dict[str, int]:
    """A lifetime export: `records` streams over ten years in `files` files, zipped."""
    rng = random.Random(42)
    tracks, shows = sx.catalog(rng, 20_000, 3_000), sx.episodes(rng, 200)
    per_day = records / (YEARS * 365)
    streams = sx.listening(rng, datetime(2016, 1, 1, tzinfo=UTC), YEARS * 365 + 30, per_day,
                           tracks, shows)  # fmt: skip
    chunk = -(-records // files)
    sizes: dict[str, int] = {}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        batch: list[dict[str, object]] = []
        for written, stream in enumerate(streams, 1):
            batch.append(sx.extended(stream, 3, rng))
            if len(batch) == chunk or written == records:
                name = f"Spotify Extended Streaming History/Streaming_History_Audio_{sx.years(batch)}_{len(sizes)}.json"  # noqa: E501
                data = sx.render(batch)
                archive.writestr(name, data)
                sizes[name] = len(data)
                batch = []
            if written == records:
                break
    return sizes


# Ours up to the curated `streams` (land, normalise, merge, commit): what the others do too.
OURS_TO_STREAMS = """
import sys
from spotify_etl.pipeline import context, history
from spotify_etl.settings import load
run = context.for_cli(load({"SPOTIFY_PIPELINE_HOME": sys.argv[2]}), "2026-12-01", "bench")
history.import_export(run, sys.argv[1], queryable=False)
"""
PANDAS = """
import io, sys, zipfile
import pandas as pd
frames = []
with zipfile.ZipFile(sys.argv[1]) as z:
    for name in z.namelist():
        if name.endswith(".json"):
            frames.append(pd.read_json(io.BytesIO(z.read(name))))
pd.concat(frames, ignore_index=True).to_parquet(sys.argv[2] + "/streams.parquet")
"""
BARE = """
import sys, zipfile
import orjson
records = 0
with zipfile.ZipFile(sys.argv[1]) as z:
    for name in z.namelist():
        if name.endswith(".json"):
            records += len(orjson.loads(z.read(name)))
print(records)
"""
# Each contender reports its own peak RSS after it ran (a fresh process each time).
WRAP = """
import os, resource, runpy, sys, time
if os.environ.get("BENCH_CPUS"):  # before polars sizes its thread pool from the cores it may use
    os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[: int(os.environ["BENCH_CPUS"])])
start = time.perf_counter()
sys.argv = sys.argv[1:]
try:
    if sys.argv[0] == "-c":
        sys.argv = sys.argv[1:]
        exec(compile(sys.argv[0], "<bench>", "exec"), {"__name__": "__main__"})
    else:
        from spotify_etl.cli.main import main
        code = main(sys.argv)
        if code:
            raise SystemExit(code)
finally:
    # VmHWM: this program's own peak. ru_maxrss would also count the bench's memory at the
    # spawn (Linux folds the forked parent's peak into it at exec).
    try:
        with open("/proc/self/status") as status:
            peak = next(int(x.split()[1]) for x in status if x.startswith("VmHWM:"))
    except (OSError, StopIteration):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("BENCH", time.perf_counter() - start, peak, file=sys.stderr)
"""


def run(args: list[str], home: Path, cpus: int | None = None) -> tuple[float, int]:
    """(seconds, peak RSS in bytes) of one contender in a fresh process (on `cpus` cores)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "SPOTIF", "BENCH"))}
    env["SPOTIFY_PIPELINE_HOME"] = str(home)
    if cpus:
        env["BENCH_CPUS"] = str(cpus)
    done = subprocess.run(
        [sys.executable, "-c", WRAP, *args], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode:
        raise SystemExit(f"{args[:2]} failed:\n{done.stderr[-2000:]}")
    line = [x for x in done.stderr.splitlines() if x.startswith("BENCH ")][-1].split()
    return float(line[1]), int(line[2]) * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the generated exports here")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-import-"))
    folder.mkdir(parents=True, exist_ok=True)
    export = folder / f"export-{args.records}-{args.files}.zip"
    tiny = folder / "tiny.zip"
    sizes_file = export.with_suffix(".json")
    if not export.is_file() or not sizes_file.is_file():
        t0 = time.perf_counter()
        sizes = make_export(export, args.records, args.files)
        sizes_file.write_text(json.dumps(sizes))
        print(f"generated {export.name} in {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    sizes = json.loads(sizes_file.read_text())
    if not tiny.is_file():
        make_export(tiny, 2_000, 1)
    quarter = folder / f"export-{args.records // 4}-{max(1, args.files // 4)}.zip"
    if not quarter.is_file():
        make_export(quarter, args.records // 4, max(1, args.files // 4))
    largest = max(sizes.values())
    print(
        f"export: {sum(sizes.values()) / 1e6:,.0f} MB of JSON in {len(sizes)} files "
        f"(largest {largest / 1e6:.1f} MB), {export.stat().st_size / 1e6:,.0f} MB zipped, "
        f"{args.records:,} records"
    )
    contenders: dict[str, Callable[[Path], list[str]]] = {
        "ours": lambda home: ["-c", OURS_TO_STREAMS, str(export), str(home)],
        WHOLE: lambda home: ["import", str(export)],
        "pandas": lambda home: ["-c", PANDAS, str(export), str(home)],
        "bare parse": lambda home: ["-c", BARE, str(export)],
        "ours, one small file": lambda home: ["import", str(tiny)],
        "ours, one small file (→ streams)": lambda home: ["-c", OURS_TO_STREAMS, str(tiny),
                                                          str(home)],
        "ours, a quarter of the files (→ streams)": lambda home: [
            "-c", OURS_TO_STREAMS, str(quarter), str(home)
        ],
        ONE_CORE: lambda home: ["-c", OURS_TO_STREAMS, str(export), str(home)],
    }  # fmt: skip
    cores = len(os.sched_getaffinity(0))
    best: dict[str, tuple[float, int]] = {}
    for _ in range(args.repeat):
        for name, argv in contenders.items():
            home = Path(tempfile.mkdtemp(prefix="lake-", dir=folder))
            seconds, rss = run(argv(home), home, 1 if name == ONE_CORE else None)
            shutil.rmtree(home, ignore_errors=True)
            old = best.get(name, (seconds, rss))
            best[name] = (min(seconds, old[0]), max(rss, old[1]))
    ours_s, ours_rss = best["ours"]
    base_rss = best["ours, one small file (→ streams)"][1]
    whole_rss, whole_base = best[WHOLE][1], best["ours, one small file"][1]
    quarter_rss = best["ours, a quarter of the files (→ streams)"][1]
    print(f"\n| contender | wall (best of {args.repeat}) | peak RSS | vs ours |")
    print("|---|---|---|---|")
    for name, (seconds, rss) in best.items():
        print(f"| {name} | {seconds:.2f} s | {rss / 2**20:,.0f} MiB | {seconds / ours_s:.2f}× |")
    pandas_ratio = best["pandas"][0] / ours_s
    bare_ratio = ours_s / best["bare parse"][0]
    budget = base_rss + 1.5 * largest
    print(
        f"\nours vs pandas: {pandas_ratio:.1f}× faster (target ≥ 5×); ours vs the bare parse: "
        f"{bare_ratio:.2f}× its time (target ≤ 1); peak RSS {ours_rss / 2**20:,.0f} MiB against "
        f"{base_rss / 2**20:,.0f} MiB + 1.5 × {largest / 2**20:.1f} MiB = {budget / 2**20:,.0f} "
        f"MiB (target: within); the whole command {whole_rss / 2**20:,.0f} MiB against "
        f"{(whole_base + 1.5 * largest) / 2**20:,.0f} MiB; a quarter of the files "
        f"{quarter_rss / 2**20:,.0f} MiB (the whole export: {ours_rss / 2**20:,.0f} MiB)"
    )
    one_core = best[ONE_CORE][0]
    print(
        f"ours on one core {one_core:.2f} s, on {cores} {one_core / ours_s:.2f}× faster "
        f"(pandas and the bare parse run on one core whatever the machine has)"
    )
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
