"""Regenerate the bundled sample's data export: the zip a listener gets from Spotify's privacy
settings, about two years of listening up to a few days before the sample week ends.

Run: `.venv/bin/python scripts/make_sample_export.py` (deterministic: the same bytes every time).

It is dated for the week that ends on REFERENCE_ANCHOR; `spotify_etl.spotify.sample` shifts it by
whole days to the week a run shows. What it holds, so the import has something to show:

- extended streaming history in two audio files (the older one's `offline_timestamp` in
  milliseconds, the newer one's in seconds) and a video file (podcast episodes), with sessions,
  skips, shuffles, offline plays, one incognito record and two records that name no content;
- the listener's own tracks: those of the sample's playlists, so playlists and listening meet;
- its last days overlap the sample week's Web API plays (the same tracks, ending a few seconds
  apart), so `listening` shows each of those listens once;
- account data for the last year (minute precision): covered by the extended history except on
  three days the extended files leave out, where it is kept;
- the files a real export holds beside them (`Userdata.json`, a PDF), which the import ignores.
"""

from __future__ import annotations

import dataclasses
import json
import random
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the generator lives with the tests, out of the runtime package

from tests import synthetic_export as sx  # noqa: E402

SAMPLE = ROOT / "dags" / "spotify_etl" / "sample_data"
OUT = SAMPLE / "export" / "my_spotify_data.zip"
REFERENCE_ANCHOR = date(2026, 11, 24)  # the sample week's last day the zip is dated for
DAYS = 730
REQUESTED_DAYS_BEFORE = 3  # the export was requested 3 days before the week's last day
ACCOUNT_DAYS = 365
GAP_DAYS = (40, 41, 95)  # days (before the request) the extended files leave out


def sample_tracks() -> list[sx.Track]:
    """The tracks of the sample's playlists (its newest versions), as an export names them."""
    tracks: dict[str, sx.Track] = {}
    for page in sorted((SAMPLE / "playlists").glob("*/items-*.json")):
        for entry in json.loads(page.read_text(encoding="utf-8"))["items"]:
            obj = entry.get("item") or entry.get("track")
            if not isinstance(obj, dict) or obj.get("type") != "track" or not obj.get("id"):
                continue
            album = obj.get("album") or {}
            artists = album.get("artists") or obj.get("artists") or [{}]
            tracks[obj["uri"]] = sx.Track(
                obj["uri"], obj["name"], artists[0].get("name"), album.get("name"),
                int(obj.get("duration_ms") or 200_000),
            )  # fmt: skip
    return [tracks[k] for k in sorted(tracks)]


def api_plays(anchor: date) -> list[tuple[datetime, str]]:
    """(played_at, track URI) of the sample week's Web API plays."""
    out = []
    for play in json.loads((SAMPLE / "me" / "listening.json").read_text())["plays"]:
        day = anchor - timedelta(days=int(play["day"]))
        at = datetime.fromisoformat(f"{day.isoformat()}T{play['at']}+00:00")
        out.append((at, play["track"]["uri"]))
    return out


def main() -> None:
    rng = random.Random(2026)
    tracks = sample_tracks()
    by_uri = {t.uri: t for t in tracks}
    shows = sx.episodes(rng, 12)
    requested = datetime.combine(REFERENCE_ANCHOR, datetime.min.time(), UTC) - timedelta(
        days=REQUESTED_DAYS_BEFORE
    )
    start = requested - timedelta(days=DAYS)
    gaps = {(requested - timedelta(days=d)).date() for d in GAP_DAYS}
    streams = [
        s
        for s in sx.listening(rng, start, DAYS, 13.0, tracks, shows)
        if s.ended.date() not in gaps and s.ended < requested - timedelta(days=4)
    ]
    # The last days: the very listens the Web API reports for the sample week, a few seconds apart.
    week = [(at, uri) for at, uri in api_plays(REFERENCE_ANCHOR) if at < requested]
    for at, uri in week:
        track = by_uri.get(uri) or sx.Track(uri, "?", None, None, 200_000)
        streams.append(
            sx.Stream(
                ended=at.replace(microsecond=0) + timedelta(seconds=rng.randint(0, 45)),
                ms_played=track.duration_ms, track=track, episode=None,
                platform=rng.randrange(5), country="SE", reason_start="trackdone",
                reason_end="trackdone", shuffle=False, skipped=False, offline=False,
            )
        )  # fmt: skip
    streams.sort(key=lambda s: s.ended)
    incognito = len(streams) // 3
    streams[incognito] = dataclasses.replace(streams[incognito], incognito=True)
    audio = [s for s in streams if s.track is not None]
    video = [s for s in streams if s.episode is not None]
    videos = [sx.extended(s, 3, rng) for s in video]
    half = len(audio) // 2
    older = [sx.extended(s, 3, rng) for s in audio[:half]]
    for record in older:  # older records carry offline_timestamp in milliseconds
        if record["offline_timestamp"]:
            record["offline_timestamp"] *= 1000
    newer = [sx.extended(s, 3, rng) for s in audio[half:]]
    for record in (newer[10], newer[500]):  # Spotify lists a few streams of nothing
        for key in ("master_metadata_track_name", "master_metadata_album_artist_name",
                    "master_metadata_album_album_name", "spotify_track_uri"):  # fmt: skip
            record[key] = None
    # Account data: the last year, minute precision, including the days extended history lacks.
    recent = requested - timedelta(days=ACCOUNT_DAYS)
    account_streams = [s for s in sx.listening(rng, recent, ACCOUNT_DAYS, 2.0, tracks, shows)]
    account_streams += [
        sx.Stream(
            ended=datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=9 + n),
            ms_played=by_uri[tracks[n].uri].duration_ms, track=tracks[n], episode=None,
            platform=0, country="SE", reason_start="trackdone", reason_end="trackdone",
            shuffle=False, skipped=False, offline=False,
        )
        for day in sorted(gaps) for n in range(4)
    ]  # fmt: skip
    account_streams.sort(key=lambda s: s.ended)
    ext = "Spotify Extended Streaming History"
    acc = "Spotify Account Data"
    files = {
        f"{ext}/ReadMeFirst_ExtendedStreamingHistory.pdf": b"%PDF-1.4\n% sample\n",
        f"{ext}/Streaming_History_Audio_{sx.years(older)}_0.json": sx.render(older),
        f"{ext}/Streaming_History_Audio_{sx.years(newer)}_1.json": sx.render(newer),
        f"{ext}/Streaming_History_Video_{sx.years(videos)}.json": sx.render(videos),
        f"{acc}/StreamingHistory_music_0.json": sx.render(
            [sx.account(s) for s in account_streams if s.track]
        ),
        f"{acc}/StreamingHistory_podcast_0.json": sx.render(
            [sx.account(s) for s in account_streams if s.episode]
        ),
        f"{acc}/Userdata.json": json.dumps(
            {"username": sx.PLANTED_USER, "country": "SE", "creationTime": "2019-03-02"},
            indent=2,
        ).encode(),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(sx.zip_bytes(files, folder=""))
    total = len(older) + len(newer) + len(videos)
    print(f"wrote {OUT.relative_to(ROOT)}: {OUT.stat().st_size / 1e6:.2f} MB, {total:,} extended "
          f"records, {len(account_streams):,} account records")  # fmt: skip


if __name__ == "__main__":
    main()
