"""Regenerate the bundled sample source: recorded-style Spotify responses for 5 playlists.

Run: `.venv/bin/python scripts/make_sample_data.py` (deterministic: the same files every time).
The sample mixes both API shapes, multi-page playlists, a duplicate track, a local file, an
episode, a null entry, a twin `item`/`track` entry, epoch `added_at` placeholders, an empty
`added_by.id`, Unicode names and one playlist whose contents the app may not see.
"""

from __future__ import annotations

import json
import random
import shutil
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the generator lives with the tests, out of the runtime package

from tests import synthetic as syn  # noqa: E402

OUT = ROOT / "dags" / "spotify_etl" / "sample_data"
LIMIT = 50
ME = "31l7sampleuserxq2bz4dkfa"


def dump(path: Path, body: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def stamp(rng: random.Random) -> str:
    return (
        f"20{rng.randint(19, 26)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        f"T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z"
    )


def main() -> None:
    rng = random.Random(20261125)
    cat = syn.make_catalog(rng, n_artists=70, n_albums=95, n_tracks=230)
    specs: list[tuple[str, str, str, syn.Shape, int]] = [
        # id, name, description, shape, n entries, owner, extras
        (
            "3cEYpjA9oz9GiPac4AsH4n",
            "Late Night Coding ☕",
            "Deep focus for late shifts",
            "2026",
            140,
        ),
        ("0vvXsWCC9xrXsKd4FyS8kM", "Road Trip 2019 🚗", "Windows down, volume up", "legacy", 120),
        ("5ABHKGoOzxkaa28ttQV9sE", "日本のシティポップ", "夜の東京を走るための音楽", "2026", 45),
        ("1h0CEZCm6IbFTbxThn6Xcs", "أغاني عربية للمساء", "موسيقى هادئة 🌙", "legacy", 30),
    ]
    shutil.rmtree(OUT, ignore_errors=True)
    summaries: list[tuple[str, str, syn.Shape, int | None, str, str, str]] = []
    for n, (pid, name, desc, shape, count) in enumerate(specs):
        tracks = rng.sample(cat.tracks, count)
        entries: list[dict[str, Any]] = [
            syn.entry(syn.track_body(t, shape, rng), shape, stamp(rng), ME) for t in tracks
        ]
        if n == 0:
            entries[17] = syn.entry(syn.track_body(tracks[3], "2026", rng), "2026", stamp(rng), ME)
            entries[60] = syn.entry(syn.episode_body(rng), "2026", stamp(rng), ME)
            entries[75] = syn.entry(None, "2026", stamp(rng), ME)
            entries[120] = syn.entry(
                syn.track_body(tracks[120], "2026", rng), "2026", stamp(rng), ME, both_keys=True
            )
        if n == 1:
            entries[5] = syn.entry(
                syn.local_file_body("Demo Take 3", "The Garage Band", "Basement Tapes", 187),
                "legacy",
                stamp(rng),
                ME,
            )
            entries[0]["added_at"] = "1970-01-01T00:00:00Z"
            entries[1]["added_by"]["id"] = ""
        snapshot = f"AAAA{pid[:8]}{n}sampleSnapshot=="
        body = syn.playlist_body(
            pid,
            name=name,
            description=desc,
            owner_id=ME,
            owner_name="Sample Listener",
            shape=shape,
            snapshot_id=snapshot,
            entries=entries,
            collaborative=n == 2,
            public=n != 2,
            followers=[0, 12, 3, 0][n],
        )
        dump(OUT / "playlists" / pid / "playlist.json", body)
        for offset in range(0, count, LIMIT):
            page = syn.items_page(pid, entries[offset : offset + LIMIT], offset, LIMIT, count)
            dump(OUT / "playlists" / pid / f"items-{offset:06d}.json", page)
        summaries.append((pid, name, shape, count, snapshot, ME, "Sample Listener"))

    hidden = "6UeSakyzhiEt4NB3UAd6NQ"  # a friend's public playlist: metadata only in 2026 mode
    body = syn.playlist_body(
        hidden,
        name="Friday Night Mix",
        description="",
        owner_id="friend_of_sample",
        owner_name="A Friend",
        shape="2026",
        snapshot_id="AAAAhiddenSnapshot==",
        entries=None,
    )
    dump(OUT / "playlists" / hidden / "playlist.json", body)
    summaries.append(
        (hidden, "Friday Night Mix", "2026", None, "AAAAhiddenSnapshot==", "friend_of_sample",
         "A Friend")
    )  # fmt: skip

    # GET /me/playlists lists owned and followed playlists alike, each with its owner: the
    # hidden one belongs to a friend (followed), so `me` skips it without calling the API.
    me_items = [
        {
            "collaborative": False, "description": "", "href": f"{syn.API}/playlists/{pid}",
            "id": pid, "images": [], "name": name, "public": True, "snapshot_id": snap,
            "type": "playlist", "uri": f"spotify:playlist:{pid}",
            "owner": {"display_name": owner_name, "external_urls": {
                "spotify": f"{syn.OPEN}/user/{owner}"}, "href": f"{syn.API}/users/{owner}",
                "id": owner, "type": "user", "uri": f"spotify:user:{owner}"},
            ("items" if shape == "2026" else "tracks"): {
                "href": f"{syn.API}/playlists/{pid}/items", "total": count or 0},
        }
        for pid, name, shape, count, snap, owner, owner_name in summaries
    ]  # fmt: skip
    # GET /me in 2026 Development Mode: no country, email, followers or product.
    dump(
        OUT / "me" / "profile.json",
        {"account_id": "sample-account-0001", "display_name": "Sample Listener",
         "external_urls": {"spotify": f"{syn.OPEN}/user/{ME}"}, "href": f"{syn.API}/users/{ME}",
         "id": ME, "images": [], "type": "user", "uri": f"spotify:user:{ME}"},
    )  # fmt: skip
    # GET /me/player/recently-played: 40 plays over two days around midnight (UTC).
    plays: list[dict[str, Any]] = []
    for n in range(40):
        t = rng.choice(cat.tracks)
        hour, minute = divmod(20 * 60 + n * 9, 60)  # 20:00 on day 1 to 02:00 on day 2
        day = 23 + hour // 24
        context = (
            {"type": "playlist", "uri": f"spotify:playlist:{specs[n % 4][0]}",
             "href": f"{syn.API}/playlists/{specs[n % 4][0]}",
             "external_urls": {"spotify": f"{syn.OPEN}/playlist/{specs[n % 4][0]}"}}
            if n % 3 else None
        )  # fmt: skip
        plays.append(
            {"track": syn.track_body(t, "2026", rng),
             "played_at": f"2026-11-{day:02d}T{hour % 24:02d}:{minute:02d}:{n:02d}.{n * 7:03d}Z",
             "context": context}
        )  # fmt: skip
    plays.reverse()  # newest first, as Spotify answers
    newest = datetime.fromisoformat(str(plays[0]["played_at"]).replace("Z", "+00:00"))
    newest_ms = int(newest.timestamp() * 1000)
    dump(
        OUT / "me" / "recently-played.json",
        {"items": plays, "next": None, "cursors": {"after": str(newest_ms), "before": "0"},
         "limit": 50, "href": f"{syn.API}/me/player/recently-played?limit=50"},
    )  # fmt: skip
    dump(
        OUT / "me" / "playlists.json",
        {"href": f"{syn.API}/me/playlists?offset=0&limit=50", "items": me_items, "limit": 50,
         "next": None, "offset": 0, "previous": None, "total": len(me_items)},
    )  # fmt: skip


if __name__ == "__main__":
    main()
