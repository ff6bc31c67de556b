"""One data export file → stream rows: every generation and kind, times, offline stamps, bad
records and bad files, and no personal field ever read."""

from __future__ import annotations

import functools
import json
import random
from datetime import UTC, datetime
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from spotify_transform.normalize.export import BadFile, normalize_file, split_records
from spotify_transform.rawzone.export import classify
from tests import synthetic_export as sx

SHA = "0" * 64


def _streams(n: int = 40) -> list[sx.Stream]:
    rng = random.Random(3)
    tracks, shows = sx.catalog(rng, 20, 5), sx.episodes(rng, 4)
    return list(sx.listening(rng, datetime(2025, 3, 1, tzinfo=UTC), 5, n / 5, tracks, shows))[:n]


def _record(**fields: Any) -> dict[str, Any]:
    """A generation-3 record of a track, with `fields` replaced."""
    rng = random.Random(1)
    base = sx.extended(next(s for s in _streams() if s.track is not None), 3, rng)
    return {**base, **fields}


GENERATION = {g: functools.partial(lambda g, s, r: sx.extended(s, g, r), g) for g in (1, 2, 3)}


@pytest.mark.parametrize(
    ("name", "kind", "generation", "render"),
    [
        ("endsong_0.json", "extended", 1, GENERATION[1]),
        ("Streaming_History_Audio_2021-2023_0.json", "extended", 2, GENERATION[2]),
        ("Streaming_History_Audio_2025_3.json", "extended", 3, GENERATION[3]),
        ("Streaming_History_Video_2024-2025.json", "extended", 3, GENERATION[3]),
        ("StreamingHistory_music_0.json", "account_music", 0, lambda s, r: sx.account(s)),
        ("StreamingHistory0.json", "account_music", 0, lambda s, r: sx.account(s)),
    ],
)  # fmt: skip
def test_normalize_file_reads_every_generation_and_kind(
    name: str, kind: str, generation: int, render: Any
) -> None:
    # GIVEN a file of that generation, named as Spotify names it
    rng = random.Random(5)
    streams = [s for s in _streams() if s.track is not None]
    data = sx.render([render(s, rng) for s in streams])
    assert classify(f"My Spotify Data/{name}")[0] == kind
    # WHEN it is normalised
    result = normalize_file(data, f"My Spotify Data/{name}", kind, SHA)
    # THEN every record is a row, of its generation, named by the file's name only
    assert result.records_read == result.rows.height == len(streams)
    assert result.generation == generation
    assert set(result.rows["source_file"]) == {name}
    assert result.rows["track_name"].to_list() == [s.track.name for s in streams if s.track]
    assert result.rows["content_type"].unique().to_list() == ["track"]
    expected_ms = [s.ms_played for s in streams]
    assert result.rows["ms_played"].to_list() == expected_ms
    if kind == "extended":
        ids = [s.track.uri.rsplit(":", 1)[1] for s in streams if s.track]
        assert result.rows["track_id"].to_list() == ids
        assert result.rows["source"].unique().to_list() == ["extended"]
    else:  # account data: to the minute, no URI
        assert result.rows["track_id"].null_count() == result.rows.height
        assert (result.rows["ended_at"].dt.second() == 0).all()
    # AND no personal field was even read
    assert not {"ip_addr", "ip_addr_decrypted", "username", "user_agent_decrypted"} & set(
        result.rows.columns
    )


def test_podcast_account_data_and_episodes_are_episodes() -> None:
    # GIVEN a podcast account-data file and extended records of episodes
    episodes = [s for s in _streams(200) if s.episode is not None]
    assert episodes
    rng = random.Random(2)
    account = normalize_file(
        sx.render([sx.account(s) for s in episodes]), "StreamingHistory_podcast_0.json",
        "account_podcast", SHA,
    )  # fmt: skip
    extended = normalize_file(
        sx.render([sx.extended(s, 3, rng) for s in episodes]), "Streaming_History_Video_2025.json",
        "extended", SHA,
    )  # fmt: skip
    # THEN both are episodes, named by episode and show; the extended ones carry their ID
    for result in (account, extended):
        assert result.rows["content_type"].unique().to_list() == ["episode"]
        assert result.rows["show_name"].to_list() == [s.episode.show for s in episodes if s.episode]
    assert extended.rows["episode_id"].null_count() == 0


@pytest.mark.parametrize(
    ("ts", "played_date"),
    [
        ("2024-03-01T00:00:00Z", "2024-03-01"),  # midnight UTC belongs to the new day
        ("2024-02-29T23:59:59Z", "2024-02-29"),
        ("2025-01-01T00:00:01Z", "2025-01-01"),
    ],
)
def test_ts_on_midnight_utc_is_the_day_it_names(ts: str, played_date: str) -> None:
    rows = normalize_file(sx.render([_record(ts=ts)]), "endsong_0.json", "extended", SHA).rows
    assert rows["played_date"].to_list() == [played_date]
    assert rows["ended_at"][0] == datetime.fromisoformat(ts.replace("Z", "+00:00"))


@pytest.mark.parametrize(
    ("offline_timestamp", "offline_at"),
    [
        (None, None),
        (0, None),  # older files say 0 for "not offline"
        (1_699_136_230, datetime(2023, 11, 4, 22, 17, 10, tzinfo=UTC)),  # seconds
        (1_572_964_071_330, datetime(2019, 11, 5, 14, 27, 51, 330_000, tzinfo=UTC)),  # ms
    ],
)
def test_offline_timestamp_in_seconds_or_milliseconds_is_one_time(
    offline_timestamp: int | None, offline_at: datetime | None
) -> None:
    data = sx.render([_record(offline=True, offline_timestamp=offline_timestamp)])
    rows = normalize_file(data, "endsong_0.json", "extended", SHA).rows
    assert rows["offline_at"].to_list() == [offline_at]


def test_a_record_without_a_readable_time_is_quarantined_without_personal_fields() -> None:
    # GIVEN three records, one of them with a time that is no time and one with none
    records = [
        _record(),
        _record(ts="last tuesday", ip_addr=sx.PLANTED_IP),
        _record(ts=None),
    ]
    # WHEN normalised
    result = normalize_file(sx.render(records), "x/endsong_0.json", "extended", SHA)
    # THEN the good one is a row; the others are quarantined with the reason and their place
    assert result.rows.height == 1 and result.records_read == 3
    q = result.quarantine
    assert q["record"].to_list() == [1, 2]
    assert set(q["reason"]) == {"bad_timestamp"}
    assert q["detail"].to_list() == ["ts is last tuesday", "ts is missing"]
    assert q["source_file"].to_list() == ["x/endsong_0.json"] * 2
    # AND the payload keeps the record's fields but never a personal one
    payload = json.loads(q["payload"][0])
    assert payload["master_metadata_track_name"] == records[1]["master_metadata_track_name"]
    assert sx.PLANTED_IP not in q["payload"][0] and "ip_addr" not in payload


def test_a_value_of_another_type_quarantines_its_record_not_the_file() -> None:
    records = [_record(), _record(ms_played="a lot"), _record()]
    result = normalize_file(sx.render(records), "endsong_0.json", "extended", SHA)
    assert result.rows.height == 2 and result.records_read == 3
    assert result.quarantine.select("record", "reason").rows() == [(1, "bad_shape")]


def test_unknown_new_fields_are_ignored() -> None:
    records = [_record(some_field_of_2027={"nested": [1, 2]}, another="x")]
    result = normalize_file(sx.render(records), "endsong_0.json", "extended", SHA)
    assert result.rows.height == 1 and result.quarantine.is_empty()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (sx.render([_record(), _record()])[:-40], "bad_json"),  # truncated
        (b"<html>Bad Gateway</html>", "bad_json"),
        (b'{"ts": "2024-01-01T00:00:00Z"}', "bad_shape"),  # an object, not an array
    ],
)
def test_a_file_that_is_not_an_array_of_records_is_bad_whole(data: bytes, reason: str) -> None:
    with pytest.raises(BadFile) as info:
        normalize_file(data, "endsong_0.json", "extended", SHA)
    assert info.value.reason == reason


def test_records_with_no_content_are_flagged_not_dropped_here() -> None:
    empty = _record(
        master_metadata_track_name=None, master_metadata_album_artist_name=None,
        master_metadata_album_album_name=None, spotify_track_uri=None,
    )  # fmt: skip
    rows = normalize_file(sx.render([empty, _record()]), "endsong_0.json", "extended", SHA).rows
    assert rows["no_content"].to_list() == [True, False]


def test_a_file_cut_into_pieces_parses_as_the_whole() -> None:
    # GIVEN a pretty-printed file large enough to be cut at record boundaries
    rng = random.Random(9)
    data = sx.render([sx.extended(s, 3, rng) for s in _streams(400)])
    pieces = split_records(data, piece_bytes=20_000)
    assert len(pieces) > 5
    # THEN every piece is an array of whole records, and together they are the file
    parsed = [json.loads(p) for p in pieces]
    assert [r for piece in parsed for r in piece] == json.loads(data)
    whole = normalize_file(data, "endsong_0.json", "extended", SHA).rows
    schema = whole.drop("record").schema
    cut = pl.concat(
        [
            normalize_file(sx.render(piece), "endsong_0.json", "extended", SHA).rows
            for piece in parsed
        ]
    )
    assert_frame_equal(whole.drop("record"), cut.drop("record").cast(schema))  # type: ignore[arg-type]
