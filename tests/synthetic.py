"""Deterministic, full-size Spotify Web API response bodies for the sample source and benchmarks.

Objects carry every field Spotify sends (images, external URLs, ~180 markets in the legacy shape),
so sizes and parsing costs are realistic. `shape="legacy"` builds what Extended Quota and
grandfathered apps get (`tracks` / `track`, popularity, markets, label); `shape="2026"` builds the
Development Mode shape of February 2026 (`items` / `item`, those fields removed). Pure: the same
seed gives the same bodies.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from typing import Any, Literal

Shape = Literal["legacy", "2026"]
API = "https://api.spotify.com/v1"
OPEN = "https://open.spotify.com"
MARKETS = [
    "AD", "AE", "AG", "AL", "AM", "AO", "AR", "AT", "AU", "AZ", "BA", "BB", "BD", "BE", "BF", "BG",
    "BH", "BI", "BJ", "BN", "BO", "BR", "BS", "BT", "BW", "BY", "BZ", "CA", "CD", "CG", "CH", "CI",
    "CL", "CM", "CO", "CR", "CV", "CW", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "ES", "ET", "FI", "FJ", "FM", "FR", "GA", "GB", "GD", "GE", "GH", "GM", "GN", "GQ", "GR",
    "GT", "GW", "GY", "HK", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IN", "IQ", "IS", "IT", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KR", "KW", "KZ", "LA", "LB", "LC", "LI", "LK",
    "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MG", "MH", "MK", "ML", "MN", "MO",
    "MR", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NE", "NG", "NI", "NL", "NO", "NP", "NR",
    "NZ", "OM", "PA", "PE", "PG", "PH", "PK", "PL", "PR", "PS", "PT", "PW", "PY", "QA", "RO", "RS",
    "RW", "SA", "SB", "SC", "SE", "SG", "SI", "SK", "SL", "SM", "SN", "SR", "ST", "SV", "SZ", "TD",
    "TG", "TH", "TJ", "TL", "TN", "TO", "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "US", "UY", "UZ",
    "VC", "VE", "VN", "VU", "WS", "XK", "ZA", "ZM", "ZW",
]  # fmt: skip
WORDS = [
    "midnight", "city", "lights", "echo", "river", "golden", "static", "summer", "neon", "ocean",
    "paper", "hearts", "velvet", "thunder", "silver", "morning", "wild", "electric", "shadow",
    "dreams", "coffee", "rain", "satellite", "honey", "northern", "glass", "fire", "blue", "orbit",
    "waves", "東京", "夜明け", "シティ", "恋", "ポップ", "حب", "ليل", "قمر", "🌙", "✨", "café",
    "São",
]  # fmt: skip
B62 = string.ascii_letters + string.digits


def spotify_id(rng: random.Random) -> str:
    """A 22-character base-62 ID like Spotify's."""
    return "".join(rng.choice(B62) for _ in range(22))


def _title(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).title()


def _urls(kind: str, id_: str) -> dict[str, Any]:
    return {
        "external_urls": {"spotify": f"{OPEN}/{kind}/{id_}"},
        "href": f"{API}/{kind}s/{id_}",
        "id": id_,
    }


def _images(rng: random.Random) -> list[dict[str, Any]]:
    h = "".join(rng.choice("0123456789abcdef") for _ in range(24))
    return [
        {"height": s, "url": f"https://i.scdn.co/image/ab67616d0000{c}{h}", "width": s}
        for s, c in ((640, "b273"), (300, "1e02"), (64, "4851"))
    ]


@dataclass
class Catalog:
    """A pool of artists, albums and tracks that playlists draw from (so they overlap)."""

    artists: list[dict[str, Any]]
    albums: list[dict[str, Any]]
    tracks: list[dict[str, Any]]


def make_catalog(rng: random.Random, n_artists: int, n_albums: int, n_tracks: int) -> Catalog:
    """Build simplified artists, albums (with their artists) and tracks (shape-neutral)."""
    artists = []
    for _ in range(n_artists):
        a = spotify_id(rng)
        artists.append(
            {
                **_urls("artist", a),
                "name": _title(rng, rng.randint(1, 2)),
                "type": "artist",
                "uri": f"spotify:artist:{a}",
            }
        )
    albums = []
    for i in range(n_albums):
        al = spotify_id(rng)
        year = rng.randint(1962, 2026)
        precision = rng.choices(["day", "month", "year"], weights=[8, 1, 1])[0]
        release = {
            "day": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "month": f"{year}-{rng.randint(1, 12):02d}",
            "year": f"{year}",
        }[precision]
        if i == 7:  # Spotify's "unknown year" placeholder exists in the wild
            release, precision = "0000", "year"
        albums.append(
            {
                "album_type": rng.choices(["album", "single", "compilation"], [6, 3, 1])[0],
                "artists": rng.sample(artists, rng.choices([1, 2], [9, 1])[0]),
                **_urls("album", al),
                "images": _images(rng),
                "name": _title(rng, rng.randint(1, 4)),
                "release_date": release,
                "release_date_precision": precision,
                "total_tracks": rng.randint(1, 18),
                "type": "album",
                "uri": f"spotify:album:{al}",
                "label": f"{rng.choice(WORDS).title()} Records",
                "popularity": rng.randint(0, 90),
            }
        )
    tracks = []
    for _ in range(n_tracks):
        t = spotify_id(rng)
        album = rng.choice(albums)
        featured = rng.sample(artists, rng.choices([0, 1, 2], [7, 2, 1])[0])
        credits = [album["artists"][0], *[a for a in featured if a is not album["artists"][0]]]
        tracks.append(
            {
                "album": album,
                "artists": credits,
                "disc_number": 1,
                "duration_ms": rng.randint(95_000, 420_000),
                "explicit": rng.random() < 0.2,
                "external_ids": {
                    "isrc": f"US{''.join(rng.choice(string.ascii_uppercase) for _ in range(3))}"
                    f"{rng.randint(10, 26)}{rng.randint(0, 99999):05d}"
                },
                **_urls("track", t),
                "is_local": False,
                "name": _title(rng, rng.randint(1, 4)),
                "popularity": rng.choice([0, *range(1, 100)]),
                "preview_url": None,
                "track_number": rng.randint(1, album["total_tracks"]),
                "type": "track",
                "uri": f"spotify:track:{t}",
            }
        )
    return Catalog(artists, albums, tracks)


def _album_body(album: dict[str, Any], shape: Shape, markets: list[str]) -> dict[str, Any]:
    body = dict(album)
    if shape == "2026":
        for key in ("label", "popularity"):
            body.pop(key)
    else:
        body["available_markets"] = markets
        body.pop("label")  # simplified albums inside tracks carry no label
        body.pop("popularity")
    return body


def track_body(track: dict[str, Any], shape: Shape, rng: random.Random) -> dict[str, Any]:
    """A full track object as it appears inside a playlist entry, in the given shape."""
    markets = MARKETS if rng.random() < 0.9 else rng.sample(MARKETS, 40)
    body = dict(track)
    body["album"] = _album_body(track["album"], shape, markets)
    if shape == "2026":
        body.pop("popularity")
    else:
        body["available_markets"] = markets
        body["episode"] = False
        body["track"] = True
    return body


def episode_body(rng: random.Random) -> dict[str, Any]:
    """A podcast episode as a playlist entry's object (`type: episode`)."""
    e, s = spotify_id(rng), spotify_id(rng)
    return {
        "audio_preview_url": None,
        "description": "A conversation about music and data.",
        "duration_ms": rng.randint(900_000, 3_600_000),
        "explicit": False,
        **_urls("episode", e),
        "images": _images(rng),
        "is_externally_hosted": False,
        "language": "en",
        "name": "Episode " + _title(rng, 3),
        "release_date": "2025-06-01",
        "release_date_precision": "day",
        "show": {
            **_urls("show", s),
            "name": "Data Talk",
            "publisher": "Data Talk Media",
            "type": "show",
            "uri": f"spotify:show:{s}",
        },
        "type": "episode",
        "uri": f"spotify:episode:{e}",
    }


def local_file_body(title: str, artist: str, album: str, seconds: int) -> dict[str, Any]:
    """A local file entry's object: no IDs, a `spotify:local:` URI (URL-encoded parts)."""
    from urllib.parse import quote_plus

    uri = f"spotify:local:{quote_plus(artist)}:{quote_plus(album)}:{quote_plus(title)}:{seconds}"
    return {
        "album": {"album_type": None, "artists": [], "available_markets": [], "external_urls": {},
                  "href": None, "id": None, "images": [], "name": album, "release_date": None,
                  "release_date_precision": None, "type": "album", "uri": None},
        "artists": [{"external_urls": {}, "href": None, "id": None, "name": artist,
                     "type": "artist", "uri": None}],
        "available_markets": [], "disc_number": 0, "duration_ms": seconds * 1000,
        "explicit": False, "external_ids": {}, "external_urls": {}, "href": None, "id": None,
        "is_local": True, "name": title, "popularity": 0, "preview_url": None,
        "track_number": 0, "type": "track", "uri": uri,
    }  # fmt: skip


def entry(
    obj: dict[str, Any] | None,
    shape: Shape,
    added_at: str | None,
    added_by: str | None,
    *,
    both_keys: bool = False,
) -> dict[str, Any]:
    """A playlist entry (PlaylistTrackObject) wrapping `obj` under `item` (2026) or `track`."""
    out: dict[str, Any] = {
        "added_at": added_at,
        "added_by": None
        if added_by is None
        else {**_urls("user", added_by), "type": "user", "uri": f"spotify:user:{added_by}"},
        "is_local": bool(obj and obj.get("is_local")),
        "primary_color": None,
    }
    if shape == "2026":
        out["item"] = obj
        if both_keys:  # the spec keeps `track` as a deprecated twin on some responses
            out["track"] = obj
    else:
        out["track"] = obj
    out["video_thumbnail"] = {"url": None}
    return out


def items_page(
    playlist_id: str, entries: list[dict[str, Any]], offset: int, limit: int, total: int
) -> dict[str, Any]:
    """A paging object of `/playlists/{id}/items` (the same envelope for both shapes)."""
    base = f"{API}/playlists/{playlist_id}/items"
    nxt = offset + limit
    return {
        "href": f"{base}?offset={offset}&limit={limit}",
        "items": entries,
        "limit": limit,
        "next": f"{base}?offset={nxt}&limit={limit}" if nxt < total else None,
        "offset": offset,
        "previous": f"{base}?offset={max(0, offset - limit)}&limit={limit}" if offset else None,
        "total": total,
    }


def playlist_body(
    playlist_id: str,
    *,
    name: str,
    description: str,
    owner_id: str,
    owner_name: str,
    shape: Shape,
    snapshot_id: str,
    entries: list[dict[str, Any]] | None,
    public: bool | None = True,
    collaborative: bool = False,
    followers: int = 0,
    embedded_limit: int = 100,
) -> dict[str, Any]:
    """GET /playlists/{id}: metadata plus the embedded first page, or no contents key at all
    when the app may not see the contents (2026 Development Mode, playlist not owned)."""
    body: dict[str, Any] = {
        "collaborative": collaborative,
        "description": description,
        **_urls("playlist", playlist_id),
        "images": [],
        "name": name,
        "owner": {**_urls("user", owner_id), "display_name": owner_name, "type": "user",
                  "uri": f"spotify:user:{owner_id}"},
        "primary_color": None,
        "public": public,
        "snapshot_id": snapshot_id,
        "type": "playlist",
        "uri": f"spotify:playlist:{playlist_id}",
    }  # fmt: skip
    if shape == "legacy":
        body["followers"] = {"href": None, "total": followers}
    if entries is not None:
        key = "items" if shape == "2026" else "tracks"
        page = items_page(playlist_id, entries[:embedded_limit], 0, embedded_limit, len(entries))
        page["href"] = f"{API}/playlists/{playlist_id}/{key}?offset=0&limit={embedded_limit}"
        body[key] = page
    return body
