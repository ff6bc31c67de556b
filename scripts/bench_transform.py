"""Benchmark the transform against the popular tutorial's pandas approach and a bare JSON parse.

It generates a synthetic raw date partition that follows the raw-zone contract (default: 200,000
entries over 100 playlists in /items pages of 50, plus each playlist.json with its embedded first
page of 100; full-size track/album/artist objects as Spotify returns them; half the playlists in
the 2026 shape, half legacy; compact JSON), then runs, each in a fresh
process and measured side by side in one run:

- ours:   `spotify-pipeline transform --date D --raw RAW --out CURATED` (the CLI code path, Parquet)
- pandas: the tutorial's approach as written there — json.load per file, its album(), artist()
          and songs() functions (three loops over each page), DataFrames, drop_duplicates,
          to_datetime, CSV out (adapted only so it survives today's API: it reads `item` or
          `track` and skips null entries and episodes, else it crashes)
- orjson: bare `orjson.loads` of every file (the floor: parsing, nothing else)

and prints wall time, peak RSS (the child's own VmHWM) and the ratios against the targets
(≥ 3× faster than pandas, ≤ 2× the bare parse, peak RSS ≤ 2× the input bytes).

Usage: .venv/bin/python scripts/bench_transform.py [--entries 200000] [--playlists 100] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.synthetic, the generator

DATE = "2026-11-20"
PAGE = 50
EMBEDDED = 100


# ------------------------------------------------------------------------------ data generation
SHAPES = ("legacy", "2026", "mixed")
# Real playlists hold more than tracks: podcast episodes, local files and unavailable (null)
# entries, a small share of each (the same in every shape, so the shapes compare).
EXTRAS = {"episode": 0.005, "local": 0.005, "null": 0.002}


def generate(
    raw_root: Path, entries: int, playlists: int, shape_mix: str = "mixed", seed: int = 2026
) -> int:
    """Write the synthetic partition; return its size in bytes.

    `shape_mix`: every playlist in the legacy shape (full market lists, popularity), every one
    in the 2026 Development Mode shape (neither), or alternating ("mixed").
    """
    from tests import synthetic as syn

    rng = random.Random(seed)
    per = entries // playlists
    cat = syn.make_catalog(rng, n_artists=max(50, entries // 12), n_albums=max(80, entries // 6),
                           n_tracks=max(200, entries // 2))  # fmt: skip
    base = raw_root / "spotify" / "playlists" / f"snapshot_date={DATE}"
    total = 0
    for n in range(playlists):
        shape: syn.Shape = "2026" if n % 2 else "legacy"
        if shape_mix == "legacy":
            shape = "legacy"
        elif shape_mix == "2026":
            shape = "2026"
        pid = syn.spotify_id(rng)

        def obj(shape: syn.Shape = shape) -> dict[str, Any] | None:
            roll = rng.random()
            if roll < EXTRAS["episode"]:
                return syn.episode_body(rng)
            if roll < EXTRAS["episode"] + EXTRAS["local"]:
                return syn.local_file_body("Demo", "The Band", "Tapes", rng.randint(60, 400))
            if roll < sum(EXTRAS.values()):
                return None
            return syn.track_body(rng.choice(cat.tracks), shape, rng)

        items = [
            syn.entry(obj(), shape,
                      f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T10:00:00Z", "bench")
            for _ in range(per)
        ]  # fmt: skip
        folder = base / f"playlist_id={pid}"
        folder.mkdir(parents=True, exist_ok=True)
        meta = syn.playlist_body(pid, name=f"Bench {n}", description="", owner_id="bench",
                                 owner_name="Bench", shape=shape, snapshot_id=f"s{n}",
                                 entries=items, embedded_limit=EMBEDDED)  # fmt: skip
        docs = {"playlist.json": meta}
        for offset in range(0, per, PAGE):
            docs[f"items-{offset:06d}.json"] = syn.items_page(
                pid, items[offset : offset + PAGE], offset, PAGE, per
            )
        for name, doc in docs.items():
            data = orjson.dumps(doc)
            (folder / name).write_bytes(data)
            total += len(data)
    return total


def response_files(raw_root: Path) -> list[Path]:
    return sorted((raw_root / "spotify" / "playlists" / f"snapshot_date={DATE}").rglob("*.json"))


# ------------------------------------------------------------------------------ contenders
def worker_ours(raw: Path, out: Path) -> None:
    from spotify_etl.cli.main import main

    # A generous limit: an earlier baseline (`--baseline-code`) may quarantine local files and
    # null entries; the contenders must not fail on the very data they are compared on.
    code = main(["transform", "--date", DATE, "--raw", str(raw), "--out", str(out)])
    if code:
        raise SystemExit(code)


worker_baseline = worker_ours  # the same CLI, run from --baseline-code's tree


def worker_orjson(raw: Path, out: Path) -> None:
    n = 0
    for path in response_files(raw):
        doc = orjson.loads(path.read_bytes())
        n += len(doc.get("items") or [])
    print(n, file=sys.stderr)


def _tutorial_track(row: dict[str, Any]) -> dict[str, Any] | None:
    """The one adaptation: today's API puts the track under `item` and has null entries and
    episodes, on which the tutorial's `row['track']` crashes."""
    track = row.get("item") or row.get("track")
    if not track or track.get("type") != "track" or not track.get("id"):
        return None
    return dict(track)


def tutorial_album(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The tutorial's `album(data)`: one loop over the page's items."""
    album_list = []
    for row in data["items"]:
        track = _tutorial_track(row)
        if track is None:
            continue
        album_id = track["album"]["id"]
        album_name = track["album"]["name"]
        album_release_date = track["album"]["release_date"]
        album_total_tracks = track["album"]["total_tracks"]
        album_url = track["album"]["external_urls"]["spotify"]
        album_element = {
            "album_id": album_id, "name": album_name, "release_date": album_release_date,
            "total_tracks": album_total_tracks, "url": album_url,
        }  # fmt: skip
        album_list.append(album_element)
    return album_list


def tutorial_artist(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The tutorial's `artist(data)`: a second loop, scanning each row's keys for the track."""
    artist_list = []
    for row in data["items"]:
        for key, value in row.items():
            if key in ("track", "item") and _tutorial_track({key: value}) is not None:
                for artist in value["artists"]:
                    artist_dict = {
                        "artist_id": artist["id"], "artist_name": artist["name"],
                        "external_url": artist["href"],
                    }  # fmt: skip
                    artist_list.append(artist_dict)
                break
    return artist_list


def tutorial_songs(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The tutorial's `songs(data)`: a third loop."""
    song_list = []
    for row in data["items"]:
        track = _tutorial_track(row)
        if track is None:
            continue
        song_element = {
            "song_id": track["id"], "song_name": track["name"],
            "duration_ms": track["duration_ms"], "url": track["external_urls"]["spotify"],
            "popularity": track.get("popularity"), "song_added": row["added_at"],
            "album_id": track["album"]["id"], "artist_id": track["album"]["artists"][0]["id"],
        }  # fmt: skip
        song_list.append(song_element)
    return song_list


def worker_pandas(raw: Path, out: Path) -> None:
    """The tutorial's transform: json.load per file; its album/artist/songs functions (three
    loops per page, as written there); DataFrames; drop_duplicates; to_datetime; CSV out."""
    import json

    import pandas as pd

    album_list: list[dict[str, Any]] = []
    artist_list: list[dict[str, Any]] = []
    song_list: list[dict[str, Any]] = []
    for path in response_files(raw):
        if path.name == "playlist.json":
            continue  # the tutorial reads the item pages
        with path.open(encoding="utf-8") as fh:
            data = json.load(fh)
        album_list += tutorial_album(data)
        artist_list += tutorial_artist(data)
        song_list += tutorial_songs(data)
    album_df = pd.DataFrame.from_records(album_list).drop_duplicates(subset=["album_id"])
    artist_df = pd.DataFrame.from_records(artist_list).drop_duplicates(subset=["artist_id"])
    song_df = pd.DataFrame.from_records(song_list)
    album_df["release_date"] = pd.to_datetime(
        album_df["release_date"], errors="coerce", format="mixed"
    )
    song_df["song_added"] = pd.to_datetime(song_df["song_added"])
    out.mkdir(parents=True, exist_ok=True)
    album_df.to_csv(out / "album.csv", index=False)
    artist_df.to_csv(out / "artist.csv", index=False)
    song_df.to_csv(out / "songs.csv", index=False)


WORKERS = {
    "ours": worker_ours,
    "baseline": worker_baseline,
    "pandas": worker_pandas,
    "orjson": worker_orjson,
}


def measure(name: str, raw: Path, out: Path, code: Path | None = None) -> tuple[float, int]:
    """Run one contender in a fresh process: (wall seconds, peak RSS bytes). `code`: run the
    project's packages from that tree (its dags/ and lambda/ first on the path)."""
    cmd = [sys.executable, __file__, "--worker", name, "--raw", str(raw), "--out", str(out)]
    env = {**os.environ, "SPOTIFY_MAX_QUARANTINE_RATIO": "1"}
    if code is not None:
        env["PYTHONPATH"] = f"{code / 'dags'}{os.pathsep}{code / 'lambda'}"
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed:\n{proc.stderr.decode()[-2000:]}")
    peak = [x for x in proc.stderr.decode().splitlines() if x.startswith("PEAK ")][-1]
    return wall, int(peak.split()[1]) * 1024


def own_peak_kib() -> int:
    """This process's peak RSS (VmHWM). The child's ru_maxrss would also count the bench's own
    memory at the spawn: Linux folds the forked parent's peak into it at exec."""
    with Path("/proc/self/status").open() as status:
        return next(int(x.split()[1]) for x in status if x.startswith("VmHWM:"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--playlists", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=1, help="measure each contender N times")
    parser.add_argument("--keep", type=Path, help="generate into / reuse this folder")
    parser.add_argument(
        "--shape",
        choices=(*SHAPES, "all"),
        default="all",
        help="the API shape of the generated playlists (default: each in turn)",
    )
    parser.add_argument(
        "--baseline-code",
        type=Path,
        help="also run the transform of this tree (e.g. a git worktree of an "
        "earlier commit), interleaved: before/after in one run",
    )
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--raw", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        WORKERS[args.worker](args.raw, args.out)
        print(f"PEAK {own_peak_kib()}", file=sys.stderr)
        return

    for shape in SHAPES if args.shape == "all" else (args.shape,):
        run_shape(args, shape)


def run_shape(args: argparse.Namespace, shape: str) -> None:
    """Generate (or reuse) one shape's partition and measure every contender on it."""
    work = (args.keep / shape) if args.keep else Path(tempfile.mkdtemp(prefix="bench-transform-"))
    raw = work / "raw"
    if response_files(raw):
        size = sum(p.stat().st_size for p in response_files(raw))
        print(f"reusing {raw}")
    else:
        t0 = time.perf_counter()
        size = generate(raw, args.entries, args.playlists, shape)
        print(f"generated {raw} in {time.perf_counter() - t0:.1f}s")
    files = response_files(raw)
    print(f"\n== shape {shape}: {len(files)} files, {size / 1e6:.0f} MB, {args.entries} entries, "
          f"{args.playlists} playlists, pages of {PAGE}")  # fmt: skip

    names = ["ours", *(["baseline"] if args.baseline_code else []), "pandas", "orjson"]
    results: dict[str, list[tuple[float, int]]] = {k: [] for k in names}
    for _ in range(args.repeat):
        for name in results:  # interleaved, so noise hits every contender alike
            out = work / f"out-{name}"
            shutil.rmtree(out, ignore_errors=True)
            code = args.baseline_code if name == "baseline" else None
            results[name].append(measure(name, raw, out, code))
    best = {k: (min(w for w, _ in v), max(r for _, r in v)) for k, v in results.items()}
    print(f"{'contender':<10} {'wall s':>8} {'peak RSS MB':>12} {'RSS / input':>12}")
    for name, (wall, rss) in best.items():
        print(f"{name:<10} {wall:>8.2f} {rss / 1e6:>12.0f} {rss / size:>12.2f}")
    ours, pandas, parse = best["ours"][0], best["pandas"][0], best["orjson"][0]
    rss_ratio = best["ours"][1] / size
    print(f"ours vs pandas: {pandas / ours:.2f}x faster (target >= 3x)")
    print(f"ours vs bare parse: {ours / parse:.2f}x the parse time (target <= 2x)")
    print(f"ours peak RSS: {rss_ratio:.2f}x the input bytes (target <= 2x)")
    if "baseline" in best:
        print(f"ours vs baseline: {ours / best['baseline'][0]:.3f}x the time (target <= 1.05x)")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
