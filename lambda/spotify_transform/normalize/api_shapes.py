"""Explicit polars schemas of the Spotify response bodies the transform reads.

Both API shapes are covered by one schema: the 2026 shape (`items` / `item`) and the legacy
shape (`tracks` / `track`). Keys that a response lacks come back NULL; keys the schema does not
name are ignored. Never let polars infer these: inference looks at the first rows only and
silently drops keys that appear later (see OFFLINE-NOTES, polars).
"""

from __future__ import annotations

import polars as pl

S, I64, B = pl.String(), pl.Int64(), pl.Boolean()

SIMPLE_ARTIST = pl.Struct(
    {
        "id": S,
        "name": S,
        "uri": S,
        "type": S,
        # Present only on full artist objects; absent in Development Mode 2026.
        "genres": pl.List(S),
        "followers": pl.Struct({"total": I64}),
        "popularity": I64,
    }
)

ALBUM = pl.Struct(
    {
        "id": S,
        "name": S,
        "album_type": S,
        "release_date": S,
        "release_date_precision": S,
        "total_tracks": I64,
        "label": S,
        "popularity": I64,
        "uri": S,
        "artists": pl.List(SIMPLE_ARTIST),
    }
)

# A playlist entry's `item` / `track`: a track, or an episode (type "episode", or legacy
# episode-as-track objects with `episode: true`).
TRACK = pl.Struct(
    {
        "id": S,
        "name": S,
        "type": S,
        "uri": S,
        "is_local": B,
        "episode": B,
        "duration_ms": I64,
        "explicit": B,
        "popularity": I64,
        "track_number": I64,
        "disc_number": I64,
        "is_playable": B,
        "available_markets": pl.List(S),
        "external_ids": pl.Struct({"isrc": S}),
        "album": ALBUM,
        "artists": pl.List(SIMPLE_ARTIST),
        # Episodes: their show names the "album" and its publisher the "artist".
        "show": pl.Struct({"name": S, "publisher": S}),
    }
)

ENTRY = pl.Struct(
    {
        "added_at": S,
        "added_by": pl.Struct({"id": S}),
        "is_local": B,
        "item": TRACK,
        "track": TRACK,
    }
)

PAGE = pl.Struct(
    {
        "href": S,
        "offset": I64,
        "total": I64,
        "next": S,
        "items": pl.List(ENTRY),
    }
)

# GET /playlists/{id}/items (and legacy /tracks) page. Only the entries are read: the offset
# comes from the file name, and every key left out is one the parser skips without building it.
ITEMS_PAGE_SCHEMA = pl.Schema({"items": pl.List(ENTRY)})

PAGE_HEAD = pl.Struct({"offset": I64, "limit": I64, "total": I64})

# GET /playlists/{id}: metadata plus the embedded first page under `items` (2026) or `tracks`.
PLAYLIST_SCHEMA = pl.Schema(
    {
        "id": S,
        "name": S,
        "description": S,
        "owner": pl.Struct({"id": S, "display_name": S}),
        "public": B,
        "collaborative": B,
        "followers": pl.Struct({"total": I64}),
        "snapshot_id": S,
        "items": PAGE,
        "tracks": PAGE,
    }
)

# The same response read without the embedded entries (the parser skips them unbuilt): enough
# for the playlists table, visibility, shape, and which positions the embedded page covers.
PLAYLIST_META_SCHEMA = pl.Schema(
    {
        **{k: v for k, v in PLAYLIST_SCHEMA.items() if k not in ("items", "tracks")},
        "items": PAGE_HEAD,
        "tracks": PAGE_HEAD,
    }
)

# GET /me/player/recently-played: plays keep the `track` key in every mode.
RECENTLY_PLAYED_SCHEMA = pl.Schema(
    {
        "items": pl.List(
            pl.Struct(
                {
                    "played_at": S,
                    "track": pl.Struct(
                        {
                            "id": S,
                            "name": S,
                            "type": S,
                            "is_local": B,
                            "duration_ms": I64,
                            "explicit": B,
                            "album": pl.Struct({"id": S, "name": S}),
                            "artists": pl.List(pl.Struct({"id": S, "name": S})),
                        }
                    ),
                    "context": pl.Struct({"type": S, "uri": S}),
                }
            )
        )
    }
)

# GET /me/playlists: the simplified playlist objects (no followers).
LISTING_SCHEMA = pl.Schema(
    {
        "items": pl.List(
            pl.Struct(
                {
                    "id": S,
                    "name": S,
                    "description": S,
                    "public": B,
                    "collaborative": B,
                    "owner": pl.Struct({"id": S, "display_name": S}),
                    "snapshot_id": S,
                }
            )
        )
    }
)

# GET /me/tracks and /me/albums pages: saved entries keep `track` / `album` in every mode. Only
# the entries are read: the offset comes from the file name.
SAVED_TRACKS_PAGE_SCHEMA = pl.Schema({"items": pl.List(pl.Struct({"added_at": S, "track": TRACK}))})
SAVED_ALBUMS_PAGE_SCHEMA = pl.Schema({"items": pl.List(pl.Struct({"added_at": S, "album": ALBUM}))})

# GET /me/top/tracks and /me/top/artists: full track and artist objects, in rank order.
TOP_TRACKS_SCHEMA = pl.Schema({"items": pl.List(TRACK)})
TOP_ARTISTS_SCHEMA = pl.Schema({"items": pl.List(SIMPLE_ARTIST)})
