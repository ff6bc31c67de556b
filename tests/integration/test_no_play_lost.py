"""No play that reached the raw zone is ever missing from `plays`, however listening runs are
dated, cleared, retried, backfilled or interrupted: what to rebuild comes from the raw zone."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from spotify_etl.extract import recently_played
from spotify_etl.extract.recently_played import extract_recently_played
from spotify_etl.pipeline import listening
from spotify_etl.pipeline.context import Run
from spotify_etl.platforms.local import LocalPlatform
from spotify_etl.settings import load
from spotify_etl.spotify.responses import Response
from spotify_transform.rawzone import layout

PLAYS_LIMIT = 50


class Listener:
    """Recently played as Spotify answers it: the 50 newest plays up to now, after the cursor,
    newest first. `now` moves as the test's listener keeps listening."""

    name = "listener"

    def __init__(self, plays: list[datetime]) -> None:
        self.plays = sorted(plays)
        self.now = max(plays)
        self.api_calls = 0
        self.throttled = 0

    def recently_played(self, after_ms: int | None) -> Response:
        self.api_calls += 1
        due = [
            p for p in self.plays
            if p <= self.now and (after_ms is None or p.timestamp() * 1000 > after_ms)
        ][-PLAYS_LIMIT:]  # fmt: skip
        items = [
            {
                "played_at": p.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "track": {"id": f"track{p.minute:02d}" + "x" * 15, "name": "Song", "type": "track",
                          "is_local": False, "duration_ms": 180_000,
                          "artists": [{"id": "a" * 22, "name": "Artist"}]},
                "context": None,
            }
            for p in reversed(due)
        ]  # fmt: skip
        return Response.of(json.dumps({"items": items, "next": None, "limit": 50}).encode())


def hours(start: datetime, count: int, every: timedelta = timedelta(hours=1)) -> list[datetime]:
    return [start + every * n for n in range(count)]


@pytest.fixture
def platform(tmp_path: Path) -> LocalPlatform:
    return LocalPlatform(tmp_path)


def run_for(platform: LocalPlatform, day: str, run_id: str = "r") -> Run:
    return Run(load({"SPOTIFY_PIPELINE_HOME": str(platform.home)}), platform, day, run_id)


def extract(platform: LocalPlatform, listener: Listener, day: str, run_id: str = "r") -> None:
    extract_recently_played(platform.store, listener, platform.raw_root, day, run_id)  # type: ignore[arg-type]


def in_plays(platform: LocalPlatform) -> list[datetime]:
    """Every play of the `plays` table, in time order (duplicates would show twice)."""
    files = sorted(Path(platform.curated_root, "plays").rglob("*.parquet"))
    if not files:
        return []
    frame = pl.concat([pl.read_parquet(f) for f in files])
    return sorted(frame["played_at"].to_list())


def test_a_run_dated_before_the_day_it_fetches_loses_nothing(platform: LocalPlatform) -> None:
    # GIVEN plays of 11-26, fetched by a run whose logical date is 11-25 (cleared, queued
    # before midnight, a backfill): they land under extracted_date=2026-11-25
    listener = Listener(hours(datetime(2026, 11, 26, 1, tzinfo=UTC), 5))
    extract(platform, listener, "2026-11-25")
    # WHEN that run transforms, and the next one too
    listening.transform(run_for(platform, "2026-11-25"))
    listening.transform(run_for(platform, "2026-11-26"))
    # THEN every play is in `plays`, once, in the 11-26 partition
    assert in_plays(platform) == listener.plays
    assert Path(layout.curated_file(platform.curated_root, "plays", "2026-11-26")).is_file()


def test_a_transform_that_fails_after_the_cursor_moved_leaves_nothing_behind(
    platform: LocalPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a resumed DAG whose first run brings plays of five days and whose transform fails
    # on every try, after its extract moved the cursor
    listener = Listener(hours(datetime(2026, 11, 20, 8, tzinfo=UTC), 45, timedelta(hours=2)))
    extract(platform, listener, "2026-11-24", "run-1")
    real = platform.invoke_transform

    def failing(event: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("Lambda error")

    monkeypatch.setattr(platform, "invoke_transform", failing)
    for _ in range(3):
        with pytest.raises(RuntimeError):
            listening.transform(run_for(platform, "2026-11-24", "run-1"))
    monkeypatch.setattr(platform, "invoke_transform", real)
    # WHEN the next hour's run fetches one more play and transforms
    listener.plays.append(listener.now + timedelta(hours=1))
    listener.now = listener.plays[-1]
    extract(platform, listener, "2026-11-24", "run-2")
    result = listening.transform(run_for(platform, "2026-11-24", "run-2"))
    # THEN the five days the failed run brought are rebuilt too: no play is stranded
    assert in_plays(platform) == listener.plays
    assert set(result["partitions"]) >= {f"2026-11-{d}" for d in range(20, 25)}


def test_a_fetch_whose_run_crashed_before_its_manifest_entry_still_counts(
    platform: LocalPlatform,
) -> None:
    # GIVEN a fetch stored by a run that crashed before writing its manifest entry
    listener = Listener(hours(datetime(2026, 11, 22, 9, tzinfo=UTC), 3))
    body = listener.recently_played(None).body
    folder = layout.plays_partition(platform.raw_root, "2026-11-22")
    platform.store.write(f"{folder}/{layout.plays_fetch_name(None)}", body)
    assert not platform.store.exists(layout.manifest_file(folder))
    # WHEN the next run transforms THEN its plays are in `plays`
    listening.transform(run_for(platform, "2026-11-22"))
    assert in_plays(platform) == listener.plays


def test_a_backfill_of_past_dates_in_any_order_keeps_every_play_once(
    platform: LocalPlatform,
) -> None:
    # GIVEN a listener over three days, and runs for those days run out of order, each one
    # fetching what is new at that moment
    listener = Listener(hours(datetime(2026, 11, 10, 6, tzinfo=UTC), 30, timedelta(hours=2)))
    order = ["2026-11-12", "2026-11-10", "2026-11-11", "2026-11-12"]
    for n, day in enumerate(order):
        listener.now = listener.plays[(n + 1) * len(listener.plays) // len(order) - 1]
        extract(platform, listener, day, f"run-{n}")
        listening.transform(run_for(platform, day, f"run-{n}"))
    # THEN every play is in `plays` exactly once
    assert in_plays(platform) == listener.plays


def test_two_runs_of_the_same_hour_duplicate_nothing(platform: LocalPlatform) -> None:
    listener = Listener(hours(datetime(2026, 11, 15, 7, tzinfo=UTC), 8, timedelta(minutes=20)))
    listener.now = listener.plays[4]
    extract(platform, listener, "2026-11-15", "hour-1")
    listening.transform(run_for(platform, "2026-11-15", "hour-1"))
    listener.now = listener.plays[-1]  # the same hour, cleared and run again a bit later
    extract(platform, listener, "2026-11-15", "hour-1")
    listening.transform(run_for(platform, "2026-11-15", "hour-1"))
    assert in_plays(platform) == listener.plays


def test_a_crash_between_storing_a_fetch_and_moving_the_cursor_loses_nothing(
    platform: LocalPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a run that stores its fetch and dies before moving the cursor
    listener = Listener(hours(datetime(2026, 11, 18, 10, tzinfo=UTC), 6))
    listener.now = listener.plays[3]
    from spotify_transform.rawzone import listening as records

    real: Callable[..., None] = records.write_cursor

    def crash(*args: Any) -> None:
        raise OSError("the worker died")

    monkeypatch.setattr(recently_played, "write_cursor", crash)
    with pytest.raises(OSError):
        extract(platform, listener, "2026-11-18", "dies")
    monkeypatch.setattr(recently_played, "write_cursor", real)
    # WHEN the next run fetches again from the old cursor (overwriting that fetch, now with
    # more plays) and transforms
    listener.now = listener.plays[-1]
    extract(platform, listener, "2026-11-18", "next")
    listening.transform(run_for(platform, "2026-11-18", "next"))
    # THEN every play is there once
    assert in_plays(platform) == listener.plays
