"""The live Spotify Web API through spotipy ≥ 2.26, with our own retry and auth policy.

spotipy's own retries are switched off (an urllib3 `Retry` with no status to retry on), so every
429, 5xx and 401 reaches us with its status, body `reason` and headers, and this module decides:

- 429 with `reason: QUOTA_EXCEEDED` → stop at once (`QuotaExceeded`): the developer quota is spent.
- 429 otherwise → sleep `Retry-After` seconds if it is within the cap, else fail (`RateLimited`)
  so Airflow retries the task later instead of blocking a worker for hours.
- 5xx, connection errors (also a connection cut mid-body) and a 200 whose body is not what the
  endpoint returns (not JSON, e.g. a gateway's HTML page; the wrong shape; a page that ends the
  paging early) → bounded exponential backoff with full jitter; a body still bad after the
  retries raises `BadResponse` (the extractor records the playlist `incomplete`).
- 401 → refresh the access token once, then retry; a second 401 fails.
- 403 "user may not be registered" → stop with the fix (`UserNotRegistered`).
- 403 / 404 on a playlist → `PlaylistNotVisible` / `PlaylistNotFound` (the extractor records the
  playlist's status and goes on).
- `invalid_grant` from the token endpoint → stop: the refresh token expired or was revoked and
  only `spotify-pipeline auth` (a human re-consent) fixes it. Never a retry loop.

Response bodies are captured byte for byte from the HTTP session spotipy uses, so the raw zone
stores exactly what Spotify sent. Only endpoints that exist in 2026 Development Mode are called.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any

import requests
import spotipy
from requests.adapters import HTTPAdapter
from spotipy.oauth2 import SpotifyOauthError
from urllib3.util.retry import Retry

from spotify_etl.settings import Settings
from spotify_etl.spotify.oauth import ReauthRequired, make_auth_manager
from spotify_etl.spotify.responses import (
    BadResponse,
    IncompleteListing,
    PlaylistNotFound,
    PlaylistNotVisible,
    QuotaExceeded,
    Response,
    SourceError,
    listing_problem,
    next_offset,
    object_problem,
    page_problem,
    parse_object,
)

TRANSIENT = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


log = logging.getLogger(__name__)


ADDITIONAL_TYPES = ("track", "episode")
LISTING_LIMIT = 50


MAX_429_WAITS = 10


MAX_ERROR_RETRIES = 5


BACKOFF_BASE = 1.0


BACKOFF_CAP = 30.0


class RateLimited(SourceError):
    """Spotify asked to wait longer than the configured cap."""


class UserNotRegistered(SourceError):
    """The user is not on the app's allow-list (Development Mode allows 5 users)."""


class _RecordingSession(requests.Session):
    """The requests session spotipy uses: counts calls and keeps the last body as received."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0
        self.last_body = b""
        # No status is ever retried by urllib3 (an empty list would fall back to spotipy's
        # defaults), and no connection retries either: the policy lives in `SpotifyApi`.
        adapter = HTTPAdapter(
            max_retries=Retry(total=0, status_forcelist=[], raise_on_status=False)
        )
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.calls += 1
        response = super().request(*args, **kwargs)
        self.last_body = response.content
        return response


class SpotifyApi:
    """A spotipy client under our retry policy; implements the extractor's `Source`.

    Args:
        settings: Credentials, URLs and the Retry-After cap.
        sleep: How to wait (tests pass a recorder).
        jitter: Random factor in [0, 1) for backoff (tests pass a constant).
    """

    name = "spotify"

    def __init__(
        self,
        settings: Settings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.max_retry_after = settings.max_retry_after
        self._sleep = sleep
        self._jitter = jitter
        self.session = _RecordingSession()
        self.auth = make_auth_manager(settings)
        self.client = spotipy.Spotify(
            auth_manager=self.auth,
            requests_session=self.session,
            requests_timeout=30,
            retries=0,
            status_retries=0,
        )
        self.client.prefix = settings.api_url
        self.throttled = 0
        self.waited = 0.0

    @property
    def api_calls(self) -> int:
        """HTTP requests made to the Web API (token refreshes not included)."""
        return self.session.calls

    # ------------------------------------------------------------------ policy
    def _refresh(self) -> None:
        token = self.auth.cache_handler.get_cached_token() or {}
        token["expires_at"] = 0  # make spotipy refresh on the next call
        self.auth.cache_handler.save_token_to_cache(token)

    def _backoff(self, attempt: int) -> float:
        return float(min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt) * (0.5 + self._jitter() / 2))

    def call(
        self,
        what: str,
        fn: Callable[[], Any],
        check: Callable[[dict[str, Any]], str | None] | None = None,
    ) -> Response:
        """Run one API request under the retry policy; return its body as received.

        The body must be a JSON object (spotipy turns an undecodable 200 into None) that
        `check` finds nothing wrong with; otherwise the request is retried like a 5xx.

        Raises:
            BadResponse: The body was still not what the endpoint returns after the retries.
            PlaylistNotFound, PlaylistNotVisible: 404 / 403 (the caller decides).
            QuotaExceeded, RateLimited, ReauthRequired, UserNotRegistered, SourceError:
                reasons to stop the run.
        """
        waits_429 = errors = 0
        refreshed = False
        while True:
            try:
                fn()
                body = self.session.last_body
                problem, data = parse_object(body)
                if problem is None and check is not None:
                    problem = check(data)
                if problem is None:
                    return Response(body, data)
                errors += 1
                if errors > MAX_ERROR_RETRIES:
                    raise BadResponse(f"{what}: {problem} ({MAX_ERROR_RETRIES + 1} tries)")
                self._wait(self._backoff(errors), f"{what}: 200 but {problem}, retrying")
            except SpotifyOauthError as exc:
                if exc.error == "invalid_grant":
                    raise ReauthRequired(
                        "Spotify refused the refresh token (invalid_grant): it expired (tokens "
                        "last 6 months from consent) or was revoked. Run `spotify-pipeline auth` "
                        "and store the new SPOTIFY_REFRESH_TOKEN."
                    ) from None
                if exc.error in ("invalid_client", "unauthorized_client"):
                    raise SourceError(
                        f"Spotify rejected the client credentials ({exc.error}): check "
                        "SPOTIPY_CLIENT_ID and SPOTIPY_CLIENT_SECRET"
                    ) from None
                errors += 1
                if errors > MAX_ERROR_RETRIES:
                    raise SourceError(f"{what}: token endpoint failed: {exc.error}") from None
                self._wait(self._backoff(errors), f"{what}: token endpoint error {exc.error}")
            except spotipy.SpotifyException as exc:
                status = exc.http_status
                message = str(exc.msg).split("\n", 1)[-1].strip()
                if status == 429:
                    if exc.reason == "QUOTA_EXCEEDED":
                        wait = _retry_after(exc.headers)
                        raise QuotaExceeded(
                            "Spotify quota exceeded (429 QUOTA_EXCEEDED): the Development Mode "
                            f"quota is counted per developer account; Retry-After {wait:.0f}s",
                            wait,
                        ) from None
                    self.throttled += 1
                    retry_after = _retry_after(exc.headers)
                    if retry_after > self.max_retry_after:
                        raise RateLimited(
                            f"{what}: Spotify asked to wait {retry_after:.0f}s, above "
                            f"SPOTIFY_MAX_RETRY_AFTER={self.max_retry_after:.0f}s; "
                            "failing so the task is retried later"
                        ) from None
                    waits_429 += 1
                    if waits_429 > MAX_429_WAITS:
                        raise RateLimited(
                            f"{what}: still rate limited after {MAX_429_WAITS} waits"
                        ) from None
                    self._wait(retry_after, f"{what}: 429, Retry-After {retry_after:.0f}s")
                elif status >= 500 or status < 0:
                    errors += 1
                    if errors > MAX_ERROR_RETRIES:
                        raise SourceError(f"{what}: Spotify kept failing with {status}") from None
                    self._wait(self._backoff(errors), f"{what}: {status}, backing off")
                elif status == 401 and not refreshed:
                    refreshed = True
                    log.info("%s: 401 (%s), refreshing the access token once", what, message)
                    self._refresh()
                elif status == 403 and "registered" in message.lower():
                    raise UserNotRegistered(
                        "Spotify says the user may not be registered for this app (403). "
                        "Add the account under 'User Management' in the app's dashboard "
                        "(Development Mode allows 5 users; the app owner needs Premium)."
                    ) from None
                elif status == 403:
                    raise PlaylistNotVisible(f"{what}: 403 {message or 'Forbidden'}") from None
                elif status == 404:
                    raise PlaylistNotFound(f"{what}: 404 {message or 'Not found'}") from None
                else:
                    raise SourceError(f"{what}: HTTP {status}: {message}") from None
            except TRANSIENT as exc:
                errors += 1
                if errors > MAX_ERROR_RETRIES:
                    raise SourceError(
                        f"{what}: cannot reach Spotify: {type(exc).__name__}"
                    ) from None
                self._wait(self._backoff(errors), f"{what}: {type(exc).__name__}, backing off")

    def _wait(self, seconds: float, why: str) -> None:
        log.warning("%s; waiting %.1fs", why, seconds)
        self.waited += seconds
        self._sleep(seconds)

    # ------------------------------------------------------------------ Source
    def me(self) -> Response:
        """GET /me."""
        return self.call("GET /me", self.client.me, object_problem)

    def my_playlists(self) -> list[Response]:
        """Every page of GET /me/playlists (limit 50), each whole as an `/items` page must be
        (its entries, its offset, no early end before `total`).

        Raises:
            IncompleteListing: A page stayed short or broken after the retries; it carries the
                pages read before it.
        """
        pages: list[Response] = []
        offset: int | None = 0
        while offset is not None:
            at = offset
            try:
                page = self.call(
                    f"GET /me/playlists offset {at}",
                    lambda at=at: self.client.current_user_playlists(
                        limit=LISTING_LIMIT, offset=at
                    ),  # type: ignore[misc]
                    lambda data, at=at: page_problem(data, at, LISTING_LIMIT),  # type: ignore[misc]
                )
            except BadResponse as exc:
                raise IncompleteListing(str(exc), pages) from None
            pages.append(page)
            following = next_offset(page.data)
            offset = following if following is not None and following > at else None
        return pages

    def playlist(self, playlist_id: str) -> Response:
        """GET /playlists/{id} (episodes as episodes)."""
        return self.call(
            f"playlist {playlist_id}",
            lambda: self.client.playlist(playlist_id, additional_types=ADDITIONAL_TYPES),
            object_problem,
        )

    def items_page(self, playlist_id: str, offset: int, limit: int) -> Response:
        """GET /playlists/{id}/items (never the removed /tracks)."""
        return self.call(
            f"playlist {playlist_id} items at {offset}",
            lambda: self.client.playlist_items(
                playlist_id, limit=limit, offset=offset, additional_types=ADDITIONAL_TYPES
            ),
            lambda data: page_problem(data, offset, limit),
        )

    def recently_played(self, after_ms: int | None) -> Response:
        """GET /me/player/recently-played?limit=50[&after=]."""
        return self.call(
            "GET /me/player/recently-played",
            lambda: self.client.current_user_recently_played(limit=50, after=after_ms),
            listing_problem,
        )

    def saved_page(self, dataset: str, offset: int, limit: int) -> Response:
        """GET /me/tracks or /me/albums, newest first, each page whole."""
        fetch = {
            "saved_tracks": self.client.current_user_saved_tracks,
            "saved_albums": self.client.current_user_saved_albums,
        }[dataset]
        return self.call(
            f"{dataset} at {offset}",
            lambda: fetch(limit=limit, offset=offset),
            lambda data: page_problem(data, offset, limit),
        )

    def top_items(self, kind: str, time_range: str, limit: int) -> Response:
        """GET /me/top/{tracks|artists}?time_range=&limit= (one page: Spotify ranks 50 here)."""
        fetch = {
            "tracks": self.client.current_user_top_tracks,
            "artists": self.client.current_user_top_artists,
        }[kind]
        return self.call(
            f"top {kind} {time_range}",
            lambda: fetch(limit=limit, offset=0, time_range=time_range),
            listing_problem,
        )


def _retry_after(headers: Any) -> float:
    try:
        return max(0.0, float((headers or {}).get("Retry-After", 1)))
    except (TypeError, ValueError):
        return 1.0
