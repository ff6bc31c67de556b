"""Extract playlists into the raw zone: response bodies byte for byte, plus a manifest.

Layout (DESIGN §3):

    <raw>/spotify/playlists/snapshot_date=D/playlist_id=<id>/playlist.json
    <raw>/spotify/playlists/snapshot_date=D/playlist_id=<id>/items-<offset:06d>.json
    <raw>/spotify/playlists/snapshot_date=D/_manifest.json

The new set is written to a staging folder and replaces the date's folder only once complete.
A playlist whose `snapshot_id` equals the previous date's gets that date's pages copied instead
of calling `/items` again, so every date partition is complete on its own.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from spotify_etl.sources import (
    PlaylistNotFound,
    PlaylistNotVisible,
    Source,
    me_playlist_ids,
    next_offset,
)
from spotify_transform.storage import ByteStore, is_s3, join
from spotify_transform.transform import raw_partition

log = logging.getLogger(__name__)
PAGE_LIMIT = 50
MANIFEST = "_manifest.json"


@dataclass(frozen=True)
class ExtractRequest:
    """What to extract.

    Attributes:
        snapshot_date: The date partition (YYYY-MM-DD) derived from the run's logical date.
        raw_root: Root of the raw zone.
        playlists: Playlist IDs, or ("me",) for all of the user's playlists.
        run_id: The orchestrator's run ID, recorded in the manifest.
    """

    snapshot_date: str
    raw_root: str
    playlists: tuple[str, ...]
    run_id: str = "manual"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _staging(raw_root: str, snapshot_date: str) -> str:
    name = f"snapshot_date={snapshot_date}-{uuid.uuid4().hex[:12]}"
    if is_s3(raw_root):
        return join(raw_root, "spotify", "_staging", name)
    return join(raw_root, "spotify", "playlists", f".staging-{name}")


def previous_manifest(store: ByteStore, raw_root: str, snapshot_date: str) -> dict[str, Any] | None:
    """The manifest of the latest extracted date before `snapshot_date`, if any."""
    base = join(raw_root, "spotify", "playlists")
    dates = [
        d.split("=", 1)[1]
        for d in store.list_dirs(base)
        if d.startswith("snapshot_date=") and d.split("=", 1)[1] < snapshot_date
    ]
    for day in reversed(dates):
        uri = join(raw_partition(raw_root, day), MANIFEST)
        if store.exists(uri):
            manifest: dict[str, Any] = orjson.loads(store.read(uri))
            return manifest
    return None


def _shape(data: dict[str, Any]) -> str | None:
    """'2026' when contents sit under `items`, 'legacy' under `tracks`, None when hidden."""
    if data.get("items") is not None:
        return "2026"
    if data.get("tracks") is not None:
        return "legacy"
    return None


OPTIONAL_FIELDS = {
    "track.popularity": ("popularity",),
    "track.available_markets": ("available_markets",),
    "track.external_ids": ("external_ids",),
    "track.linked_from": ("linked_from",),
    "track.is_playable": ("is_playable",),
    "album.label": ("album", "label"),
    "album.popularity": ("album", "popularity"),
    "album.available_markets": ("album", "available_markets"),
}


def probe(meta: dict[str, Any], page: dict[str, Any] | None) -> dict[str, Any]:
    """What this app sees: the API shape and which optional (2026-removable) fields come back.

    Pure: looks at one playlist response and one of its /items pages (the first track).
    """
    shape = _shape(meta)
    fields: dict[str, bool] = {"playlist.followers": "followers" in meta}
    entries = (page or {}).get("items") or []
    track = next(
        (
            obj
            for e in entries
            if isinstance(e, dict)
            and isinstance(obj := e.get("item") or e.get("track"), dict)
            and obj.get("type") == "track"
            and not obj.get("is_local")
        ),
        None,
    )
    if track is not None:
        for name, path in OPTIONAL_FIELDS.items():
            node: Any = track
            for key in path[:-1]:
                node = node.get(key) if isinstance(node, dict) else None
            fields[name] = isinstance(node, dict) and path[-1] in node
        fields["entry.item"] = any(isinstance(e, dict) and "item" in e for e in entries)
        fields["entry.track"] = any(isinstance(e, dict) and "track" in e for e in entries)
    return {"shape": shape, "fields": fields}


class _Writer:
    """Writes response bodies into the staging folder and records them for the manifest."""

    def __init__(self, store: ByteStore, staging: str) -> None:
        self.store = store
        self.staging = staging

    def put(self, playlist_id: str, name: str, body: bytes) -> dict[str, Any]:
        self.store.write(
            join(self.staging, f"playlist_id={playlist_id}", name), body, "application/json"
        )
        return {"name": name, "bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}


def _extract_playlist(
    source: Source,
    writer: _Writer,
    playlist_id: str,
    previous: dict[str, dict[str, Any]],
    previous_root: str | None,
) -> dict[str, Any]:
    entry: dict[str, Any] = {"playlist_id": playlist_id, "files": []}
    try:
        meta = source.playlist(playlist_id)
    except PlaylistNotFound as exc:
        return {**entry, "status": "not_found", "message": str(exc)}
    except PlaylistNotVisible as exc:
        return {**entry, "status": "not_visible", "message": str(exc)}
    shape = _shape(meta.data)
    entry.update(
        name=meta.data.get("name"),
        snapshot_id=meta.data.get("snapshot_id"),
        shape=shape,
    )
    entry["files"].append(writer.put(playlist_id, "playlist.json", meta.body))
    if shape is None:  # no contents key: hidden, which is not the same as empty
        return {**entry, "status": "not_visible", "message": "contents not visible to this app"}
    contents = meta.data["items" if shape == "2026" else "tracks"]
    entry["item_total"] = contents.get("total")

    before = previous.get(playlist_id)
    if (
        previous_root is not None
        and before is not None
        and before.get("status") in ("ok", "unchanged")
        and before.get("snapshot_id") == entry["snapshot_id"]
    ):
        for f in before["files"]:
            if f["name"] == "playlist.json":
                continue
            src = join(previous_root, f"playlist_id={playlist_id}", f["name"])
            writer.store.copy(src, join(writer.staging, f"playlist_id={playlist_id}", f["name"]))
            entry["files"].append(dict(f))
        return {**entry, "status": "unchanged", "copied_from": before.get("snapshot_date")}

    offset: int | None = 0
    try:
        while offset is not None:
            page = source.items_page(playlist_id, offset, PAGE_LIMIT)
            if offset == 0:
                entry["probe"] = probe(meta.data, page.data)
            entry["files"].append(writer.put(playlist_id, f"items-{offset:06d}.json", page.body))
            log.info("playlist %s: page at offset %d", playlist_id, offset)
            following = next_offset(page.data)
            if following is not None and following <= offset:
                raise ValueError(f"`next` does not advance past offset {offset}")
            offset = following
    except PlaylistNotVisible as exc:
        return {**entry, "status": "not_visible", "message": str(exc)}
    except PlaylistNotFound as exc:
        return {**entry, "status": "not_found", "message": str(exc)}
    except (ValueError, KeyError, orjson.JSONDecodeError) as exc:
        return {**entry, "status": "error", "message": f"bad page: {exc}"}
    return {**entry, "status": "ok"}


def extract(
    store: ByteStore,
    source: Source,
    request: ExtractRequest,
    *,
    list_my_playlists: Callable[[Source], list[str]] | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Extract one snapshot date and return its manifest.

    Args:
        store: Byte store for the raw zone.
        source: Where responses come from.
        request: Date, raw root, playlists, run ID.
        list_my_playlists: Resolves `me` to playlist IDs (default: GET /me/playlists).
        progress: Called with a short line per playlist (CLI progress).
    """
    started, t0 = _now(), time.monotonic()
    final = raw_partition(request.raw_root, request.snapshot_date)
    staging = _staging(request.raw_root, request.snapshot_date)
    ids = list(request.playlists)
    if ids == ["me"]:
        ids = (list_my_playlists or me_playlist_ids)(source)

    prev = previous_manifest(store, request.raw_root, request.snapshot_date)
    prev_root = raw_partition(request.raw_root, prev["snapshot_date"]) if prev else None
    prev_by_id = (
        {p["playlist_id"]: {**p, "snapshot_date": prev["snapshot_date"]} for p in prev["playlists"]}
        if prev
        else {}
    )

    writer = _Writer(store, staging)
    entries = []
    try:
        for n, playlist_id in enumerate(ids, 1):
            result = _extract_playlist(source, writer, playlist_id, prev_by_id, prev_root)
            entries.append(result)
            log.info(
                orjson.dumps(
                    {
                        "event": "playlist_extracted",
                        "playlist_id": playlist_id,
                        "status": result["status"],
                        "files": len(result["files"]),
                        "api_calls": source.api_calls,
                    }
                ).decode()
            )
            if progress:
                progress(
                    f"[{n}/{len(ids)}] {playlist_id} {result['status']}"
                    f" ({len(result['files'])} files)"
                )
        statuses: dict[str, int] = {}
        shapes: dict[str, int] = {}
        for e in entries:
            statuses[e["status"]] = statuses.get(e["status"], 0) + 1
            if e.get("shape"):
                shapes[e["shape"]] = shapes.get(e["shape"], 0) + 1
        probes = [e.pop("probe") for e in entries if "probe" in e]
        manifest = {
            "snapshot_date": request.snapshot_date,
            "source": source.name,
            "api_shape": shapes,
            # The capability probe: what the first playlist whose contents were read showed.
            "capabilities": probes[0] if probes else None,
            "statuses": statuses,
            "run": {
                "run_id": request.run_id,
                "started_at": started,
                "finished_at": _now(),
                "seconds": round(time.monotonic() - t0, 3),
                "api_calls": source.api_calls,
                "http_429": source.throttled,
            },
            "playlists": entries,
        }
        store.write(
            join(staging, MANIFEST),
            orjson.dumps(manifest, option=orjson.OPT_INDENT_2),
            "application/json",
        )
        store.replace_prefix(staging, final)
    except BaseException:
        store.delete_prefix(staging)
        raise
    return manifest


def summary(manifest: dict[str, Any], raw_root: str) -> dict[str, Any]:
    """The small XCom-sized view of a manifest."""
    return {
        "snapshot_date": manifest["snapshot_date"],
        "raw_uri": raw_partition(raw_root, manifest["snapshot_date"]),
        "playlists": len(manifest["playlists"]),
        # playlist.json files landed: the rows the playlists table must have for this date
        "playlists_with_metadata": sum(
            any(f["name"] == "playlist.json" for f in p["files"]) for p in manifest["playlists"]
        ),
        "statuses": manifest["statuses"],
        "api_calls": manifest["run"]["api_calls"],
        "http_429": manifest["run"]["http_429"],
    }


PLAYS_PAGE_LIMIT = 50
MAX_PLAYS_PAGES = 20


def plays_root(raw_root: str) -> str:
    """The raw zone folder of the listening history."""
    return join(raw_root, "spotify", "recently_played")


def _played_ms(items: list[dict[str, Any]]) -> list[int]:
    out = []
    for item in items:
        try:
            stamp = str(item["played_at"]).replace("Z", "+00:00")
            out.append(int(datetime.fromisoformat(stamp).timestamp() * 1000))
        except (KeyError, TypeError, ValueError):
            continue
    return out


def extract_recently_played(
    store: ByteStore, source: Source, raw_root: str, extracted_date: str, run_id: str = "manual"
) -> dict[str, Any]:
    """Fetch plays newer than the stored cursor into `recently_played/extracted_date=D/`.

    Spotify keeps only the last 50 plays, so the hourly run pages forward from the `after`
    cursor of the last successful run. The cursor lives in the raw zone (`_cursor.json`) and is
    moved only after the fetched bodies are stored, so a failed run starts again from the same
    point. Each body is stored as `<cursor>.json` (the cursor it was fetched with), exactly as
    received. A full page whose oldest play is newer than the cursor means plays may have been
    missed in between: the run's manifest entry records a gap warning.
    """
    root = plays_root(raw_root)
    cursor_uri = join(root, "_cursor.json")
    cursor: int | None = None
    if store.exists(cursor_uri):
        cursor = int(orjson.loads(store.read(cursor_uri))["after"])
    start = cursor
    folder = join(root, f"extracted_date={extracted_date}")
    fetches: list[dict[str, Any]] = []
    for _ in range(MAX_PLAYS_PAGES):
        response = source.recently_played(cursor)
        name = f"{cursor or 0:013d}.json"
        store.write(join(folder, name), response.body, "application/json")
        items = list(response.data.get("items") or [])
        played = _played_ms(items)
        gap = bool(cursor is not None and len(items) >= PLAYS_PAGE_LIMIT and min(played) > cursor)
        fetches.append(
            {
                "file": name,
                "after": cursor,
                "plays": len(items),
                "bytes": len(response.body),
                "sha256": hashlib.sha256(response.body).hexdigest(),
                "gap_warning": gap,
            }
        )
        if gap:
            log.warning(
                "recently played: plays between %s and %s may be missing", cursor, min(played)
            )
        newest = max(played, default=None)
        if newest is None or (cursor is not None and newest <= cursor):
            break
        cursor = newest
        if len(items) < PLAYS_PAGE_LIMIT:
            break
    manifest_uri = join(folder, MANIFEST)
    manifest: dict[str, Any] = (
        orjson.loads(store.read(manifest_uri))
        if store.exists(manifest_uri)
        else {"extracted_date": extracted_date, "source": source.name, "runs": []}
    )
    run_entry = {
        "run_id": run_id,
        "at": _now(),
        "cursor_before": start,
        "cursor_after": cursor,
        "fetches": fetches,
        "gap_warning": any(f["gap_warning"] for f in fetches),
        "api_calls": source.api_calls,
        "http_429": source.throttled,
    }
    manifest["runs"].append(run_entry)
    store.write(
        manifest_uri, orjson.dumps(manifest, option=orjson.OPT_INDENT_2), "application/json"
    )
    if cursor is not None and cursor != start:
        store.write(cursor_uri, orjson.dumps({"after": cursor, "updated_at": _now()}))
    return {
        "extracted_date": extracted_date,
        "raw_uri": folder,
        "plays": sum(f["plays"] for f in fetches),
        "cursor": cursor,
        "gap_warning": run_entry["gap_warning"],
        "api_calls": source.api_calls,
    }
