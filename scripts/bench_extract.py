"""Benchmark the extractor's API calls and wall time against a naive spotipy loop.

A stub Spotify on 127.0.0.1 (tests/stub_spotify.py, real HTTP, ~50 ms added to every answer)
serves `me` with 200 playlists of mixed sizes (empty to ~1,500 entries). Day 1 reads them all;
on day 2, 10% have changed. Each day, our extractor (the real code path: spotipy under our
policy, the raw zone on disk) runs against a naive loop that, like the popular tutorials, lists
the playlists and fetches every playlist and all its pages with spotipy, every day.

Target (day 2): calls ≤ ⌈200/50⌉ + Σ over the changed playlists of (1 + ⌈n/50⌉).
Usage: .venv/bin/python scripts/bench_extract.py [--playlists 200] [--changed 0.1] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "dags"), str(ROOT / "lambda")]

import spotipy  # noqa: E402
from tests import synthetic as syn  # noqa: E402
from tests.stub_spotify import StubSpotify, StubState  # noqa: E402

from spotify_etl.extract.playlists import ExtractRequest, extract  # noqa: E402
from spotify_etl.settings import load  # noqa: E402
from spotify_etl.spotify.client import SpotifyApi  # noqa: E402
from spotify_etl.spotify.oauth import make_auth_manager  # noqa: E402
from spotify_transform.storage import ByteStore  # noqa: E402

LIMIT = 50
USER = "benchuser00000000000001"


def make_state(n_playlists: int, rng: random.Random) -> tuple[StubState, dict[str, int]]:
    """A stub serving `n_playlists` owned playlists of mixed sizes; sizes by id."""
    cat = syn.make_catalog(rng, n_artists=300, n_albums=500, n_tracks=2000)
    state = StubState()
    sizes: dict[str, int] = {}
    listing: list[dict[str, Any]] = []
    for n in range(n_playlists):
        pid = syn.spotify_id(rng)
        kind = rng.random()
        size = (
            0 if kind < 0.05
            else rng.randint(1, 49) if kind < 0.45
            else rng.randint(50, 300) if kind < 0.85
            else rng.randint(301, 1500)
        )  # fmt: skip
        sizes[pid] = size
        tracks = [cat.tracks[rng.randrange(len(cat.tracks))] for _ in range(size)]
        entries = [
            syn.entry(syn.track_body(t, "2026", rng), "2026", "2026-01-01T00:00:00Z", USER)
            for t in tracks
        ]
        snapshot = f"snap-{n}-1"
        body = syn.playlist_body(
            pid, name=f"Playlist {n}", description="", owner_id=USER, owner_name="Bench",
            shape="2026", snapshot_id=snapshot, entries=entries,
        )  # fmt: skip
        state.playlists[pid] = json.dumps(body).encode()
        for offset in range(0, max(size, 1), LIMIT):
            page = syn.items_page(pid, entries[offset : offset + LIMIT], offset, LIMIT, size)
            state.pages[(pid, offset)] = json.dumps(page).encode()
        listing.append(
            {"id": pid, "name": f"Playlist {n}", "snapshot_id": snapshot, "collaborative": False,
             "owner": {"id": USER, "display_name": "Bench"}, "type": "playlist",
             "items": {"href": f"{syn.API}/playlists/{pid}/items", "total": size}}
        )  # fmt: skip
    for offset in range(0, len(listing), LIMIT):
        chunk = listing[offset : offset + LIMIT]
        nxt = offset + LIMIT
        state.me_pages[offset] = json.dumps(
            {"href": f"{syn.API}/me/playlists?offset={offset}&limit=50", "items": chunk,
             "limit": LIMIT, "offset": offset, "total": len(listing),
             "next": f"{syn.API}/me/playlists?offset={nxt}&limit=50"
             if nxt < len(listing) else None}
        ).encode()  # fmt: skip
    state.me_profile = json.dumps({"id": USER, "display_name": "Bench", "type": "user"}).encode()
    return state, sizes


def naive(stub: StubSpotify) -> int:
    """The tutorials' loop: list, then every playlist and all its pages, with spotipy."""
    settings = load(stub.env())
    sp = spotipy.Spotify(auth_manager=make_auth_manager(settings))
    sp.prefix = settings.api_url
    before = len(stub.state.requests)
    # Paged by offset against the stub (the bodies' own `next` URLs name Spotify's host, which
    # a benchmark here must never call).
    ids: list[str] = []
    offset: int | None = 0
    while offset is not None:
        page = sp.current_user_playlists(limit=LIMIT, offset=offset)
        ids += [p["id"] for p in page["items"] if p]
        offset = offset + LIMIT if page.get("next") else None
    for pid in ids:
        sp.playlist(pid)
        offset = 0
        while offset is not None:
            items = sp.playlist_items(pid, limit=LIMIT, offset=offset)
            offset = offset + LIMIT if items.get("next") else None
    return len(stub.state.requests) - before


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--playlists", type=int, default=200)
    parser.add_argument("--changed", type=float, default=0.1)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    rng = random.Random(20261201)
    state, sizes = make_state(args.playlists, rng)
    total = sum(sizes.values())
    print(f"{args.playlists} playlists, {total} entries, {args.latency * 1000:.0f} ms a call")
    with StubSpotify(state) as stub, tempfile.TemporaryDirectory() as tmp:
        state.latency_s = args.latency
        rows = []
        changed: list[str] = []
        for day in ("2026-11-30", "2026-12-01"):
            if day == "2026-12-01":
                changed = rng.sample(sorted(sizes), round(args.playlists * args.changed))
                for pid in changed:
                    stub.state.change_snapshot(pid, f"snap-{pid}-2")
            source = SpotifyApi(load(stub.env()))
            start = time.perf_counter()
            manifest = extract(ByteStore(), source, ExtractRequest(day, tmp, ("me",), "bench"))
            ours_s = time.perf_counter() - start
            start = time.perf_counter()
            naive_calls = naive(stub)
            naive_s = time.perf_counter() - start
            assert set(manifest.statuses) <= {"ok", "unchanged"}, manifest.statuses
            rows.append((day, source.api_calls, ours_s, naive_calls, naive_s))
        target = math.ceil(args.playlists / LIMIT) + sum(
            1 + math.ceil(sizes[p] / LIMIT) for p in changed
        )
    print(
        "| day | ours: calls | ours: wall s | naive spotipy: calls | naive: wall s | calls ratio |"
    )
    print("|---|---|---|---|---|---|")
    for day, calls, ours_s, naive_calls, naive_s in rows:
        ratio = naive_calls / calls
        print(f"| {day} | {calls} | {ours_s:.1f} | {naive_calls} | {naive_s:.1f} | {ratio:.1f}× |")
    print(f"day 2 target: ≤ {target} calls ({len(changed)} playlists changed); ours: {rows[1][1]}")
    return 0 if rows[1][1] <= target else 1


if __name__ == "__main__":
    sys.exit(main())
