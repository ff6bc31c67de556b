"""Deterministic Spotify data exports (the zip a user requests in their privacy settings), for the
sample, the tests and `scripts/bench_import.py`.

Records look like the real files of each generation, key for key and in Spotify's order:

- generation 1, `endsong_<n>.json` (exports of 2019-2023): `username`, `ip_addr_decrypted`,
  `user_agent_decrypted`, long platform strings, `offline_timestamp` in milliseconds;
- generation 2, `Streaming_History_Audio_<years>_<n>.json` (2023-2024): the same fields;
- generation 3, `Streaming_History_Audio_…` and `Streaming_History_Video_…` (since November
  2024): `ip_addr`, short platform names, the audiobook fields, `offline_timestamp` in seconds;
- account data, `StreamingHistory_music_<n>.json` / `StreamingHistory_podcast_<n>.json` (older
  `StreamingHistory<n>.json`): `endTime` to the minute, names, `msPlayed`.

Files are pretty-printed as Spotify writes them (`json.dumps(..., indent=2)`, UTF-8). Pure: the
same seed gives the same bytes.
"""

from __future__ import annotations

import io
import json
import random
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.synthetic import WORDS, spotify_id

# Personal fields a test plants and then looks for outside the raw zone.
PLANTED_IP = "203.0.113.77"
PLANTED_USER = "planted_username_4711"
PLATFORMS_OLD = (
    "Android OS 9 API 28 (samsung, SM-G960F)",
    "iOS 12.1.4 (iPhone9,3)",
    "OS X 10.14.6 [x86 8]",
    "Windows 10 (10.0.19042; x64)",
    "WebPlayer (websocket RFC6455)",
)
PLATFORMS_NEW = ("android", "ios", "osx", "windows", "web_player")
REASONS_START = ("trackdone", "clickrow", "fwdbtn", "playbtn", "backbtn", "appload")
REASONS_END = ("trackdone", "endplay", "fwdbtn", "logout", "backbtn", "unexpected-exit")
COUNTRIES = ("SE", "DE", "JP", "US", "EG", "BR")


@dataclass(frozen=True)
class Track:
    """A track as the export names it."""

    uri: str
    name: str
    artist: str | None
    album: str | None
    duration_ms: int


@dataclass(frozen=True)
class Episode:
    """A podcast episode as the export names it."""

    uri: str
    name: str
    show: str
    duration_ms: int


@dataclass(frozen=True)
class Stream:
    """One listen, before it is written in a generation's format."""

    ended: datetime
    ms_played: int
    track: Track | None
    episode: Episode | None
    platform: int
    country: str
    reason_start: str
    reason_end: str
    shuffle: bool
    skipped: bool
    offline: bool
    incognito: bool = False


def _title(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).title()


def catalog(rng: random.Random, tracks: int = 400, artists: int = 60) -> list[Track]:
    """Tracks by a set of artists (a few artists share a name, as real ones do)."""
    names = [_title(rng, rng.randint(1, 2)) for _ in range(artists)]
    albums = [(rng.choice(names), _title(rng, rng.randint(1, 3))) for _ in range(artists * 2)]
    out = []
    for _ in range(tracks):
        artist, album = rng.choice(albums)
        out.append(
            Track(
                f"spotify:track:{spotify_id(rng)}",
                _title(rng, rng.randint(1, 4)),
                artist,
                album,
                rng.randint(95_000, 340_000),
            )
        )
    return out


def episodes(rng: random.Random, count: int = 30) -> list[Episode]:
    """Podcast episodes of a few shows."""
    shows = [f"The {_title(rng, 2)} Podcast" for _ in range(4)]
    return [
        Episode(
            f"spotify:episode:{spotify_id(rng)}",
            f"#{n} {_title(rng, 3)}",
            rng.choice(shows),
            rng.randint(900_000, 4_000_000),
        )
        for n in range(count)
    ]


def listening(
    rng: random.Random,
    start: datetime,
    days: int,
    per_day: float,
    tracks: Sequence[Track],
    shows: Sequence[Episode] = (),
) -> Iterator[Stream]:
    """A listener's streams over `days` days from `start`, in sessions (commute, evening, late
    night): skips, shuffles, offline plays, now and then a podcast episode."""
    favourites = list(tracks[: max(1, len(tracks) // 8)])
    for day in range(days):
        base = start + timedelta(days=day)
        count = max(0, round(rng.gauss(per_day, per_day / 3)))
        sessions = sorted(rng.choice((7.5, 12.5, 18.0, 21.5, 23.5)) for _ in range(3))
        clock = base + timedelta(hours=sessions[0])
        for n in range(count):
            if n and n % max(1, count // 3) == 0:
                nxt = sessions[min(len(sessions) - 1, n // max(1, count // 3))]
                clock = max(clock, base + timedelta(hours=nxt, minutes=rng.randint(0, 40)))
            if shows and rng.random() < 0.04:
                episode = rng.choice(shows)
                played = rng.randint(60_000, episode.duration_ms)
                track = None
            else:
                episode = None
                track = rng.choice(favourites if rng.random() < 0.35 else tracks)
                skipped = rng.random() < 0.22
                played = rng.randint(2_000, 29_000) if skipped else track.duration_ms
            clock += timedelta(milliseconds=played + rng.randint(0, 4_000))
            yield Stream(
                ended=clock.replace(microsecond=0),
                ms_played=played,
                track=track,
                episode=episode,
                platform=rng.randrange(len(PLATFORMS_NEW)),
                country=rng.choice(COUNTRIES[:2]),
                reason_start=rng.choice(REASONS_START),
                reason_end="fwdbtn" if (track and played < 30_000) else rng.choice(REASONS_END),
                shuffle=rng.random() < 0.4,
                skipped=bool(track and played < 30_000),
                offline=rng.random() < 0.05,
            )


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def extended(stream: Stream, generation: int, rng: random.Random) -> dict[str, Any]:
    """A stream as an extended-history record of `generation` (1, 2 or 3)."""
    t, e = stream.track, stream.episode
    offline_at = None
    if stream.offline:
        when = stream.ended - timedelta(minutes=rng.randint(5, 600))
        offline_at = int(when.timestamp() * (1 if generation == 3 else 1000))
    elif generation < 3 and rng.random() < 0.5:
        offline_at = 0  # older files often say 0 for "not offline"
    record: dict[str, Any] = {"ts": _stamp(stream.ended)}
    if generation < 3:
        record["username"] = PLANTED_USER
        record["platform"] = PLATFORMS_OLD[stream.platform]
    else:
        record["platform"] = PLATFORMS_NEW[stream.platform]
    record["ms_played"] = stream.ms_played
    record["conn_country"] = stream.country
    if generation < 3:
        record["ip_addr_decrypted"] = PLANTED_IP
        record["user_agent_decrypted"] = "unknown"
    else:
        record["ip_addr"] = PLANTED_IP
    record.update(
        {
            "master_metadata_track_name": t.name if t else None,
            "master_metadata_album_artist_name": t.artist if t else None,
            "master_metadata_album_album_name": t.album if t else None,
            "spotify_track_uri": t.uri if t else None,
            "episode_name": e.name if e else None,
            "episode_show_name": e.show if e else None,
            "spotify_episode_uri": e.uri if e else None,
        }
    )
    if generation == 3:
        record.update(
            {
                "audiobook_title": None,
                "audiobook_uri": None,
                "audiobook_chapter_uri": None,
                "audiobook_chapter_title": None,
            }
        )
    record.update(
        {
            "reason_start": stream.reason_start,
            "reason_end": stream.reason_end,
            "shuffle": stream.shuffle,
            "skipped": stream.skipped if generation > 1 or stream.skipped else None,
            "offline": stream.offline,
            "offline_timestamp": offline_at,
            "incognito_mode": stream.incognito,
        }
    )
    return record


def account(stream: Stream) -> dict[str, Any]:
    """A stream as an account-data record (music or podcast file): to the minute, names only."""
    end = stream.ended.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    if stream.episode is not None:
        return {
            "endTime": end,
            "podcastName": stream.episode.show,
            "episodeName": stream.episode.name,
            "msPlayed": stream.ms_played,
        }
    assert stream.track is not None
    return {
        "endTime": end,
        "artistName": stream.track.artist,
        "trackName": stream.track.name,
        "msPlayed": stream.ms_played,
    }


def render(records: Sequence[dict[str, Any]]) -> bytes:
    """A file's bytes as Spotify writes them: a pretty-printed UTF-8 JSON array."""
    return json.dumps(list(records), indent=2, ensure_ascii=False).encode()


def chunks(records: Sequence[dict[str, Any]], size: int) -> Iterator[Sequence[dict[str, Any]]]:
    """Consecutive runs of `size` records (Spotify splits a history into files this way)."""
    for start in range(0, len(records), size):
        yield records[start : start + size]


def years(records: Sequence[dict[str, Any]], key: str = "ts") -> str:
    """The `<years>` part of an extended file's name: '2023' or '2022-2024'."""
    first, last = str(records[0][key])[:4], str(records[-1][key])[:4]
    return first if first == last else f"{first}-{last}"


def zip_bytes(files: dict[str, bytes], folder: str = "Spotify Extended Streaming History") -> bytes:
    """A zip as Spotify delivers it: one folder, the JSON files (deflated), a PDF beside them."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(f"{folder}/{name}" if folder else name, (2026, 11, 1, 12, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buf.getvalue()
