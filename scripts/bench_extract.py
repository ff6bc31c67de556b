"""Benchmark the extractor's API calls and wall time against a naive spotipy loop, and the call
budget against Spotify's daily quota.

A stub Spotify on 127.0.0.1 (tests/stub_spotify.py, real HTTP, ~50 ms added to every answer)
serves `me` with 200 playlists of mixed sizes (empty to ~1,500 entries) and a library of 5,000
liked songs, 200 saved albums and the six top lists. Day 1 reads everything; on day 2, 10% of
the playlists have changed and 20 songs were liked. Each day, our extractor (the real code
path: spotipy under our policy, the raw zone on disk) runs against a naive loop that, like the
popular tutorials, lists the playlists and fetches every playlist, every page and the whole
library with spotipy, every day.

Then the same user under SPOTIFY_DAILY_CALL_BUDGET (default 1,000 here), one daily run a day
(the listening pulls' 24 calls kept aside): calls per day, what is deferred, and the days until
every dataset is complete.

Targets: day 2 ≤ ⌈200/50⌉ + Σ over the changed playlists of (1 + ⌈n/50⌉) + 2 for the library
(its first pages), reported beside the 6 calls of the top lists; under the budget, every day
within it and everything complete on day 2.
Usage: .venv/bin/python scripts/bench_extract.py [--playlists 200] [--changed 0.1]
       [--library 5000] [--likes 20] [--budget 1000] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "dags"), str(ROOT / "lambda")]

import spotipy  # noqa: E402
from tests import synthetic as syn  # noqa: E402
from tests.stub_spotify import StubSpotify, StubState  # noqa: E402

from spotify_etl.extract.budget import LISTENING_RESERVE, CallBudget  # noqa: E402
from spotify_etl.extract.playlists import ExtractRequest, extract  # noqa: E402
from spotify_etl.settings import DATASETS, load  # noqa: E402
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


def add_library(state: StubState, songs: int, albums: int, rng: random.Random) -> None:
    """Liked Songs (newest first), saved albums and the six top lists."""
    cat = syn.make_catalog(rng, n_artists=400, n_albums=max(albums, 500), n_tracks=songs)
    state.saved["saved_tracks"] = [
        {"added_at": f"2026-{1 + n // 1000 % 11:02d}-{1 + n % 28:02d}T00:00:00Z",
         "track": syn.track_body(t, "2026", rng)}
        for n, t in enumerate(cat.tracks)
    ]  # fmt: skip
    state.saved["saved_albums"] = [
        {"added_at": "2026-06-01T00:00:00Z",
         "album": {**a, "tracks": {"items": [], "total": 0, "limit": 50, "offset": 0,
                                   "next": None}}}
        for a in cat.albums[:albums]
    ]  # fmt: skip
    for kind in ("tracks", "artists"):
        pool = cat.tracks if kind == "tracks" else cat.artists
        for time_range in ("short_term", "medium_term", "long_term"):
            state.top[kind, time_range] = rng.sample(pool, 50)


def like(state: StubState, n: int, rng: random.Random) -> None:
    """`n` new likes on top of Liked Songs."""
    pool = [e["track"] for e in state.saved["saved_tracks"][-500:]]
    for m in range(n):
        track = dict(rng.choice(pool), id=syn.spotify_id(rng))
        state.saved["saved_tracks"].insert(0, {"added_at": f"2026-12-01T08:{m:02d}:00Z",
                                               "track": track})  # fmt: skip


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
    for fetch in (sp.current_user_saved_tracks, sp.current_user_saved_albums):
        offset = 0
        while offset is not None:
            page = fetch(limit=LIMIT, offset=offset)
            offset = offset + LIMIT if page.get("next") else None
    for time_range in ("short_term", "medium_term", "long_term"):
        sp.current_user_top_tracks(limit=LIMIT, time_range=time_range)
        sp.current_user_top_artists(limit=LIMIT, time_range=time_range)
    return len(stub.state.requests) - before


def day_two_target(playlists: int, sizes: dict[str, int], changed: list[str]) -> int:
    """⌈playlists/50⌉ + the changed playlists' work + 2 for the library's first pages."""
    work = sum(1 + max(1, math.ceil(sizes[p] / LIMIT)) for p in changed)
    return math.ceil(playlists / LIMIT) + work + 2


def unbudgeted(args: argparse.Namespace) -> bool:
    """Day 1 and day 2, ours against the naive loop; returns whether day 2 met its target."""
    rng = random.Random(20261201)
    state, sizes = make_state(args.playlists, rng)
    add_library(state, args.library, args.albums, rng)
    total = sum(sizes.values())
    print(f"{args.playlists} playlists, {total} entries, {args.library} liked songs, "
          f"{args.albums} saved albums, {args.latency * 1000:.0f} ms a call")  # fmt: skip
    with StubSpotify(state) as stub, tempfile.TemporaryDirectory() as tmp:
        state.latency_s = args.latency
        rows = []
        changed: list[str] = []
        for day in ("2026-11-30", "2026-12-01"):
            if day == "2026-12-01":
                changed = rng.sample(sorted(sizes), round(args.playlists * args.changed))
                for pid in changed:
                    stub.state.change_snapshot(pid, f"snap-{pid}-2")
                like(stub.state, args.likes, rng)
            source = SpotifyApi(load(stub.env()))
            start = time.perf_counter()
            request = ExtractRequest(day, tmp, ("me",), "bench", DATASETS)
            manifest = extract(ByteStore(), source, request)
            ours_s = time.perf_counter() - start
            start = time.perf_counter()
            naive_calls = naive(stub)
            naive_s = time.perf_counter() - start
            assert set(manifest.statuses) <= {"ok", "unchanged"}, manifest.statuses
            assert all(r.complete for r in manifest.library.values()), manifest.library
            top = 6
            rows.append((day, source.api_calls, top, ours_s, naive_calls, naive_s))
        target = day_two_target(args.playlists, sizes, changed)
    print("| day | ours: calls (of which top lists) | ours: wall s | naive spotipy: calls "
          "| naive: wall s | calls ratio |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for day, calls, top, ours_s, naive_calls, naive_s in rows:
        ratio = naive_calls / calls
        print(f"| {day} | {calls} ({top}) | {ours_s:.1f} | {naive_calls} | {naive_s:.1f} "
              f"| {ratio:.1f}× |")  # fmt: skip
    day2 = rows[1][1] - rows[1][2]
    print(f"day 2 target: ≤ {target} calls ({len(changed)} playlists changed, {args.likes} "
          f"likes) besides the 6 top lists; ours: {day2} (+6 = {rows[1][1]})")  # fmt: skip
    return day2 <= target


def budgeted(args: argparse.Namespace) -> bool:
    """One daily run a day under the budget until everything is complete."""
    rng = random.Random(20261202)
    state, _ = make_state(args.playlists, rng)
    add_library(state, args.library, args.albums, rng)
    start = datetime(2026, 11, 30, 6, tzinfo=UTC)
    print(f"\nunder SPOTIFY_DAILY_CALL_BUDGET={args.budget} (the listening pulls keep "
          f"{LISTENING_RESERVE}):")  # fmt: skip
    print("| day | calls | deferred | complete |")
    print("|---|---|---|---|")
    ok, complete_on = True, None
    with StubSpotify(state) as stub, tempfile.TemporaryDirectory() as tmp:
        state.latency_s = 0.0
        for n in range(5):
            at = start + timedelta(days=n)
            day = at.date().isoformat()
            budget = CallBudget(ByteStore(), tmp, args.budget, "bench", reserve=LISTENING_RESERVE,
                                clock=lambda at=at: at)  # type: ignore[misc]  # fmt: skip
            source = SpotifyApi(load(stub.env()))
            request = ExtractRequest(day, tmp, ("me",), "bench", DATASETS)
            manifest = extract(ByteStore(), source, request, budget=budget)
            done = manifest.deferred == 0
            ok &= source.api_calls <= args.budget
            state_word = "yes" if done else "no"
            print(f"| {n + 1} | {source.api_calls} | {manifest.deferred} | {state_word} |")
            if done:
                complete_on = n + 1
                break
    print(f"complete on day {complete_on} (target: day 2); every day within the budget: {ok}")
    return ok and complete_on is not None and complete_on <= 2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--playlists", type=int, default=200)
    parser.add_argument("--changed", type=float, default=0.1)
    parser.add_argument("--library", type=int, default=5000, help="liked songs")
    parser.add_argument("--albums", type=int, default=200, help="saved albums")
    parser.add_argument("--likes", type=int, default=20, help="new likes on day 2")
    parser.add_argument("--budget", type=int, default=1000, help="calls a day")
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    first = unbudgeted(args)
    second = budgeted(args)
    return 0 if first and second else 1


if __name__ == "__main__":
    sys.exit(main())
