"""Where response bodies come from: the bundled sample, or (issue #4) the live Spotify API.

A source answers the three requests the extractor makes and returns each response body exactly
as received (bytes) plus its parsed form, so the raw zone stores bodies byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, urlparse

import orjson


@dataclass(frozen=True)
class Response:
    """One API response: the body as received and its parsed JSON."""

    body: bytes
    data: dict[str, Any] = field(repr=False)

    @classmethod
    def of(cls, body: bytes) -> Response:
        """Parse a body."""
        return cls(body, orjson.loads(body))


class SourceError(Exception):
    """A request failed for a whole-run reason (auth, quota …)."""


class PlaylistNotFound(Exception):
    """404: the playlist does not exist (deleted, or Spotify-owned editorial in Dev Mode)."""


class PlaylistNotVisible(Exception):
    """403: the app may read the metadata but not the contents."""


class Source(Protocol):
    """The requests the extractor makes."""

    name: str

    @property
    def api_calls(self) -> int:
        """Requests made so far."""
        ...

    @property
    def throttled(self) -> int:
        """429 answers seen so far."""
        ...

    def my_playlists(self) -> list[Response]:
        """Every page of GET /me/playlists."""
        ...

    def playlist(self, playlist_id: str) -> Response:
        """GET /playlists/{id}."""
        ...

    def items_page(self, playlist_id: str, offset: int, limit: int) -> Response:
        """GET /playlists/{id}/items?offset=&limit=."""
        ...

    def recently_played(self, after_ms: int | None) -> Response:
        """GET /me/player/recently-played?limit=50[&after=ms]."""
        ...


def next_offset(page: dict[str, Any]) -> int | None:
    """The offset of a paging object's `next` URL, or None on the last page."""
    nxt = page.get("next")
    if not nxt:
        return None
    values = parse_qs(urlparse(str(nxt)).query).get("offset")
    if values:
        return int(values[0])
    return int(page.get("offset") or 0) + int(page.get("limit") or len(page.get("items") or []))


EMPTY_PLAYS = b'{"items":[],"next":null,"cursors":null,"limit":50}'


class SampleSource:
    """Recorded-style responses bundled with the package (see `scripts/make_sample_data.py`).

    It behaves like the API: a playlist without stored pages answers 403 on `/items`, an
    unknown playlist 404, and a page is served only at the offsets Spotify would serve.
    """

    name = "sample"

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or Path(str(resources.files("spotify_etl") / "sample_data"))
        self.api_calls = 0
        self.throttled = 0

    def _get(self, *parts: str) -> Response:
        self.api_calls += 1
        return Response.of(self.root.joinpath(*parts).read_bytes())

    def my_playlists(self) -> list[Response]:
        """Every page of GET /me/playlists (one page in the sample)."""
        return [self._get("me", "playlists.json")]

    def playlist(self, playlist_id: str) -> Response:
        """GET /playlists/{id}; 404 for playlists the sample does not hold."""
        if not (self.root / "playlists" / playlist_id / "playlist.json").is_file():
            self.api_calls += 1
            raise PlaylistNotFound(f"playlist {playlist_id}: 404 Resource not found")
        return self._get("playlists", playlist_id, "playlist.json")

    def items_page(self, playlist_id: str, offset: int, limit: int) -> Response:
        """GET /playlists/{id}/items; the sample's pages are recorded with limit 50."""
        path = self.root / "playlists" / playlist_id / f"items-{offset:06d}.json"
        if not path.is_file():
            self.api_calls += 1
            raise PlaylistNotVisible(f"playlist {playlist_id}: 403 Forbidden on /items")
        return self._get("playlists", playlist_id, path.name)

    def recently_played(self, after_ms: int | None) -> Response:
        """The recorded page while it holds plays newer than `after_ms`, then an empty page."""
        page = self._get("me", "recently-played.json")
        newest = (page.data.get("cursors") or {}).get("after")
        if after_ms is not None and newest is not None and int(newest) <= after_ms:
            return Response.of(EMPTY_PLAYS)
        return page


def me_playlist_ids(source: Source) -> list[str]:
    """IDs listed by the source's GET /me/playlists (all pages)."""
    return [str(p["id"]) for page in source.my_playlists() for p in page.data.get("items") or []]
