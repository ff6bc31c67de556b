"""Small builders of Spotify response bodies for tests (on top of spotify_etl.synthetic)."""

from __future__ import annotations

import json
import random
from typing import Any

from spotify_transform.normalize.model import PlaylistFiles
from spotify_transform.normalize.parsing import RawFile
from spotify_transform.rawzone.manifest import SnapshotManifest
from tests import synthetic as syn

ME = "test_user"


def catalog(seed: int = 7) -> syn.Catalog:
    """A small deterministic catalogue (10 artists, 8 albums, 30 tracks)."""
    return syn.make_catalog(random.Random(seed), 10, 8, 30)


def track(cat: syn.Catalog, n: int, shape: syn.Shape) -> dict[str, Any]:
    """Track `n` of the catalogue as a full object of the given shape."""
    return syn.track_body(cat.tracks[n], shape, random.Random(n))


def entries(cat: syn.Catalog, shape: syn.Shape, ns: list[int]) -> list[dict[str, Any]]:
    """Playlist entries holding catalogue tracks `ns`."""
    return [syn.entry(track(cat, n, shape), shape, "2026-01-02T03:04:05Z", ME) for n in ns]


def body(doc: dict[str, Any]) -> bytes:
    """Serialise as Spotify does (UTF-8, not ASCII-escaped)."""
    return json.dumps(doc, ensure_ascii=False, indent=2).encode()


def playlist_files(
    playlist_id: str,
    shape: syn.Shape,
    items: list[dict[str, Any]] | None,
    *,
    page_limit: int = 50,
    embedded_limit: int = 100,
    name: str = "Test playlist",
) -> PlaylistFiles:
    """playlist.json plus /items pages for `items` (None: contents not visible)."""
    meta = syn.playlist_body(
        playlist_id,
        name=name,
        description="d",
        owner_id=ME,
        owner_name="Test",
        shape=shape,
        snapshot_id=f"snap-{playlist_id}",
        entries=items,
        embedded_limit=embedded_limit,
    )
    base = f"spotify/playlists/snapshot_date=2026-01-02/playlist_id={playlist_id}"
    pages: list[tuple[int, RawFile]] = []
    for offset in range(0, len(items or []), page_limit):
        page = syn.items_page(
            playlist_id,
            (items or [])[offset : offset + page_limit],
            offset,
            page_limit,
            len(items or []),
        )
        pages.append((offset, RawFile(f"{base}/items-{offset:06d}.json", body(page))))
    return PlaylistFiles(playlist_id, RawFile(f"{base}/playlist.json", body(meta)), tuple(pages))


def manifest_json(manifest: SnapshotManifest) -> dict[str, Any]:
    """A manifest as its file says it (the raw zone's contract is the JSON, not the class)."""
    parsed: dict[str, Any] = json.loads(manifest.to_json())
    return parsed
