"""What the extractors receive: a response body exactly as sent, the `Source` protocol every
source (the live API, the bundled sample) implements, and the checks that tell a whole page
from a short or broken one (pure: no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
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
        """Parse a body that must be a JSON object.

        Raises:
            BadResponse: The body is not JSON, or not an object.
        """
        problem, data = parse_object(body)
        if problem:
            raise BadResponse(problem)
        return cls(body, data)


class SourceError(Exception):
    """A request failed for a whole-run reason (auth, quota …)."""


class QuotaExceeded(SourceError):
    """Spotify's Development Mode quota (per developer account) is used up; `retry_after`:
    the seconds Spotify said to wait (hours, typically)."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BadResponse(Exception):
    """A 200 whose body is not what the endpoint returns (not JSON, the wrong shape, a page that
    ends the paging early), still after the retries: the playlist cannot be read whole."""


class IncompleteListing(BadResponse):
    """`GET /me/playlists` could not be read whole after the retries; `pages` holds the pages
    that were."""

    def __init__(self, message: str, pages: list[Response]) -> None:
        super().__init__(message)
        self.pages = pages


def parse_object(body: bytes) -> tuple[str | None, dict[str, Any]]:
    """(problem, data): the body parsed as a JSON object, or why it is not one."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        start = body[:40].decode("utf-8", "replace").strip()
        return f"the body is not JSON ({len(body)} bytes starting {start!r})", {}
    if not isinstance(data, dict):
        return f"the body is JSON but not an object ({type(data).__name__})", {}
    return None, data


def page_problem(data: dict[str, Any], offset: int, limit: int) -> str | None:
    """Why a paging object answered for `offset`/`limit` is not a whole page, or None.

    Whole: an `items` list and an integer `total`; the offset asked for; as many entries as
    are due (`min(limit, total - offset)`); and no `next`-less end before `total`.
    """
    items, total = data.get("items"), data.get("total")
    if not isinstance(items, list):
        return "the page has no `items` list"
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        return "the page has no integer `total`"
    served = data.get("offset")
    if served is not None and served != offset:
        return f"the page is at offset {served}, not {offset}"
    due = max(0, min(limit, total - offset))
    if len(items) < due:
        return f"the page holds {len(items)} entries where {due} are due (total {total})"
    if len(items) > limit:
        return f"the page holds {len(items)} entries, more than the limit {limit}"
    if not data.get("next") and offset + len(items) < total:
        return f"the paging ends at {offset + len(items)} of {total} entries"
    return None


def listing_problem(data: dict[str, Any]) -> str | None:
    """Why a listing (`/me/playlists`, recently played) is not one, or None."""
    return None if isinstance(data.get("items"), list) else "the listing has no `items` list"


def object_problem(data: dict[str, Any]) -> str | None:
    """Why a playlist object is not one, or None."""
    return None if isinstance(data.get("id"), str) else "the playlist object has no `id`"


class PlaylistNotFound(Exception):
    """404: the playlist does not exist (deleted, or Spotify-owned editorial in Dev Mode)."""


class PlaylistNotVisible(Exception):
    """403: the app may read the metadata but not the contents (for the library: the token
    lacks the scope)."""


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

    def me(self) -> Response:
        """GET /me (the user's profile: its `id` tells owned playlists from followed ones)."""
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

    def saved_page(self, dataset: str, offset: int, limit: int) -> Response:
        """GET /me/tracks (`saved_tracks`) or /me/albums (`saved_albums`) ?offset=&limit=,
        newest first."""
        ...

    def top_items(self, kind: str, time_range: str, limit: int) -> Response:
        """GET /me/top/{tracks|artists}?time_range=&limit=."""
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
