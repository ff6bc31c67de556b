"""Regenerate the bundled sample source: a week of recorded-style Spotify responses.

Run: `.venv/bin/python scripts/make_sample_data.py` (deterministic: the same files every time).

The sample mixes both API shapes, multi-page playlists, a duplicate track, a local file, an
episode, a null entry, a twin `item`/`track` entry, epoch `added_at` placeholders, an empty
`added_by.id`, Unicode names and a friend's followed playlist.

It is a week long. Day 0 is the anchor (the run date, or SPOTIFY_SAMPLE_ANCHOR) and day k is k
days before it; `timeline.json` names each day's `/me/playlists` listing and each playlist's
version folder. Over the week tracks are added to and removed from "Late Night Coding", "Road
Trip" is renamed and loses three tracks, a friend adds three tracks to the collaborative
playlist, the Arabic one is made private and "Gym Warm-Up" is emptied. `me/listening.json` holds
the week's plays by day and time of day. Dates inside bodies are written `@D-k@` and the sample
source turns them into real dates relative to the anchor when it answers, so a first run on any
day shows the whole week.
"""

from __future__ import annotations

import json
import random
import shutil
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the generator lives with the tests, out of the runtime package

from tests import synthetic as syn  # noqa: E402

OUT = ROOT / "dags" / "spotify_etl" / "sample_data"
LIMIT = 50
ME = "31l7sampleuserxq2bz4dkfa"
FRIEND = "friend_of_sample"
DAYS = 7  # day 0 is the anchor, day 6 the oldest


def day_stamp(k: int, rng: random.Random, hours: tuple[int, int] = (8, 23)) -> str:
    """A time on day k as the sample source's placeholder (`@D-k@T…Z`)."""
    return f"@D-{k}@T{rng.randint(*hours):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z"


def write_version(
    folder: Path, pid: str, meta: dict[str, Any], entries: list[dict[str, Any]], shape: syn.Shape
) -> None:
    """One playlist version: its object (with the embedded first page) and its `/items` pages."""
    body = syn.playlist_body(pid, shape=shape, entries=entries, **meta)
    compact = folder.parent.name == "history"
    dump(folder / "playlist.json", body, compact=compact)
    for offset in range(0, len(entries), LIMIT):
        page = syn.items_page(pid, entries[offset : offset + LIMIT], offset, LIMIT, len(entries))
        dump(folder / f"items-{offset:06d}.json", page, compact=compact)


def listing_item(pid: str, meta: dict[str, Any], shape: syn.Shape, count: int | None) -> Any:
    """A playlist as GET /me/playlists lists it (with its owner and snapshot)."""
    owner = meta["owner_id"]
    return {
        "collaborative": meta.get("collaborative", False), "description": meta["description"],
        "href": f"{syn.API}/playlists/{pid}", "id": pid, "images": [], "name": meta["name"],
        "public": meta.get("public", True), "snapshot_id": meta["snapshot_id"],
        "type": "playlist", "uri": f"spotify:playlist:{pid}",
        "owner": {"display_name": meta["owner_name"], "external_urls": {
            "spotify": f"{syn.OPEN}/user/{owner}"}, "href": f"{syn.API}/users/{owner}",
            "id": owner, "type": "user", "uri": f"spotify:user:{owner}"},
        ("items" if shape == "2026" else "tracks"): {
            "href": f"{syn.API}/playlists/{pid}/items", "total": count or 0},
    }  # fmt: skip


def listing(items: list[Any]) -> dict[str, Any]:
    return {
        "href": f"{syn.API}/me/playlists?offset=0&limit=50", "items": items, "limit": 50,
        "next": None, "offset": 0, "previous": None, "total": len(items),
    }  # fmt: skip


def dump(path: Path, body: dict[str, Any], *, compact: bool = False) -> None:
    """Write a body: indented, or compact as Spotify sends it (the week's older versions)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n" if compact else (
        json.dumps(body, indent=2, ensure_ascii=False) + "\n")  # fmt: skip
    path.write_text(text, encoding="utf-8")


def stamp(rng: random.Random) -> str:
    return (
        f"20{rng.randint(19, 26)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        f"T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z"
    )


def main() -> None:
    rng = random.Random(20261125)
    cat = syn.make_catalog(rng, n_artists=70, n_albums=95, n_tracks=230)
    specs: list[tuple[str, str, str, syn.Shape, int]] = [
        # id, name, description, shape, n entries
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
    # The anchor day's state (day 0): the generator's first draws, kept as they always were.
    finals: dict[str, tuple[dict[str, Any], list[dict[str, Any]], syn.Shape]] = {}
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
        meta = {
            "name": name, "description": desc, "owner_id": ME, "owner_name": "Sample Listener",
            "snapshot_id": f"AAAA{pid[:8]}{n}sampleSnapshot==", "collaborative": n == 2,
            "public": n not in (2, 3), "followers": [0, 12, 3, 0][n],
        }  # fmt: skip
        finals[pid] = (meta, entries, shape)

    # ---- the week before (a second generator, so day 0's draws above never change)
    wk = random.Random(20261201)
    late, road, city, arabic = (s[0] for s in specs)
    gym = "4GymWarmUpSampleList01"

    def new_entries(n: int, shape: syn.Shape, pid: str | None = None) -> list[dict[str, Any]]:
        """n entries of tracks the playlist `pid` does not hold on the anchor day."""
        held = {
            (e.get("item") or e.get("track") or {}).get("id") for e in finals[pid][1]
        } if pid else set()  # fmt: skip
        pool = [t for t in cat.tracks if t["id"] not in held]
        return [
            syn.entry(syn.track_body(t, shape, wk), shape, stamp(wk), ME)
            for t in wk.sample(pool, n)
        ]

    def with_inserted(
        base: list[dict[str, Any]], extra: list[dict[str, Any]], at: list[int]
    ) -> Any:
        out = list(base)
        for position, e in zip(at, extra, strict=True):
            out.insert(position, e)
        return out

    def version(pid: str, first_day: int, entries: list[dict[str, Any]], **changed: Any) -> Any:
        meta = {**finals[pid][0], **changed}
        meta["snapshot_id"] = f"AAAA{pid[:8]}d{first_day}sampleSnapshot=="
        return meta, entries

    # Late Night Coding: 4 tracks dropped on day 3; 5, 4 and 5 added on days 4, 2 and 0.
    meta, f, _ = finals[late]
    for k, span in ((4, range(126, 131)), (2, range(131, 135)), (0, range(135, 140))):
        for i in span:
            f[i]["added_at"] = day_stamp(k, wk)
    dropped = new_entries(4, "2026", late)
    late_days = [
        (meta, f),
        version(late, 1, f[:135]),
        version(late, 1, f[:135]),
        version(late, 3, f[:131]),
        version(late, 4, with_inserted(f[:131], dropped, [40, 80, 100, 110])),
        version(late, 5, with_inserted(f[:126], dropped, [40, 80, 100, 110])),
        version(late, 5, with_inserted(f[:126], dropped, [40, 80, 100, 110])),
    ]
    # Road Trip: called "Road Trip 🚗" until its rename on day 2; 3 tracks removed on day 1.
    meta, f, _ = finals[road]
    extra = with_inserted(f, new_entries(3, "legacy", road), [30, 60, 90])
    old = version(road, 3, extra, name="Road Trip 🚗")
    road_days = [(meta, f), (meta, f), version(road, 2, extra), old, old, old, old]
    # The collaborative one: a friend adds 3 tracks on day 5.
    meta, f, _ = finals[city]
    for e in f[42:]:
        e["added_at"] = day_stamp(5, wk)
        e["added_by"] = syn.entry(None, "2026", None, FRIEND)["added_by"]
    city_days = [(meta, f)] * 6 + [version(city, 6, f[:42])]
    # The Arabic one: public until it is made private on day 1.
    meta, f, _ = finals[arabic]
    public = version(arabic, 2, f, public=True)
    arabic_days = [(meta, f), (meta, f), public, public, public, public, public]
    # Gym Warm-Up (a new playlist in this sample): 24 tracks, emptied on day 2.
    finals[gym] = (
        {"name": "Gym Warm-Up 💪", "description": "Short and loud", "owner_id": ME,
         "owner_name": "Sample Listener", "snapshot_id": "AAAA4GymWarm5sampleSnapshot==",
         "collaborative": False, "public": True, "followers": 2},
        [],
        "2026",
    )  # fmt: skip
    full = version(gym, 3, new_entries(24, "2026"))
    gym_days = [(finals[gym][0], [])] * 3 + [full] * 4

    week = {late: late_days, road: road_days, city: city_days, arabic: arabic_days, gym: gym_days}
    timeline: dict[str, Any] = {
        "about": "The sample's week: index k is k days before the anchor (the run date, or "
        "SPOTIFY_SAMPLE_ANCHOR). `listings`: that day's GET /me/playlists; `playlists`: the "
        "folder of that day's version under playlists/<id>/ ('' is the anchor day's).",
        "days": DAYS,
        "listings": ["me/playlists.json"] + [f"me/history/playlists-{k}.json" for k in range(1, 7)],
        "playlists": {},
    }
    hidden = "6UeSakyzhiEt4NB3UAd6NQ"  # a friend's public playlist: metadata only in 2026 mode
    hidden_meta: dict[str, Any] = {
        "name": "Friday Night Mix", "description": "", "owner_id": FRIEND,
        "owner_name": "A Friend", "snapshot_id": "AAAAhiddenSnapshot==",
    }  # fmt: skip
    dump(
        OUT / "playlists" / hidden / "playlist.json",
        syn.playlist_body(hidden, shape="2026", entries=None, **hidden_meta),
    )
    listings: list[list[Any]] = [[] for _ in range(DAYS)]
    for pid, days in week.items():
        shape = finals[pid][2]
        folders: list[str] = []
        for k, (meta, entries) in enumerate(days):
            folder = "" if k == 0 else f"history/{meta['snapshot_id'][12:14]}"
            if meta["snapshot_id"] == finals[pid][0]["snapshot_id"]:
                folder = ""
            target = OUT / "playlists" / pid / folder
            if not (target / "playlist.json").is_file():
                write_version(target, pid, meta, entries, shape)
            folders.append(folder)
            listings[k].append(listing_item(pid, meta, shape, len(entries)))
        timeline["playlists"][pid] = folders
    for k in range(DAYS):
        # GET /me/playlists lists owned and followed playlists alike, each with its owner: the
        # friend's one is followed, so `me` skips it without calling the API.
        listings[k].append(listing_item(hidden, hidden_meta, "2026", None))
        dump(OUT / timeline["listings"][k], listing(listings[k]))
    dump(OUT / "timeline.json", timeline)

    # GET /me in 2026 Development Mode: no country, email, followers or product.
    dump(
        OUT / "me" / "profile.json",
        {"account_id": "sample-account-0001", "display_name": "Sample Listener",
         "external_urls": {"spotify": f"{syn.OPEN}/user/{ME}"}, "href": f"{syn.API}/users/{ME}",
         "id": ME, "images": [], "type": "user", "uri": f"spotify:user:{ME}"},
    )  # fmt: skip
    dump(OUT / "me" / "listening.json", listening(wk, cat, finals))


def listening(
    rng: random.Random,
    cat: syn.Catalog,
    finals: dict[str, tuple[dict[str, Any], list[dict[str, Any]], syn.Shape]],
) -> dict[str, Any]:
    """The week's plays: sessions on the commute, at lunch, in the evening and late at night,
    mostly from the playlists (the play's context), some from albums. No day has more than 50
    plays, so an extract at the end of each day misses none (GET recently-played keeps 50)."""
    # Plays wanted by k (day 0 is the anchor); a session cut off at midnight may give fewer
    # (the week holds 220: 19, 38, 38, 28, 41, 22 and 34).
    per_day = [19, 38, 45, 28, 41, 22, 34]
    starts = [7, 12, 18, 21, 23]  # session hours
    playlists = [
        (pid, [e["item"] if shape == "2026" else e["track"] for e in entries])
        for pid, (_, entries, shape) in finals.items()
        if entries
    ]
    plays: list[dict[str, Any]] = []
    for k in range(DAYS - 1, -1, -1):
        left, clock = per_day[k], 0.0
        sessions = sorted(rng.sample(starts, 4))
        for hour in sessions:
            clock = max(clock, hour * 3600 + rng.randint(0, 30) * 60)
            pid, objects = rng.choices(playlists, [5, 3, 3, 2])[0] if rng.random() < 0.8 else (
                None, [])  # fmt: skip
            for _ in range(left if hour == sessions[-1] else min(left, rng.randint(8, 13))):
                if clock >= 86_399:
                    break
                pool = [o for o in objects if o and o.get("type") == "track" and o.get("id")]
                track = rng.choice(pool) if pool else syn.track_body(
                    rng.choice(cat.tracks), "2026", rng)  # fmt: skip
                h, rest = divmod(int(clock), 3600)
                at = f"{h:02d}:{rest // 60:02d}:{rest % 60:02d}.{rng.randint(0, 999):03d}"
                context = {
                    "type": "playlist", "uri": f"spotify:playlist:{pid}",
                    "href": f"{syn.API}/playlists/{pid}",
                    "external_urls": {"spotify": f"{syn.OPEN}/playlist/{pid}"},
                } if pid else None  # fmt: skip
                plays.append({"day": k, "at": at, "track": track, "context": context})
                left -= 1
                clock += int(track.get("duration_ms") or 200_000) / 1000 + rng.randint(0, 40)
            clock += rng.randint(20, 90) * 60
    return {
        "about": "The sample's listening history: `day` is days before the anchor and `at` the "
        "time of day (UTC). The sample source answers GET /me/player/recently-played from it: "
        "the 50 newest plays up to the end of the run's day (or now), after the cursor.",
        "plays": plays,
    }


if __name__ == "__main__":
    main()
