"""Where response bodies come from: the bundled sample, or (issue #4) the live Spotify API.

A source answers the three requests the extractor makes and returns each response body exactly
as received (bytes) plus its parsed form, so the raw zone stores bodies byte for byte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
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


class BadResponse(Exception):
    """A 200 whose body is not what the endpoint returns (not JSON, the wrong shape, a page that
    ends the paging early), still after the retries: the playlist cannot be read whole."""


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
PLAYS_LIMIT = 50  # GET /me/player/recently-played answers at most the 50 newest plays
_DAY = re.compile(rb"@D-(\d+)@")


class SampleSource:
    """A week of recorded-style responses bundled with the package (`scripts/make_sample_data.py`).

    It behaves like the API: a playlist without stored pages answers 403 on `/items`, an
    unknown playlist 404, and a page is served only at the offsets Spotify would serve.

    The week ends on the anchor: `on` (the date being extracted) is answered with the state of
    the day that many days before the anchor (the oldest state before the week, the newest
    after it). Dates in bodies are stored as `@D-k@` and answered as the anchor minus k days,
    so the history is always the week up to the anchor. Recently played answers the 50 newest
    plays up to `as_of` (default: the end of `on`, or now when that is earlier), after the
    cursor, newest first, as Spotify does.

    A date before the week gets the week's oldest state, still dated for the week (its newest
    `added_at` may then be later than that date): the sample has no earlier history.
    """

    name = "sample"

    def __init__(
        self,
        root: Path | None = None,
        *,
        on: str | None = None,
        anchor: str | None = None,
        as_of: datetime | None = None,
    ) -> None:
        self.root = root or Path(str(resources.files("spotify_etl") / "sample_data"))
        self.api_calls = 0
        self.throttled = 0
        timeline = self.root / "timeline.json"
        self.timeline: dict[str, Any] = (
            orjson.loads(timeline.read_bytes())
            if timeline.is_file()
            else {"days": 1, "listings": ["me/playlists.json"], "playlists": {}}
        )
        now = datetime.now(UTC)
        day = date.fromisoformat(on) if on else now.date()
        self.anchor = date.fromisoformat(anchor) if anchor else day
        self.day = min(max((self.anchor - day).days, 0), int(self.timeline["days"]) - 1)
        end_of_day = datetime.combine(day + timedelta(days=1), time(), UTC) - timedelta(
            milliseconds=1
        )
        self.as_of = as_of or min(now, end_of_day)

    def dated(self, body: bytes) -> bytes:
        """`@D-k@` placeholders as the anchor minus k days."""
        return _DAY.sub(
            lambda m: (self.anchor - timedelta(days=int(m.group(1)))).isoformat().encode(), body
        )

    def _get(self, *parts: str) -> Response:
        self.api_calls += 1
        return Response.of(self.dated(self.root.joinpath(*parts).read_bytes()))

    def _folder(self, playlist_id: str) -> Path:
        """The playlist's version folder on the day being answered."""
        days = self.timeline["playlists"].get(playlist_id)
        return self.root / "playlists" / playlist_id / (days[self.day] if days else "")

    def me(self) -> Response:
        """GET /me: the sample user's profile."""
        return self._get("me", "profile.json")

    def my_playlists(self) -> list[Response]:
        """Every page of GET /me/playlists on the day (one page in the sample)."""
        return [self._get(*self.timeline["listings"][self.day].split("/"))]

    def playlist(self, playlist_id: str) -> Response:
        """GET /playlists/{id}; 404 for playlists the sample does not hold."""
        path = self._folder(playlist_id) / "playlist.json"
        if not path.is_file():
            self.api_calls += 1
            raise PlaylistNotFound(f"playlist {playlist_id}: 404 Resource not found")
        return self._get(str(path))

    def items_page(self, playlist_id: str, offset: int, limit: int) -> Response:
        """GET /playlists/{id}/items; the sample's pages are recorded with limit 50."""
        path = self._folder(playlist_id) / f"items-{offset:06d}.json"
        if not path.is_file():
            self.api_calls += 1
            raise PlaylistNotVisible(f"playlist {playlist_id}: 403 Forbidden on /items")
        return self._get(str(path))

    def plays(self) -> list[dict[str, Any]]:
        """The whole listening history, oldest first, with real `played_at` times."""
        history = self.root / "me" / "listening.json"
        if not history.is_file():
            return []
        out = []
        for play in orjson.loads(history.read_bytes())["plays"]:
            day = (self.anchor - timedelta(days=int(play["day"]))).isoformat()
            out.append(
                {"track": play["track"], "played_at": f"{day}T{play['at']}Z",
                 "context": play["context"]}
            )  # fmt: skip
        return sorted(out, key=lambda p: str(p["played_at"]))

    def recently_played(self, after_ms: int | None) -> Response:
        """The 50 newest plays up to `as_of` that are newer than `after_ms`, newest first."""
        self.api_calls += 1
        upto = int(self.as_of.timestamp() * 1000)
        after = -1 if after_ms is None else after_ms
        timed = [(_epoch_ms(str(p["played_at"])), p) for p in self.plays()]
        due = [(ms, p) for ms, p in timed if after < ms <= upto][-PLAYS_LIMIT:]
        if not due:
            return Response.of(EMPTY_PLAYS)
        due.reverse()
        body = {
            "items": [p for _, p in due], "next": None,
            "cursors": {"after": str(due[0][0]), "before": str(due[-1][0])},
            "limit": PLAYS_LIMIT, "href": f"https://api.spotify.com/v1/me/player/recently-played"
            f"?limit={PLAYS_LIMIT}" + (f"&after={after_ms}" if after_ms is not None else ""),
        }  # fmt: skip
        return Response.of(orjson.dumps(body))


def _epoch_ms(stamp: str) -> int:
    return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000)
