"""The bundled sample: a week of recorded-style responses that answer like the Web API.

`scripts/make_sample_data.py` generates `sample_data/`; this source serves it for any week.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import orjson

from spotify_etl.spotify import sample_library
from spotify_etl.spotify.responses import PlaylistNotFound, PlaylistNotVisible, Response
from spotify_transform.rawzone import layout

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
        self._library: list[dict[str, Any]] | None = None
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
        path = self._folder(playlist_id) / layout.items_page_name(offset)
        if not path.is_file():
            self.api_calls += 1
            raise PlaylistNotVisible(f"playlist {playlist_id}: 403 Forbidden on /items")
        return self._get(str(path))

    def library_tracks(self) -> list[dict[str, Any]]:
        """The track objects of the week's newest playlists (each once): what the library is
        made of (the same every day, so the library moves only as `sample_library` says)."""
        if self._library is not None:
            return self._library
        seen: dict[str, dict[str, Any]] = {}
        for folder in sorted((self.root / "playlists").iterdir()):
            days = self.timeline["playlists"].get(folder.name)
            version, offset = folder / (days[0] if days else ""), 0
            while (page := version / layout.items_page_name(offset)).is_file():
                offset += 50
                for entry in orjson.loads(self.dated(page.read_bytes())).get("items") or []:
                    track = (entry or {}).get("item") or (entry or {}).get("track") or {}
                    if track.get("type") == "track" and track.get("id"):
                        seen.setdefault(str(track["id"]), track)
        self._library = found = [seen[k] for k in sorted(seen)]
        return found

    def saved_page(self, dataset: str, offset: int, limit: int) -> Response:
        """GET /me/tracks or /me/albums: the sample's library on the day, newest first."""
        self.api_calls += 1
        make = sample_library.liked if dataset == "saved_tracks" else sample_library.saved_albums
        path = "me/tracks" if dataset == "saved_tracks" else "me/albums"
        entries = make(self.library_tracks(), self.day, self.anchor)
        return Response.of(sample_library.page(entries, path, offset, limit))

    def top_items(self, kind: str, time_range: str, limit: int) -> Response:
        """GET /me/top/{kind}: the sample's top list of the day."""
        self.api_calls += 1
        items = sample_library.top(self.library_tracks(), kind, time_range, self.day, limit)
        return Response.of(sample_library.page(items, f"me/top/{kind}", 0, limit))

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


EXPORT_TEMPLATE = "export/my_spotify_data.zip"
EXPORT_ANCHOR = date(2026, 11, 24)  # the week's last day the bundled export is dated for


def _shift_record(record: dict[str, Any], days: int) -> dict[str, Any]:
    out = dict(record)
    if isinstance(out.get("ts"), str):
        moment = datetime.strptime(out["ts"], "%Y-%m-%dT%H:%M:%SZ") + timedelta(days=days)
        out["ts"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(out.get("endTime"), str):
        moment = datetime.strptime(out["endTime"], "%Y-%m-%d %H:%M") + timedelta(days=days)
        out["endTime"] = moment.strftime("%Y-%m-%d %H:%M")
    offline = out.get("offline_timestamp")
    if isinstance(offline, int) and offline > 0:
        out["offline_timestamp"] = offline + days * 86_400 * (1000 if offline >= 10**11 else 1)
    return out


def sample_export(anchor: str | None, folder: Path) -> Path:
    """The bundled data export (`scripts/make_sample_export.py`) dated for the sample week that
    ends on `anchor` (its records shifted by whole days), written into `folder`."""
    import json
    import zipfile

    template = Path(str(resources.files("spotify_etl") / "sample_data" / EXPORT_TEMPLATE))
    days = ((date.fromisoformat(anchor) if anchor else date.today()) - EXPORT_ANCHOR).days
    target = folder / f"my_spotify_data_{(EXPORT_ANCHOR + timedelta(days=days)).isoformat()}.zip"
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(target, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if days and info.filename.endswith(".json") and data.lstrip().startswith(b"["):
                records = [_shift_record(r, days) for r in json.loads(data)]
                data = json.dumps(records, indent=2, ensure_ascii=False).encode()
            dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return target
