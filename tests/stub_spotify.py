"""A stub Spotify Web API + accounts service on 127.0.0.1 (real HTTP) for tests.

It serves response bodies as fixed bytes (by default the bundled sample's, both API shapes),
behaves like the 2026 API (403 on /items of playlists the app may not read, 404 for unknown
playlists, 403 for endpoints removed in 2026), checks bearer tokens, and injects faults on
request: 429 with Retry-After, QUOTA_EXCEEDED, 5xx bursts, expired tokens, invalid_grant. Its
token endpoint checks the client as Spotify's does: `invalid_client` for an unknown client ID
or a wrong secret (Basic auth for the code flow; the ID alone in the form for PKCE).
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from spotify_etl.spotify import sample_library
from spotify_etl.spotify.sample import SampleSource

REMOVED = re.compile(
    r"^/v1/(playlists/[^/]+/tracks|tracks$|albums$|artists$|users/[^/]+/playlists|browse/|"
    r"audio-features|recommendations|artists/[^/]+/top-tracks)"
)

SAMPLE_ANCHOR = "2026-11-24"  # the date the stub serves the sample as (tests.conftest)


@dataclass
class Fault:
    """Answer requests whose path+query matches `match` with `status` (`times` times).

    `raw` sends these bytes as the body instead (e.g. a gateway's HTML page with status 200);
    `cut` promises a whole body, sends its first bytes and closes the connection.
    """

    match: str
    status: int
    body: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1
    raw: bytes | None = None
    cut: bool = False


@dataclass
class StubState:
    """What the stub serves and what it saw."""

    playlists: dict[str, bytes] = field(default_factory=dict)
    pages: dict[tuple[str, int], bytes] = field(default_factory=dict)
    me_pages: dict[int, bytes] = field(default_factory=dict)
    me_profile: bytes = b""
    recently_played: list[bytes] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    client_id: str = "stub-client"
    client_secret: str = "stub-secret"  # pragma: allowlist secret
    refresh_token: str = "refresh-token-1"
    rotate_refresh_token: bool = False
    invalid_grant: bool = False
    expire_token_after: int | None = None
    granted_scope: str = (
        "playlist-read-private playlist-read-collaborative user-read-recently-played "
        "user-library-read user-top-read"
    )
    # The library: Liked Songs and saved albums (entries, newest first), top lists per
    # (kind, time range).
    saved: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    top: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    latency_s: float = 0.0  # added to every API answer (benchmarks: a real network's delay)
    requests: list[str] = field(default_factory=list)
    token_requests: int = 0
    token: str = ""
    _counter: itertools.count = field(default_factory=itertools.count)  # type: ignore[type-arg]

    @classmethod
    def from_sample(cls) -> StubState:
        """Serve the bundled sample source's recorded bodies: its anchor day's state, with its
        dates as the sample answers them for a week that ends on SAMPLE_ANCHOR."""
        state = cls()
        sample = SampleSource(on=SAMPLE_ANCHOR)
        root = sample.root
        for folder in sorted((root / "playlists").iterdir()):
            state.playlists[folder.name] = sample.dated((folder / "playlist.json").read_bytes())
            for page in folder.glob("items-*.json"):
                offset = int(page.stem.split("-")[1])
                state.pages[(folder.name, offset)] = sample.dated(page.read_bytes())
        state.me_pages[0] = (root / "me" / "playlists.json").read_bytes()
        state.me_profile = (root / "me" / "profile.json").read_bytes()
        tracks = sample.library_tracks()
        anchor = sample.anchor
        state.saved["saved_tracks"] = sample_library.liked(tracks, 0, anchor)
        state.saved["saved_albums"] = sample_library.saved_albums(tracks, 0, anchor)
        for kind in ("tracks", "artists"):
            for time_range in ("short_term", "medium_term", "long_term"):
                state.top[kind, time_range] = sample_library.top(tracks, kind, time_range, 0, 50)
        return state

    def change_snapshot(self, playlist_id: str, snapshot_id: str) -> None:
        """A new version of a playlist: its object and its `/me/playlists` entry agree."""
        meta = json.loads(self.playlists[playlist_id])
        meta["snapshot_id"] = snapshot_id
        self.playlists[playlist_id] = json.dumps(meta).encode()
        for offset, body in self.me_pages.items():
            page = json.loads(body)
            for item in page["items"]:
                if isinstance(item, dict) and item.get("id") == playlist_id:
                    item["snapshot_id"] = snapshot_id
            self.me_pages[offset] = json.dumps(page).encode()

    def api_requests(self, prefix: str = "") -> list[str]:
        return [r for r in self.requests if r.startswith(prefix)]


def _error(status: int, message: str, reason: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"status": status, "message": message}
    if reason:
        error["reason"] = reason
    return {"error": error}


class _Handler(BaseHTTPRequestHandler):
    state: StubState
    lock: threading.Lock

    def log_message(self, format: str, *args: Any) -> None:  # silence the default logging
        return

    def _send(
        self, status: int, body: bytes | dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        form = parse_qs(self.rfile.read(length).decode())
        with self.lock:
            s = self.state
            s.token_requests += 1
            if urlparse(self.path).path != "/api/token":
                return self._send(404, {"error": "not_found"})
            refused = self._client_refused(form)
            if refused:
                return self._send(400, {"error": "invalid_client", "error_description": refused})
            if form.get("grant_type") == ["client_credentials"]:  # an app token: no user
                return self._send(
                    200, {"access_token": "app-token", "token_type": "Bearer", "expires_in": 3600}
                )
            if form.get("grant_type") == ["authorization_code"]:
                if form.get("code") != ["good-code"]:
                    return self._send(400, {"error": "invalid_grant"})
                s.token = f"access-{next(s._counter)}"
                s.refresh_token = "fresh-refresh-token"  # what the consent issues is valid
                return self._send(
                    200,
                    {"access_token": s.token, "token_type": "Bearer", "expires_in": 3600,
                     "refresh_token": s.refresh_token, "scope": "playlist-read-private"},
                )  # fmt: skip
            if form.get("grant_type") != ["refresh_token"]:
                return self._send(400, {"error": "unsupported_grant_type"})
            if s.invalid_grant or form.get("refresh_token") != [s.refresh_token]:
                return self._send(
                    400, {"error": "invalid_grant", "error_description": "Refresh token revoked"}
                )
            s.token = f"access-{next(s._counter)}"
            body: dict[str, Any] = {
                "access_token": s.token,
                "token_type": "Bearer",
                "expires_in": 3600,
                "scope": s.granted_scope,
            }
            if s.rotate_refresh_token:
                s.refresh_token = f"{s.refresh_token}-r"
                body["refresh_token"] = s.refresh_token
            self._send(200, body)

    def _client_refused(self, form: dict[str, list[str]]) -> str | None:
        """Why the token endpoint refuses the client (Spotify's wording), or None."""
        basic = self.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
        else:  # PKCE: no secret, the client ID in the form
            client_id, secret = (form.get("client_id") or [""])[0], None
        if client_id != self.state.client_id:
            return "Invalid client"
        if secret is not None and secret != self.state.client_secret:
            return "Invalid client secret"
        return None

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = parse_qs(url.query)
        if self.state.latency_s:
            time.sleep(self.state.latency_s)
        with self.lock:
            s = self.state
            s.requests.append(f"{url.path}?{url.query}" if url.query else url.path)
            if self.headers.get("Authorization") != f"Bearer {s.token}" or not s.token:
                return self._send(401, _error(401, "The access token expired"))
            if s.expire_token_after is not None:
                s.expire_token_after -= 1
                if s.expire_token_after < 0:
                    s.expire_token_after = None
                    s.token = "expired"
                    return self._send(401, _error(401, "The access token expired"))
            for fault in s.faults:
                if fault.times > 0 and re.search(fault.match, self.path):
                    fault.times -= 1
                    if fault.cut:
                        self.send_response(200)
                        self.send_header("Content-Type", "application/json; charset=utf-8")
                        self.send_header("Content-Length", "4096")
                        self.end_headers()
                        self.wfile.write(
                            b'{"href": "cut',
                        )
                        self.close_connection = True
                        return None
                    if fault.raw is not None:
                        return self._send(fault.status, fault.raw, fault.headers)
                    return self._send(
                        fault.status, fault.body or _error(fault.status, "fault"), fault.headers
                    )
            if REMOVED.match(url.path):
                return self._send(403, _error(403, "Forbidden: endpoint removed"))
            offset = int(query.get("offset", ["0"])[0])
            if url.path in ("/v1/me", "/v1/me/"):
                return self._send(200, s.me_profile)
            if url.path == "/v1/me/playlists":
                return (
                    self._send(200, s.me_pages[offset])
                    if offset in s.me_pages
                    else self._send(400, _error(400, "bad offset"))
                )
            library = re.fullmatch(r"/v1/me/(tracks|albums|top/(tracks|artists))", url.path)
            if library:
                return self._library(library.group(1), query, offset)
            if url.path == "/v1/me/player/recently-played":
                body = (
                    s.recently_played.pop(0)
                    if s.recently_played
                    else b'{"items": [], "next": null, "cursors": null, "limit": 50}'
                )
                return self._send(200, body)
            m = re.fullmatch(r"/v1/playlists/([^/]+)(/items)?", url.path)
            if not m or m.group(1) not in s.playlists:
                return self._send(404, _error(404, "Resource not found"))
            if m.group(2) is None:
                return self._send(200, s.playlists[m.group(1)])
            if query.get("limit") != ["50"]:
                return self._send(400, _error(400, "Invalid limit"))
            page = s.pages.get((m.group(1), offset))
            if page is None:
                return self._send(403, _error(403, "Forbidden"))
            return self._send(200, page)

    def _library(self, what: str, query: dict[str, list[str]], offset: int) -> None:
        """GET /me/tracks, /me/albums, /me/top/{kind}: 403 without the scope, as Spotify."""
        s = self.state
        scope = "user-top-read" if what.startswith("top/") else "user-library-read"
        if scope not in s.granted_scope.split():
            return self._send(403, _error(403, "Insufficient client scope"))
        limit = int(query.get("limit", ["20"])[0])
        if not 1 <= limit <= 50:
            return self._send(400, _error(400, "Invalid limit"))
        if what.startswith("top/"):
            time_range = query.get("time_range", ["medium_term"])[0]
            items = s.top.get((what[4:], time_range), [])
            return self._send(200, sample_library.page(items, f"me/{what}", offset, limit))
        entries = s.saved.get("saved_tracks" if what == "tracks" else "saved_albums", [])
        return self._send(200, sample_library.page(entries, f"me/{what}", offset, limit))


class StubSpotify:
    """Run the stub on a free port of 127.0.0.1 in a background thread."""

    def __init__(self, state: StubState | None = None) -> None:
        self.state = state or StubState.from_sample()
        handler = type("Handler", (_Handler,), {"state": self.state, "lock": threading.Lock()})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def env(self) -> dict[str, str]:
        """Settings that point spotify-pipeline at this stub."""
        return {
            "SPOTIFY_PIPELINE_SOURCE": "spotify",
            "SPOTIFY_API_URL": f"{self.base}/v1/",
            "SPOTIFY_ACCOUNTS_URL": f"{self.base}/",
            "SPOTIPY_CLIENT_ID": self.state.client_id,
            "SPOTIPY_CLIENT_SECRET": self.state.client_secret,
            "SPOTIFY_REFRESH_TOKEN": self.state.refresh_token,
        }

    def __enter__(self) -> StubSpotify:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def bodies(root: Path) -> dict[str, bytes]:
    """Every response file under a raw partition, by relative path (manifest excluded)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*.json"))
        if p.name != "_manifest.json"
    }
