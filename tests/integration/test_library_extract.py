"""The library (Liked Songs, saved albums, top items) and the call budget, through the real
spotipy client against the stub Spotify over real HTTP: each dataset in both API shapes, the
unchanged rule against every edit that could fool it, a budget that runs out mid-library and
mid-playlist, Spotify's QUOTA_EXCEEDED on the first call and mid-run, a token missing a scope."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from spotify_etl.extract.budget import CallBudget
from spotify_etl.extract.playlists import ExtractRequest, extract
from spotify_etl.settings import DATASETS, load
from spotify_etl.spotify.client import SpotifyApi
from spotify_transform.jobs.playlists import read_raw_set
from spotify_transform.rawzone import budget as ledger
from spotify_transform.rawzone.layout import raw_partition
from spotify_transform.rawzone.manifest import SnapshotManifest
from spotify_transform.storage import ByteStore
from tests import builders as b
from tests import synthetic as syn
from tests.stub_spotify import Fault, StubSpotify

DAY = "2026-11-24"
NEXT = "2026-11-25"
NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def _api(stub: StubSpotify) -> SpotifyApi:
    return SpotifyApi(load(stub.env()), sleep=lambda s: None, jitter=lambda: 0.0)


def _extract(
    stub: StubSpotify,
    root: Path,
    day: str = DAY,
    budget: CallBudget | None = None,
    datasets: tuple[str, ...] = DATASETS,
    playlists: tuple[str, ...] = ("me",),
) -> SnapshotManifest:
    request = ExtractRequest(day, str(root), playlists, "test", datasets)
    return extract(ByteStore(), _api(stub), request, budget=budget)


def _budget(root: Path, limit: int, at: datetime = NOW, reserve: int = 0) -> CallBudget:
    return CallBudget(ByteStore(), str(root), limit, "test", reserve=reserve, clock=lambda: at)


def _saved(root: Path, dataset: str, day: str = DAY) -> list[Any]:
    """The entries of a saved dataset as the date's stored pages hold them, in order."""
    manifest = SnapshotManifest.from_json(
        (Path(raw_partition(str(root), day)) / "_manifest.json").read_bytes()
    )
    record = manifest.library[dataset]
    folder = Path(raw_partition(str(root), day)) / "library" / dataset
    at: dict[int, Any] = {}
    for f, offset in zip(record.files, record.file_offsets(), strict=True):
        for i, entry in enumerate(json.loads((folder / f.name).read_bytes())["items"]):
            at.setdefault(offset + i, entry)  # a position an earlier file filled stays
    assert sorted(at) == list(range(len(at)))  # no gap
    return [at[i] for i in sorted(at)]


def _liked(cat: syn.Catalog, shape: syn.Shape, n: int) -> list[dict[str, Any]]:
    rng = random.Random(n)
    return [
        {"added_at": f"2026-11-{24 - i // 10:02d}T{i % 10:02d}:00:00Z",
         "track": syn.track_body(cat.tracks[i % len(cat.tracks)], shape, rng)}
        for i in range(n)
    ]  # fmt: skip


@pytest.mark.parametrize("shape", ["legacy", "2026"])
def test_each_library_dataset_lands_whole_in_both_shapes(
    stub: StubSpotify, tmp_path: Path, shape: syn.Shape
) -> None:
    # GIVEN 130 liked songs (three pages), saved albums and top lists in one API shape
    cat = b.catalog()
    stub.state.saved["saved_tracks"] = _liked(cat, shape, 130)
    albums = [dict(b.track(cat, n, shape)["album"]) for n in range(3)]
    for album in albums:
        album["tracks"] = {"items": [], "total": 0, "limit": 50, "offset": 0, "next": None}
    stub.state.saved["saved_albums"] = [{"added_at": "2026-11-20T10:00:00Z", "album": a}
                                        for a in albums]  # fmt: skip
    # WHEN the date is extracted with every dataset
    manifest = _extract(stub, tmp_path)
    # THEN each dataset is complete, its pages byte for byte what Spotify sent, in order
    statuses = {k: (r.status, r.total, len(r.files)) for k, r in manifest.library.items()}
    assert statuses == {
        "saved_tracks": ("ok", 130, 3),
        "saved_albums": ("ok", 3, 1),
        "top_items": ("ok", None, 6),
    }
    assert _saved(tmp_path, "saved_tracks") == json.loads(
        json.dumps(stub.state.saved["saved_tracks"])
    )
    assert [r for r in stub.state.api_requests("/v1/me/tracks")] == [
        f"/v1/me/tracks?limit=50&offset={o}" for o in (0, 50, 100)
    ]
    # AND the transform reads them (listed in the manifest, each verified)
    raw = read_raw_set(ByteStore(), str(tmp_path), DAY)
    assert [Path(p).name for p in raw.library["saved_tracks"]] == [
        "page-000000.json", "page-000050.json", "page-000100.json",
    ]  # fmt: skip


def _like_and_move(entries: list[dict[str, Any]], new: dict[str, Any], index: int) -> None:
    """A new like, then an old song liked again."""
    entries.insert(0, new)
    _move(entries, index)


def _likes(entries: list[dict[str, Any]], new: dict[str, Any], n: int) -> None:
    """`n` new likes, each on top."""
    for m in range(n):
        entries.insert(0, {**new, "added_at": f"2026-11-25T08:{m:02d}:00Z"})


def _move(entries: list[dict[str, Any]], index: int) -> None:
    """Like the song at `index` again: it moves to the top with a new `added_at`."""
    entry = entries.pop(index)
    entries.insert(0, {**entry, "added_at": "2026-11-25T09:00:00Z"})


EDITS: dict[str, Any] = {
    "nothing": lambda e, new: None,
    "a like": lambda e, new: e.insert(0, new),
    "twenty likes": lambda e, new: _likes(e, new, 20),
    "a like and a re-like": lambda e, new: _like_and_move(e, new, 100),
    "an unlike deep in the list": lambda e, new: e.pop(90),
    "an unlike and a like": lambda e, new: (e.pop(90), e.insert(0, new)),
    "an old song liked again": lambda e, new: _move(e, 110),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_the_unchanged_rule_is_never_fooled(stub: StubSpotify, tmp_path: Path, edit: str) -> None:
    # GIVEN a day's Liked Songs (130, three pages) in the lake
    cat = b.catalog()
    liked = stub.state.saved["saved_tracks"] = _liked(cat, "2026", 130)
    _extract(stub, tmp_path, datasets=("saved_tracks",))
    # WHEN the library is edited overnight and the next day is extracted
    fresh = {"added_at": "2026-11-25T08:00:00Z", "track": b.track(cat, 29, "2026")}
    EDITS[edit](liked, fresh)
    before = len(stub.state.api_requests("/v1/me/tracks"))
    record = _extract(stub, tmp_path, NEXT, datasets=("saved_tracks",)).library["saved_tracks"]
    calls = len(stub.state.api_requests("/v1/me/tracks")) - before
    # THEN the stored library is exactly Spotify's; no change and new likes on top cost one
    # call (the previous pages copied or carried), any other edit reads the library anew
    assert _saved(tmp_path, "saved_tracks", NEXT) == json.loads(json.dumps(liked))
    if edit == "nothing":
        assert (record.status, record.copied_from, calls) == ("unchanged", DAY, 1)
    elif edit in ("a like", "twenty likes"):
        assert (record.status, record.copied_from, calls) == ("ok", DAY, 1)
        assert record.offsets[1] == len(liked) - 130
    else:
        assert record.status == "ok" and not record.offsets and calls == -(-len(liked) // 50)


def test_new_likes_day_after_day_stay_one_call(stub: StubSpotify, tmp_path: Path) -> None:
    # GIVEN a library read in full once
    cat = b.catalog()
    liked = stub.state.saved["saved_tracks"] = _liked(cat, "2026", 130)
    _extract(stub, tmp_path, datasets=("saved_tracks",))
    # WHEN a few songs are liked each day for four days
    for n, day in enumerate(("2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28")):
        for m in range(n + 2):
            track = b.track(cat, (n * 5 + m) % 30, "2026")
            liked.insert(0, {"added_at": f"{day}T0{m}:00:00Z", "track": track})
        before = len(stub.state.api_requests("/v1/me/tracks"))
        record = _extract(stub, tmp_path, day, datasets=("saved_tracks",)).library["saved_tracks"]
        # THEN each day costs one call, and the date holds exactly Spotify's list
        assert len(stub.state.api_requests("/v1/me/tracks")) - before == 1
        assert record.total == len(liked)
        assert _saved(tmp_path, "saved_tracks", day) == json.loads(json.dumps(liked))


def test_a_budget_that_runs_out_mid_library_and_mid_playlist_resumes_without_loss(
    stub: StubSpotify, tmp_path: Path
) -> None:
    # GIVEN the whole date extracted once with no budget (the reference)
    reference = _extract(stub, tmp_path / "reference")
    full = reference.run.api_calls
    # WHEN the same date is extracted under a budget that runs out part-way through
    root = tmp_path / "lake"
    first = _extract(stub, root, budget=_budget(root, full - 8))
    deferred = [p.playlist_id for p in first.playlists if p.status == "deferred"]
    deferred += [k for k, r in first.library.items() if r.status == "deferred"]
    # THEN what did not fit is deferred, committed as such, with when it can resume
    assert deferred and first.deferred == len(deferred)
    assert first.budget is not None and first.budget.resume_at is not None
    assert first.budget.spent <= full - 8
    # AND a later run (its window clear) completes the date: the same files as the reference
    later = NOW + timedelta(hours=25)
    second = _extract(stub, root, budget=_budget(root, full, later))
    assert second.deferred == 0
    assert {r.status for r in second.library.values()} == {"ok"}
    assert _files(root) == _files(tmp_path / "reference")
    # AND it spent only what the first run left undone, plus the listing and the first page
    # of Liked Songs that tell it what is still the same (no other page fetched twice)
    assert first.run.api_calls + second.run.api_calls <= full + 2


def _files(root: Path) -> dict[str, bytes]:
    """Every response file the date's manifest lists, by path."""
    partition = Path(raw_partition(str(root), DAY))
    manifest = SnapshotManifest.from_json((partition / "_manifest.json").read_bytes())
    return {path: (partition / path).read_bytes() for path, _ in manifest.files()
            if not path.startswith("listing/")}  # fmt: skip


def test_quota_exceeded_on_the_first_call_defers_everything_and_later_runs_wait(
    stub: StubSpotify, tmp_path: Path
) -> None:
    # GIVEN a previous day in the lake, and Spotify answering QUOTA_EXCEEDED (14 hours)
    _extract(stub, tmp_path, "2026-11-23")
    quota = {"error": {"status": 429, "message": "Too many requests", "reason": "QUOTA_EXCEEDED"}}
    stub.state.faults.append(Fault("/v1/me/playlists", 429, quota, {"Retry-After": "50400"}))
    # WHEN the day is extracted
    manifest = _extract(stub, tmp_path, budget=_budget(tmp_path, 900))
    # THEN it commits: every playlist deferred (keeping its row), the library deferred, and the
    # time Spotify gave kept for every run
    assert {p.status for p in manifest.playlists} <= {"deferred", "skipped"}
    assert all(r.status == "deferred" for r in manifest.library.values())
    until = ledger.quota_until(ByteStore(), str(tmp_path))
    assert until == NOW + timedelta(seconds=50400)
    assert manifest.budget is not None and manifest.budget.quota_exceeded
    assert manifest.playlists_with_metadata == 5
    # AND a run before then makes no call at all
    calls = len(stub.state.requests)
    again = _extract(stub, tmp_path, budget=_budget(tmp_path, 900, NOW + timedelta(hours=3)))
    assert len(stub.state.requests) == calls and again.deferred == manifest.deferred
    # AND a run after then completes the day
    done = _extract(stub, tmp_path, budget=_budget(tmp_path, 900, NOW + timedelta(hours=15)))
    assert done.deferred == 0 and done.statuses == {"ok": 5, "skipped": 1}


def test_quota_exceeded_mid_run_commits_what_landed(stub: StubSpotify, tmp_path: Path) -> None:
    # GIVEN Spotify's quota running out at the second page of a playlist
    quota = {"error": {"status": 429, "message": "Too many requests", "reason": "QUOTA_EXCEEDED"}}
    stub.state.faults.append(
        Fault(r"/v1/playlists/3cEYpjA9oz9GiPac4AsH4n/items\?.*offset=50", 429, quota,
              {"Retry-After": "50400"})
    )  # fmt: skip
    # WHEN the day is extracted
    manifest = _extract(stub, tmp_path, budget=_budget(tmp_path, 900))
    # THEN the playlists before it landed, it is deferred with its first page kept, and so is
    # everything after it (no further call)
    by_id = manifest.by_id()
    paged = by_id["3cEYpjA9oz9GiPac4AsH4n"]
    assert (paged.status, paged.entries_landed, len(paged.files)) == ("deferred", 50, 2)
    assert manifest.deferred >= 1 and manifest.budget is not None
    assert manifest.budget.quota_exceeded
    # AND the next run after the stop continues after the page it has
    stub.state.requests.clear()
    later = NOW + timedelta(hours=15)
    done = _extract(stub, tmp_path, budget=_budget(tmp_path, 900, later))
    assert done.deferred == 0 and done.by_id()["3cEYpjA9oz9GiPac4AsH4n"].status == "ok"
    pages = [
        r for r in stub.state.requests if r.startswith("/v1/playlists/3cEYpjA9oz9GiPac4AsH4n/")
    ]
    assert [r.split("offset=")[1].split("&")[0] for r in pages] == ["50", "100"]


def test_a_token_without_the_library_scopes_extracts_the_rest(
    stub: StubSpotify, tmp_path: Path
) -> None:
    # GIVEN a token consented before the library datasets (no user-library-read, user-top-read)
    stub.state.granted_scope = (
        "playlist-read-private playlist-read-collaborative user-read-recently-played"
    )
    # WHEN every dataset is extracted
    manifest = _extract(stub, tmp_path)
    # THEN the playlists land, and each library dataset says which scope it needs and what to do
    assert manifest.statuses == {"ok": 5, "skipped": 1}
    for name, record in manifest.library.items():
        scope = "user-top-read" if name == "top_items" else "user-library-read"
        assert (record.status, record.scope) == ("forbidden", scope)
        assert record.message is not None and "spotify-pipeline auth" in record.message


def test_a_budget_that_runs_out_inside_a_playlist_keeps_its_pages_and_resumes(
    stub: StubSpotify, tmp_path: Path
) -> None:
    # GIVEN a listing that understates a playlist's size (140 entries listed as 10), so the
    # budget's estimate fits but its pages do not
    page = json.loads(stub.state.me_pages[0])
    for item in page["items"]:
        if item and item["id"] == "3cEYpjA9oz9GiPac4AsH4n":
            (item.get("items") or item.get("tracks"))["total"] = 10
    stub.state.me_pages[0] = json.dumps(page).encode()
    # WHEN the date is extracted with five calls: the listing, /me, the playlist, two pages
    manifest = _extract(stub, tmp_path, budget=_budget(tmp_path, 5), datasets=("playlists",))
    # THEN the playlist stopped where the budget did, deferred, its object and pages kept
    paged = manifest.by_id()["3cEYpjA9oz9GiPac4AsH4n"]
    assert (paged.status, paged.entries_landed, len(paged.files)) == ("deferred", 100, 3)
    assert manifest.budget is not None and manifest.budget.spent == 5
    # AND the next run continues after the page it has and completes the date
    stub.state.requests.clear()
    later = NOW + timedelta(hours=25)
    done = _extract(stub, tmp_path, budget=_budget(tmp_path, 900, later), datasets=("playlists",))
    assert done.deferred == 0 and done.by_id()["3cEYpjA9oz9GiPac4AsH4n"].status == "ok"
    pages = [r for r in stub.state.requests if "3cEYpjA9oz9GiPac4AsH4n/items" in r]
    assert [r.split("offset=")[1].split("&")[0] for r in pages] == ["100"]
