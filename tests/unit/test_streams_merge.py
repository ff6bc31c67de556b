"""The merge of export files into `streams`: each stream once, chosen by an order-free rule;
account data only where extended history is silent; incognito and empty records dropped; every
record's outcome counted."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from spotify_transform.normalize.export import normalize_file
from spotify_transform.normalize.streams import merge_streams
from tests import synthetic_export as sx

START = datetime(2025, 6, 1, tzinfo=UTC)


def _streams(days: int = 3) -> list[sx.Stream]:
    rng = random.Random(11)
    return [
        s for s in sx.listening(rng, START, days, 20, sx.catalog(rng, 30, 6)) if s.track is not None
    ]


def _rows(name: str, kind: str, records: list[dict[str, Any]], sha: str) -> pl.DataFrame:
    return normalize_file(sx.render(records), name, kind, sha).rows


def _outcomes(merged: Any) -> dict[tuple[str, str], int]:
    totals: dict[tuple[str, str], int] = {}
    for sha, _, outcome, n in merged.outcome.iter_rows():
        totals[sha, outcome] = totals.get((sha, outcome), 0) + n
    return totals


def test_the_same_stream_in_two_generations_is_one_row_the_newest() -> None:
    # GIVEN the same streams in an old endsong file and a 2024+ file (other fields differ)
    streams = _streams()
    rng = random.Random(1)
    old = _rows("endsong_0.json", "extended", [sx.extended(s, 1, rng) for s in streams], "a" * 64)
    new = _rows(
        "Streaming_History_Audio_2025_0.json", "extended",
        [sx.extended(s, 3, rng) for s in streams], "b" * 64,
    )  # fmt: skip
    # WHEN merged, in either order
    one = merge_streams(pl.concat([old, new]), keep_incognito=False)
    other = merge_streams(pl.concat([new, old]), keep_incognito=False)
    # THEN each stream is one row, the newest generation's, the same whatever the order
    assert one.streams.height == len(streams)
    assert set(one.streams["source_file"]) == {"Streaming_History_Audio_2025_0.json"}
    assert_frame_equal(one.streams, other.streams)
    assert_frame_equal(one.outcome, other.outcome)
    outcomes = _outcomes(one)
    n = len(streams)
    assert outcomes == {("b" * 64, "kept"): n, ("a" * 64, "duplicate_record"): n}


def test_a_stream_ending_in_another_second_or_playing_longer_is_another_stream() -> None:
    base = _streams()[0]
    rng = random.Random(2)
    records = [
        sx.extended(base, 3, rng),
        sx.extended(base, 3, rng),  # the very same: one row
        sx.extended(
            sx.Stream(**{**base.__dict__, "ended": base.ended + timedelta(seconds=1)}), 3, rng
        ),
        sx.extended(sx.Stream(**{**base.__dict__, "ms_played": base.ms_played + 1}), 3, rng),
    ]
    merged = merge_streams(_rows("endsong_0.json", "extended", records, "c" * 64), False)
    assert merged.streams.height == 3


def test_account_data_counts_only_on_days_without_extended_history() -> None:
    # GIVEN extended history of two of three days, and account data of all three
    streams = _streams(3)
    rng = random.Random(3)
    last_day = (START + timedelta(days=2)).date()
    extended = [sx.extended(s, 3, rng) for s in streams if s.ended.date() < last_day]
    account = [sx.account(s) for s in streams]
    rows = pl.concat(
        [
            _rows("Streaming_History_Audio_2025_0.json", "extended", extended, "d" * 64),
            _rows("StreamingHistory_music_0.json", "account_music", account, "e" * 64),
        ]
    )
    # WHEN merged
    merged = merge_streams(rows, keep_incognito=False)
    # THEN the account records of the covered days are dropped as such, the last day's kept
    on_last = sum(s.ended.date() == last_day for s in streams)
    outcomes = _outcomes(merged)
    assert outcomes[("e" * 64, "kept")] == on_last
    assert outcomes[("e" * 64, "covered_by_extended")] == len(streams) - on_last
    kept_account = merged.streams.filter(pl.col("source") == "account")
    assert set(kept_account["played_date"]) == {last_day.isoformat()}


def test_a_day_whose_only_extended_record_is_dropped_still_covers_it() -> None:
    # GIVEN a day on which the only extended record is incognito (dropped), and account data
    stream = _streams(1)[0]
    rng = random.Random(4)
    incognito = sx.extended(sx.Stream(**{**stream.__dict__, "incognito": True}), 3, rng)
    rows = pl.concat(
        [
            _rows("Streaming_History_Audio_2025_0.json", "extended", [incognito], "f" * 64),
            _rows("StreamingHistory_music_0.json", "account_music", [sx.account(stream)], "0" * 64),
        ]
    )
    # THEN the account record is still covered ("whatever became of that record")
    merged = merge_streams(rows, keep_incognito=False)
    assert merged.streams.height == 0
    assert _outcomes(merged) == {("f" * 64, "incognito"): 1, ("0" * 64, "covered_by_extended"): 1}


@pytest.mark.parametrize(("keep", "rows"), [(False, 1), (True, 2)])
def test_incognito_records_are_dropped_unless_kept(keep: bool, rows: int) -> None:
    streams = _streams()[:2]
    rng = random.Random(5)
    records = [
        sx.extended(streams[0], 3, rng),
        sx.extended(sx.Stream(**{**streams[1].__dict__, "incognito": True}), 3, rng),
    ]
    merged = merge_streams(_rows("endsong_0.json", "extended", records, "1" * 64), keep)
    assert merged.streams.height == rows
    assert merged.streams["incognito_mode"].to_list()[-1] is keep


def test_every_record_has_exactly_one_outcome() -> None:
    # GIVEN a mix: duplicates, empty records, account data, incognito
    streams = _streams(4)
    rng = random.Random(6)
    records = [sx.extended(s, 3, rng) for s in streams]
    records += records[:5]  # repeated within the file
    records[3] = {**records[3], "spotify_track_uri": None, "master_metadata_track_name": None,
                  "master_metadata_album_artist_name": None}  # fmt: skip
    records[7] = {**records[7], "incognito_mode": True}
    extended = _rows("endsong_0.json", "extended", records, "2" * 64)
    account = _rows(
        "StreamingHistory_music_0.json", "account_music", [sx.account(s) for s in streams], "3" * 64
    )
    # WHEN merged
    merged = merge_streams(pl.concat([extended, account]), keep_incognito=False)
    # THEN the outcomes add up to the records, per file, and the kept ones are the rows
    counts = merged.outcome.group_by("file_sha256").agg(pl.col("count").sum())
    assert dict(counts.iter_rows()) == {"2" * 64: len(records), "3" * 64: len(streams)}
    kept = merged.outcome.filter(pl.col("outcome") == "kept")["count"].sum()
    assert kept == merged.streams.height
    outcomes = _outcomes(merged)
    assert outcomes[("2" * 64, "no_content")] == 1
    assert outcomes[("2" * 64, "incognito")] == 1
    assert outcomes[("2" * 64, "duplicate_record")] == 5 - sum(i in (3, 7) for i in range(5))
