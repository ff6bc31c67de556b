"""Extraction never lands a short or mixed date: 200s that misbehave, cut connections, a
playlist that fails part-way and real-looking `/me/playlists` listings, through spotipy over real
HTTP against the stub (tests/stub_spotify.py), then through the transform."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from spotify_etl.extract.playlists import ExtractRequest, extract
from spotify_etl.spotify.client import MAX_ERROR_RETRIES
from spotify_transform.handler import run_request as run
from spotify_transform.jobs.playlists import TransformRequest
from spotify_transform.rawzone.layout import curated_file
from spotify_transform.storage import ByteStore
from tests.builders import manifest_json
from tests.integration.test_extract_live import (
    DAY,
    PAGED,
    Sleeps,
    api,
    partition,
    run_extract,
)
from tests.stub_spotify import Fault, StubSpotify, bodies

GATEWAY_PAGE = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
PAGE_50 = rf"/v1/playlists/{PAGED}/items\?limit=50&offset=50"


def _status(manifest: dict[str, Any], playlist_id: str) -> dict[str, Any]:
    entries: dict[str, dict[str, Any]] = {p["playlist_id"]: p for p in manifest["playlists"]}
    return entries[playlist_id]


def _curated(root: Path, table: str) -> pl.DataFrame:
    return pl.read_parquet(curated_file(str(root / "curated"), table, DAY))


def _transform(root: Path) -> None:
    run(ByteStore(), TransformRequest(DAY, str(root), str(root / "curated")))


def test_a_200_with_an_html_body_once_is_retried_and_the_playlist_lands_whole(
    stub: StubSpotify, tmp_path: Path
) -> None:
    # GIVEN a calm extraction, then a gateway answering the page at offset 50 once with a 200
    # whose body is an HTML page
    run_extract(stub, tmp_path / "calm", api(stub))
    stub.state.faults = [Fault(PAGE_50, 200, raw=GATEWAY_PAGE, times=1)]
    sleeps = Sleeps()
    # WHEN extracting again
    manifest = run_extract(stub, tmp_path / "gateway", api(stub, sleeps))
    # THEN the page was asked for again after one backoff, and the date is the calm one
    assert _status(manifest, PAGED)["status"] == "ok"
    assert _status(manifest, PAGED)["entries_landed"] == 140
    assert sleeps == [1.0]
    assert bodies(partition(tmp_path / "gateway")) == bodies(partition(tmp_path / "calm"))


def test_a_200_that_stays_broken_records_the_playlist_incomplete_and_curated_says_so(
    stub: StubSpotify, tmp_path: Path
) -> None:
    # GIVEN the page at offset 50 answered with an HTML 200 every time
    stub.state.faults = [Fault(PAGE_50, 200, raw=GATEWAY_PAGE, times=100)]
    sleeps = Sleeps()
    # WHEN extracting
    manifest = run_extract(stub, tmp_path, api(stub, sleeps))
    # THEN after the bounded retries the playlist is `incomplete` with the reason; the others
    # are read as usual
    entry = _status(manifest, PAGED)
    assert entry["status"] == "incomplete"
    assert "not JSON" in entry["message"] and "<html>" in entry["message"]
    assert entry["entries_landed"] == 50
    assert len(sleeps) == MAX_ERROR_RETRIES
    assert manifest["statuses"] == {"ok": 4, "incomplete": 1, "skipped": 1}
    # AND the transform keeps its row, marked not readable whole, and none of its entries:
    # nothing presents its first page as the whole playlist
    _transform(tmp_path)
    row = _curated(tmp_path, "playlists").filter(pl.col("playlist_id") == PAGED).row(0, named=True)
    assert row["items_accessible"] is False
    assert _curated(tmp_path, "playlist_items").filter(pl.col("playlist_id") == PAGED).height == 0


def test_a_connection_cut_mid_body_is_retried(stub: StubSpotify, tmp_path: Path) -> None:
    # GIVEN a calm extraction, then the page at offset 50 cut off mid-body once
    run_extract(stub, tmp_path / "calm", api(stub))
    stub.state.faults = [Fault(PAGE_50, 200, cut=True, times=1)]
    sleeps = Sleeps()
    # WHEN extracting again (requests raises ChunkedEncodingError, not a ConnectionError)
    manifest = run_extract(stub, tmp_path / "cut", api(stub, sleeps))
    # THEN it was retried and the date is whole
    assert _status(manifest, PAGED)["status"] == "ok"
    assert sleeps == [1.0]
    assert bodies(partition(tmp_path / "cut")) == bodies(partition(tmp_path / "calm"))


def test_a_page_that_ends_the_paging_early_is_retried_then_whole(
    stub: StubSpotify, tmp_path: Path
) -> None:
    # GIVEN the page at offset 50 answered once with 10 entries and no `next`
    good = json.loads(stub.state.pages[(PAGED, 50)])
    short = {**good, "items": good["items"][:10], "next": None}
    stub.state.faults = [Fault(PAGE_50, 200, raw=json.dumps(short).encode(), times=1)]
    sleeps = Sleeps()
    # WHEN extracting
    manifest = run_extract(stub, tmp_path, api(stub, sleeps))
    # THEN the short page was refused and asked for again: 140 entries, each position once
    assert _status(manifest, PAGED)["status"] == "ok"
    assert _status(manifest, PAGED)["entries_landed"] == 140
    assert sleeps == [1.0]


def test_a_playlist_that_404s_at_page_3_is_reported_and_never_shown_as_complete(
    stub: StubSpotify, tmp_path: Path
) -> None:
    # GIVEN the third page of a 3-page playlist gone (404) for good
    stub.state.faults = [
        Fault(rf"/v1/playlists/{PAGED}/items\?limit=50&offset=100", 404, times=100)
    ]
    # WHEN extracting, then transforming
    manifest = run_extract(stub, tmp_path, api(stub))
    _transform(tmp_path)
    # THEN the playlist is not_found with the 100 entries that did land recorded, the run
    # went on with the others, and curated holds its row but none of its entries
    entry = _status(manifest, PAGED)
    assert entry["status"] == "not_found" and entry["entries_landed"] == 100
    assert manifest["statuses"]["ok"] == 4
    assert _curated(tmp_path, "playlist_items").filter(pl.col("playlist_id") == PAGED).height == 0
    row = _curated(tmp_path, "playlists").filter(pl.col("playlist_id") == PAGED).row(0, named=True)
    assert row["items_accessible"] is False


def test_me_survives_null_entries_and_null_ids_in_a_real_listing(
    stub: StubSpotify, tmp_path: Path
) -> None:
    # GIVEN a /me/playlists page holding, besides the sample's playlists, a null entry and a
    # playlist whose id is null (both seen in real responses)
    page = json.loads(stub.state.me_pages[0])
    ghost = {**page["items"][0], "id": None, "name": "ghost"}
    page["items"] = [None, *page["items"], ghost]
    page["total"] = len(page["items"])
    stub.state.me_pages[0] = json.dumps(page).encode()
    # WHEN `me` is extracted
    manifest = run_extract(stub, tmp_path, api(stub))
    # THEN both are counted and neither is requested (no /playlists/None)
    assert manifest["listing"]["null_entries"] == 1
    assert manifest["listing"]["null_ids"] == 1
    assert manifest["statuses"] == {"ok": 5, "skipped": 1}
    assert not any("None" in r or "null" in r for r in stub.state.api_requests("/v1/playlists"))


def test_an_explicit_id_still_reads_a_followed_playlist(stub: StubSpotify, tmp_path: Path) -> None:
    # GIVEN the friend's playlist named explicitly
    hidden = "6UeSakyzhiEt4NB3UAd6NQ"
    # WHEN extracted
    manifest = manifest_json(
        extract(ByteStore(), api(stub), ExtractRequest(DAY, str(tmp_path), (hidden,), "test"))
    )
    # THEN it is asked for (and, its contents not being visible, recorded so)
    assert _status(manifest, hidden)["status"] == "not_visible"
    assert stub.state.api_requests(f"/v1/playlists/{hidden}")


def test_a_listing_that_stops_early_is_retried_then_marked_incomplete_and_loses_nothing(
    stub: StubSpotify, tmp_path: Path
) -> None:
    # GIVEN a complete first day, then a /me/playlists page that ends before its `total` (three
    # of the six, no `next`) on every try
    run_extract(stub, tmp_path, api(stub), "2026-11-24")
    page = json.loads(stub.state.me_pages[0])
    page["items"], page["next"] = page["items"][:3], None
    stub.state.me_pages[0] = json.dumps(page).encode()
    sleeps = Sleeps()
    # WHEN the next day is extracted
    manifest = run_extract(stub, tmp_path, api(stub, sleeps), "2026-11-25")
    # THEN the page was retried as a short `/items` page is, then the listing recorded loudly
    # as incomplete, with why
    assert len(sleeps) == MAX_ERROR_RETRIES
    listing = manifest["listing"]
    assert listing["complete"] is False
    assert "holds 3 entries where 6 are due" in listing["message"]
    # AND yesterday's playlists the listing did not reach were read by their ID: none of them
    # looks removed, each is whole
    day_one = {p["playlist_id"] for p in manifest_json_of(tmp_path, "2026-11-24")["playlists"]}
    today = {p["playlist_id"]: p["status"] for p in manifest["playlists"]}
    assert day_one <= set(today)
    assert {s for p, s in today.items() if p != "6UeSakyzhiEt4NB3UAd6NQ"} <= {"ok", "unchanged"}


def manifest_json_of(root: Path, day: str) -> dict[str, Any]:
    path = root / "spotify" / "playlists" / f"snapshot_date={day}" / "_manifest.json"
    data: dict[str, Any] = json.loads(path.read_bytes())
    return data


def test_a_playlist_reused_without_a_call_takes_its_name_and_visibility_from_the_listing(
    stub: StubSpotify, tmp_path: Path
) -> None:
    # GIVEN a first day, then a rename and a visibility change that kept the snapshot id
    run_extract(stub, tmp_path, api(stub), "2026-11-24")
    page = json.loads(stub.state.me_pages[0])
    renamed = next(i for i in page["items"] if i["id"] == PAGED)
    renamed["name"], renamed["public"] = "Renamed without a new snapshot", False
    stub.state.me_pages[0] = json.dumps(page).encode()
    # WHEN the next day is extracted (the playlist reused without a call) and transformed
    manifest = run_extract(stub, tmp_path, api(stub), "2026-11-25")
    assert _status(manifest, PAGED)["status"] == "unchanged"
    request = TransformRequest("2026-11-25", str(tmp_path), str(tmp_path / "curated"))
    run(ByteStore(), request)
    # THEN its row says what the listing says today, and no stale follower count
    row = (
        pl.read_parquet(curated_file(str(tmp_path / "curated"), "playlists", "2026-11-25"))
        .filter(pl.col("playlist_id") == PAGED)
        .row(0, named=True)
    )
    assert (row["name"], row["public"], row["followers"]) == (
        "Renamed without a new snapshot", False, None,
    )  # fmt: skip
    assert row["item_count"] == 140 and row["items_accessible"]
