"""Listening history: cursor-driven hourly fetches, raw per contract, plays without duplicates."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pytest

from spotify_etl.extract.recently_played import extract_recently_played
from spotify_etl.settings import load
from spotify_etl.spotify.client import SpotifyApi
from spotify_etl.spotify.responses import SourceError
from spotify_etl.spotify.sample import SampleSource
from spotify_transform.errors import TransformError
from spotify_transform.handler import lambda_handler
from spotify_transform.jobs.plays import run_plays
from spotify_transform.rawzone.layout import curated_file
from spotify_transform.storage import ByteStore
from tests.stub_spotify import Fault, StubSpotify, StubState

TRACK = {"id": "t" * 22, "type": "track", "is_local": False, "name": "x"}


def play(stamp: str, track: dict[str, Any] | None = TRACK) -> dict[str, Any]:
    return {
        "track": track,
        "played_at": stamp,
        "context": {"type": "playlist", "uri": "spotify:playlist:p"},
    }


def page(plays: list[dict[str, Any]], after: int | None = None) -> bytes:
    return json.dumps(
        {
            "items": plays,
            "next": None,
            "cursors": {"after": str(after)} if after else None,
            "limit": 50,
        }
    ).encode()


def ms(stamp: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000)


@pytest.fixture
def stub() -> Iterator[StubSpotify]:
    with StubSpotify(StubState.from_sample()) as server:
        yield server


def api(stub: StubSpotify) -> SpotifyApi:
    return SpotifyApi(load(stub.env()), sleep=lambda s: None, jitter=lambda: 0.0)


def test_hourly_fetches_follow_the_cursor_and_store_bodies(
    stub: StubSpotify, tmp_path: Path
) -> None:
    # GIVEN two hours of plays
    first = page([play("2026-11-24T10:00:00.000Z"), play("2026-11-24T09:00:00.000Z")])
    second = page([play("2026-11-24T11:00:00.000Z")])
    stub.state.recently_played = [first, second, page([])]
    store, root = ByteStore(), str(tmp_path)
    # WHEN the hourly extract runs twice
    one = extract_recently_played(store, api(stub), root, "2026-11-24", "h1")
    two = extract_recently_played(store, api(stub), root, "2026-11-24", "h2")
    # THEN the first had no cursor, the second asked for plays after the newest one seen
    requests = stub.state.api_requests("/v1/me/player/recently-played")
    assert "after=" not in requests[0]
    assert f"after={ms('2026-11-24T10:00:00.000Z')}" in requests[1]
    assert (one["plays"], two["plays"]) == (2, 1)
    folder = tmp_path / "spotify" / "recently_played" / "extracted_date=2026-11-24"
    assert (folder / "0000000000000.json").read_bytes() == first
    assert (folder / f"{ms('2026-11-24T10:00:00.000Z'):013d}.json").read_bytes() == second
    manifest = orjson.loads((folder / "_manifest.json").read_bytes())
    assert [r["run_id"] for r in manifest["runs"]] == ["h1", "h2"]
    assert manifest["runs"][1]["fetches"][0]["sha256"] == hashlib.sha256(second).hexdigest()


def test_full_page_newer_than_cursor_records_a_gap(stub: StubSpotify, tmp_path: Path) -> None:
    # GIVEN a stored cursor and then 50 plays all newer than it (more may have happened)
    cursor_file = tmp_path / "spotify" / "recently_played" / "_cursor.json"
    cursor_file.parent.mkdir(parents=True)
    cursor_file.write_bytes(orjson.dumps({"after": ms("2026-11-24T00:00:00.000Z")}))
    plays = [play(f"2026-11-24T05:{m:02d}:00.000Z") for m in range(50)]
    stub.state.recently_played = [page(plays), page([])]
    # WHEN fetched
    result = extract_recently_played(ByteStore(), api(stub), str(tmp_path), "2026-11-24")
    # THEN the run records a gap warning
    assert result["gap_warning"] is True


def test_failed_fetch_keeps_the_cursor(stub: StubSpotify, tmp_path: Path) -> None:
    # GIVEN a first successful hour
    stub.state.recently_played = [page([play("2026-11-24T10:00:00.000Z")])]
    extract_recently_played(ByteStore(), api(stub), str(tmp_path), "2026-11-24")
    cursor = (tmp_path / "spotify" / "recently_played" / "_cursor.json").read_bytes()
    # WHEN the next hour fails (Spotify keeps answering 500)
    stub.state.faults = [Fault("recently-played", 500, times=99)]
    with pytest.raises(SourceError):
        extract_recently_played(ByteStore(), api(stub), str(tmp_path), "2026-11-24")
    # THEN the cursor did not move: the retry starts from the same point
    assert (tmp_path / "spotify" / "recently_played" / "_cursor.json").read_bytes() == cursor


def _write(root: Path, day: str, name: str, body: bytes) -> None:
    folder = root / "spotify" / "recently_played" / f"extracted_date={day}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(body)


def test_plays_partition_collects_both_days_without_duplicates(tmp_path: Path) -> None:
    # GIVEN overlapping fetches: late plays of the 23rd fetched on the 23rd and again on the 24th
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    _write(
        raw,
        "2026-11-23",
        "0000000000000.json",
        page([play("2026-11-23T23:50:00.000Z"), play("2026-11-23T22:00:00.000Z")]),
    )
    _write(
        raw,
        "2026-11-24",
        "0000000000001.json",
        page([play("2026-11-24T00:10:00.000Z"), play("2026-11-23T23:50:00.000Z")]),
    )
    _write(raw, "2026-11-24", "0000000000002.json", page([play("2026-11-24T01:00:00.000Z", None)]))
    # WHEN both days are rebuilt
    result = run_plays(ByteStore(), str(raw), str(curated), ["2026-11-23", "2026-11-24"])
    # THEN each play is in its played_date partition exactly once; the null track is counted
    day23 = pl.read_parquet(curated_file(str(curated), "plays", "2026-11-23"))
    day24 = pl.read_parquet(curated_file(str(curated), "plays", "2026-11-24"))
    assert [str(t) for t in day23["played_at"]] == [
        "2026-11-23 22:00:00+00:00",
        "2026-11-23 23:50:00+00:00",
    ]
    assert day24.height == 1
    assert result["skipped"] == {"null_item": 1}
    # AND a re-run writes identical bytes
    before = hashlib.sha256(
        Path(curated_file(str(curated), "plays", "2026-11-23")).read_bytes()
    ).hexdigest()
    run_plays(ByteStore(), str(raw), str(curated), ["2026-11-23"])
    after = hashlib.sha256(
        Path(curated_file(str(curated), "plays", "2026-11-23")).read_bytes()
    ).hexdigest()
    assert before == after


def test_plays_event_through_the_handler_and_bad_events(tmp_path: Path) -> None:
    _write(
        tmp_path / "raw",
        "2026-11-24",
        "0000000000000.json",
        page([play("2026-11-24T08:00:00.000Z")]),
    )
    event = {
        "dataset": "plays",
        "played_dates": ["2026-11-24"],
        "raw_root": str(tmp_path / "raw"),
        "curated_root": str(tmp_path / "c"),
    }
    assert lambda_handler(event)["partitions"]["2026-11-24"]["rows"] == 1
    with pytest.raises(TransformError, match="raw_root and curated_root"):
        lambda_handler({**event, "raw_root": ""})
    with pytest.raises(TransformError, match="YYYY-MM-DD"):
        lambda_handler({**event, "played_dates": ["yesterday"]})
    with pytest.raises(TransformError, match="unknown dataset"):
        lambda_handler({**event, "dataset": "podcasts"})


def test_sample_week_fetched_at_the_end_of_each_day_loses_no_play(tmp_path: Path) -> None:
    # GIVEN the sample's week of plays, ending on an anchor date
    anchor, store = "2026-11-24", ByteStore()
    days = [f"2026-11-{d}" for d in range(18, 25)]
    total = len(SampleSource(anchor=anchor).plays())
    # WHEN the listening extract runs at the end of each day of the week, then once more
    fetched = [
        extract_recently_played(store, SampleSource(on=day, anchor=anchor), str(tmp_path), day)[
            "plays"
        ]
        for day in days
    ]
    again = extract_recently_played(
        store, SampleSource(on=days[-1], anchor=anchor), str(tmp_path), days[-1]
    )
    # THEN each day brought that day's plays, never a full page (no gap), and then nothing:
    # every play of the week reached the raw zone exactly once
    assert sum(fetched) == total == 220
    assert all(0 < n < 50 for n in fetched)
    assert again["plays"] == 0
    # AND their times are the week before the anchor, as Spotify would date them
    played = sorted(str(p["played_at"]) for p in SampleSource(anchor=anchor).plays())
    assert played[0].startswith("2026-11-18T") and played[-1].startswith("2026-11-24T")


def test_sample_answers_only_plays_that_already_happened(tmp_path: Path) -> None:
    # GIVEN the sample's week ending today, asked at a moment of the last day
    from datetime import UTC, datetime

    moment = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    source = SampleSource(on="2026-11-24", anchor="2026-11-24", as_of=moment)
    # WHEN recently played is asked
    page = source.recently_played(None).data
    # THEN no play is later than that moment, and the newest come first
    stamps = [p["played_at"] for p in page["items"]]
    assert stamps and max(stamps) <= "2026-11-24T12:00:00Z" and stamps == sorted(stamps)[::-1]


@pytest.mark.parametrize("late_days", [1, 2, 5])
def test_plays_fetched_days_late_all_reach_plays(
    stub: StubSpotify, tmp_path: Path, late_days: int
) -> None:
    # GIVEN plays of 2026-11-20 and 11-21 fetched only `late_days` days after the 21st (a first
    # run, a paused DAG, a day of failed runs), after a normal fetch on the 20th itself
    from datetime import date, timedelta

    from spotify_etl.pipeline import context, listening
    from spotify_etl.platforms.local import LocalPlatform

    settings = load({**stub.env(), "SPOTIFY_PIPELINE_HOME": str(tmp_path)})
    platform = LocalPlatform(tmp_path)
    early = [play("2026-11-20T08:00:00.000Z")]
    late = [
        play("2026-11-21T23:30:00.000Z"),
        play("2026-11-21T12:00:00.000Z"),
        play("2026-11-20T21:00:00.000Z"),
        play("2026-11-20T08:00:00.000Z"),  # seen by the first fetch too
    ]
    stub.state.recently_played = [page(early), page(late), page([])]
    fetched_late = (date(2026, 11, 21) + timedelta(days=late_days)).isoformat()
    results = []
    for day in ("2026-11-20", fetched_late):
        run = context.for_cli(settings, day, f"run-{day}")
        extracted = listening.extract(run)
        # WHEN each run transforms what its fetches touched
        assert extracted["plays"] >= 1
        results.append(listening.transform(run))
    # THEN every play that reached the raw zone is in `plays`, once, in its own partition
    rows = {
        day: pl.read_parquet(curated_file(platform.curated_root, "plays", day)).height
        for day in ("2026-11-20", "2026-11-21")
    }
    assert rows == {"2026-11-20": 2, "2026-11-21": 2}
    assert set(results[1]["partitions"]) >= {"2026-11-20", "2026-11-21"}
