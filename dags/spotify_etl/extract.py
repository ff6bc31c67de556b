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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from spotify_etl.sources import (
    BadResponse,
    PlaylistNotFound,
    PlaylistNotVisible,
    Source,
    next_offset,
    page_problem,
)
from spotify_transform.layout import (
    CURSOR,
    MANIFEST,
    SWAP_MARKER,
    items_page_name,
    new_staging,
    playlists_root,
    plays_partition,
    plays_root,
    raw_partition,
    staging_name_prefix,
    staging_parent,
)
from spotify_transform.storage import ByteStore, is_s3, join

__all__ = ["MANIFEST", "ExtractRequest", "Listed", "Listing", "extract", "repair", "summary"]

log = logging.getLogger(__name__)
PAGE_LIMIT = 50
COMPLETE = ("ok", "unchanged")
FOLLOWED_MESSAGE = (
    "followed, not owned or collaborative: a Development Mode app may not read it "
    "(name it in SPOTIFY_PLAYLISTS to try anyway)"
)


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


@dataclass(frozen=True)
class Listed:
    """A playlist to read, with the `snapshot_id` its listing gave (None when not listed)."""

    playlist_id: str
    snapshot_id: str | None = None


@dataclass
class Listing:
    """What `GET /me/playlists` said, sorted into what to read and what to skip.

    Attributes:
        read: Playlists the user owns or collaborates on, in listing order, once each.
        skipped: Manifest entries (status `skipped`) of the playlists the user only follows.
        counts: entries listed, null entries, entries with a null id, repeats, followed.
        user_id: The user the listing belongs to.
    """

    read: list[Listed]
    skipped: list[dict[str, Any]]
    counts: dict[str, int]
    user_id: str | None


def sort_listing(pages: list[dict[str, Any]], user_id: str | None) -> Listing:
    """Sort `/me/playlists` pages into playlists to read and followed ones to skip (pure).

    Real listings hold `null` entries and entries whose `id` is null: they are counted, never
    read. With no `user_id`, every listed playlist is read.
    """
    counts = {"listed": 0, "null_entries": 0, "null_ids": 0, "repeated": 0, "followed": 0}
    read: list[Listed] = []
    skipped: list[dict[str, Any]] = []
    seen: set[str] = set()
    for page in pages:
        for item in page.get("items") or []:
            counts["listed"] += 1
            if not isinstance(item, dict):
                counts["null_entries"] += 1
                continue
            pid = item.get("id")
            if not isinstance(pid, str) or not pid:
                counts["null_ids"] += 1
                continue
            if pid in seen:
                counts["repeated"] += 1
                continue
            seen.add(pid)
            snapshot = item.get("snapshot_id") if isinstance(item.get("snapshot_id"), str) else None
            owner: dict[str, Any] = item["owner"] if isinstance(item.get("owner"), dict) else {}
            mine = user_id is None or owner.get("id") == user_id or item.get("collaborative")
            if mine:
                read.append(Listed(pid, snapshot))
            else:
                counts["followed"] += 1
                skipped.append(
                    {
                        "playlist_id": pid,
                        "status": "skipped",
                        "name": item.get("name"),
                        "snapshot_id": snapshot,
                        "owner_id": owner.get("id"),
                        "message": FOLLOWED_MESSAGE,
                        "files": [],
                    }
                )
    return Listing(read, skipped, counts, user_id)


def list_my_playlists(source: Source, known_user_id: str | None = None) -> Listing:
    """`GET /me/playlists` (every page), sorted by `sort_listing`.

    The user's id comes from `known_user_id` (the previous date's manifest) when the listing
    bears it out (the user owns at least one listed playlist, or none is listed), else from one
    `GET /me`.
    """
    pages = [r.data for r in source.my_playlists()]
    owners = {
        (item.get("owner") or {}).get("id")
        for page in pages
        for item in page.get("items") or []
        if isinstance(item, dict) and isinstance(item.get("owner"), dict)
    }
    user_id = known_user_id if known_user_id and (known_user_id in owners or not owners) else None
    if user_id is None:
        user_id = str(source.me().data.get("id") or "") or None
    return sort_listing(pages, user_id)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _leftover_stagings(store: ByteStore, raw_root: str, snapshot_date: str) -> list[str]:
    """Staging folders of `snapshot_date` that earlier, interrupted extracts left behind."""
    parent = staging_parent(raw_root)
    prefix = staging_name_prefix(raw_root, snapshot_date)
    if is_s3(raw_root):
        names = {f[len(parent) + 1 :].split("/", 1)[0] for f in store.list_files(parent)}
        return sorted(join(parent, n) for n in names if n.startswith(prefix))
    return sorted(str(p) for p in Path(parent).glob(f"{prefix}*") if p.is_dir())


def previous_manifest(store: ByteStore, raw_root: str, snapshot_date: str) -> dict[str, Any] | None:
    """The manifest of the latest extracted date before `snapshot_date`, if any."""
    base = playlists_root(raw_root)
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


def _copy_previous(
    writer: _Writer,
    entry: dict[str, Any],
    before: dict[str, Any],
    previous_root: str,
    names: set[str],
) -> None:
    """Copy the previous date's files named in `names` into this date (server-side on S3)."""
    pid = entry["playlist_id"]
    for f in before["files"]:
        if f["name"] in names:
            src = join(previous_root, f"playlist_id={pid}", f["name"])
            writer.store.copy(src, join(writer.staging, f"playlist_id={pid}", f["name"]))
            entry["files"].append(dict(f))


def _extract_playlist(
    source: Source,
    writer: _Writer,
    listed: Listed,
    previous: dict[str, dict[str, Any]],
    previous_root: str | None,
) -> dict[str, Any]:
    """One playlist into staging: `ok` only when every position 0…total−1 landed once."""
    playlist_id = listed.playlist_id
    entry: dict[str, Any] = {"playlist_id": playlist_id, "files": []}
    before = previous.get(playlist_id)
    # The previous date's snapshot of this playlist, when its files can stand for this date.
    kept: str | None = None
    if previous_root is not None and before is not None and before.get("status") in COMPLETE:
        kept = before.get("snapshot_id")
    if kept is not None and listed.snapshot_id == kept:
        # The listing says nothing changed: the previous date's files, without a single call.
        assert before is not None and previous_root is not None
        entry.update(
            name=before.get("name"),
            snapshot_id=kept,
            shape=before.get("shape"),
            item_total=before.get("item_total"),
        )
        _copy_previous(writer, entry, before, previous_root, {f["name"] for f in before["files"]})
        return {**entry, "status": "unchanged", "copied_from": before.get("snapshot_date")}
    try:
        meta = source.playlist(playlist_id)
    except PlaylistNotFound as exc:
        return {**entry, "status": "not_found", "message": str(exc)}
    except PlaylistNotVisible as exc:
        return {**entry, "status": "not_visible", "message": str(exc)}
    except BadResponse as exc:
        return {**entry, "status": "error", "message": str(exc)}
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
    total = contents.get("total") if isinstance(contents, dict) else None
    entry["item_total"] = total
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        return {**entry, "status": "error", "message": "the playlist gives no item total"}

    if kept is not None and kept == entry["snapshot_id"]:
        assert before is not None and previous_root is not None
        pages = {f["name"] for f in before["files"]} - {"playlist.json"}
        _copy_previous(writer, entry, before, previous_root, pages)
        return {**entry, "status": "unchanged", "copied_from": before.get("snapshot_date")}

    if total == 0:  # nothing to page: the playlist object already says it is empty
        return {**entry, "status": "ok", "entries_landed": 0}
    offset: int | None = 0
    landed = 0
    try:
        while offset is not None:
            page = source.items_page(playlist_id, offset, PAGE_LIMIT)
            if offset == 0:
                entry["probe"] = probe(meta.data, page.data)
            problem = page_problem(page.data, offset, PAGE_LIMIT)
            if problem is None and page.data["total"] != total:
                problem = (
                    f"the playlist changed while it was read: total {total}, then "
                    f"{page.data['total']} at offset {offset}"
                )
            if problem is not None:
                return _incomplete(entry, landed, f"items at offset {offset}: {problem}")
            entry["files"].append(writer.put(playlist_id, items_page_name(offset), page.body))
            landed += len(page.data["items"])
            log.info("playlist %s: page at offset %d", playlist_id, offset)
            following = next_offset(page.data)
            if following is not None and following != offset + len(page.data["items"]):
                return _incomplete(
                    entry, landed, f"`next` after offset {offset} points at {following}"
                )
            offset = following
    except PlaylistNotVisible as exc:
        return {**entry, "status": "not_visible", "message": str(exc), "entries_landed": landed}
    except PlaylistNotFound as exc:
        return {**entry, "status": "not_found", "message": str(exc), "entries_landed": landed}
    except BadResponse as exc:
        return _incomplete(entry, landed, str(exc))
    if landed != total:
        return _incomplete(entry, landed, f"{landed} entries landed of {total}")
    return {**entry, "status": "ok", "entries_landed": landed}


def _incomplete(entry: dict[str, Any], landed: int, why: str) -> dict[str, Any]:
    log.warning("playlist %s incomplete: %s", entry["playlist_id"], why)
    return {**entry, "status": "incomplete", "message": why, "entries_landed": landed}


def _commit(store: ByteStore, staging: str, final: str, manifest: bytes, names: list[str]) -> None:
    """Replace the date in `final` by the files in `staging`; the manifest is the commit.

    Each step leaves a state that readers and the next run understand: until the old manifest
    is removed, `final` is the old complete date (the marker `_swap.json` says a swap began);
    from then on, until the new manifest is written, a marker without a manifest says
    "half-replaced" (the transform refuses it; `repair` rolls it forward from staging); once
    the new manifest is there, the date is the new complete one (files it does not list are
    ignored, then removed).
    """
    marker = join(final, SWAP_MARKER)
    store.write(join(staging, MANIFEST), manifest, "application/json")
    store.write(
        marker, orjson.dumps({"staging": staging, "started_at": _now()}), "application/json"
    )
    store.delete([join(final, MANIFEST)])
    for name in names:
        store.copy(join(staging, name), join(final, name))
    store.write(join(final, MANIFEST), manifest, "application/json")
    keep = {*names, MANIFEST}
    base = final.rstrip("/") + "/"
    store.delete(
        [f for f in store.list_files(final) if f.removeprefix(base) not in keep and f != marker]
    )
    store.delete([marker])
    store.delete_prefix(staging)


def repair(store: ByteStore, raw_root: str, snapshot_date: str) -> str | None:
    """Finish a swap that an interrupted extract left half done; say what was found.

    Returns None when the date needs nothing, "rolled forward" when the staging copy named by
    the marker was complete (every file with its manifest's size and sha256) and has been
    committed, and "committed" when the marker outlived a commit that had finished.

    Raises:
        StorageError: The date is half-replaced and its staging copy is gone or damaged: only a
            new extract can rebuild it.
    """
    from spotify_transform.storage import StorageError

    final = raw_partition(raw_root, snapshot_date)
    marker = join(final, SWAP_MARKER)
    if not store.exists(marker):
        return None
    if store.exists(join(final, MANIFEST)):
        store.delete([marker])
        return "committed"
    staging = str(orjson.loads(store.read(marker))["staging"])
    try:
        manifest_bytes = store.read(join(staging, MANIFEST))
        manifest = orjson.loads(manifest_bytes)
        names = _manifest_files(manifest)
        for name, size, digest in names:
            body = store.read(join(staging, name))
            if len(body) != size or hashlib.sha256(body).hexdigest() != digest:
                raise StorageError(f"{join(staging, name)} does not match its manifest")
    except (StorageError, orjson.JSONDecodeError, KeyError) as exc:
        raise StorageError(
            f"raw partition {snapshot_date} is half-replaced ({marker}) and its staging copy "
            f"cannot finish it ({exc}); extract the date again"
        ) from None
    _commit(store, staging, final, manifest_bytes, [n for n, _, _ in names])
    return "rolled forward"


def _manifest_files(manifest: dict[str, Any]) -> list[tuple[str, int, str]]:
    """(path under the date, bytes, sha256) of every file a manifest lists."""
    return [
        (f"playlist_id={p['playlist_id']}/{f['name']}", int(f["bytes"]), str(f["sha256"]))
        for p in manifest["playlists"]
        for f in p["files"]
    ]


def extract(
    store: ByteStore,
    source: Source,
    request: ExtractRequest,
    *,
    list_playlists: Callable[[Source, str | None], Listing] | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Extract one snapshot date and return its manifest.

    Args:
        store: Byte store for the raw zone.
        source: Where responses come from.
        request: Date, raw root, playlists, run ID.
        list_playlists: Resolves `me` (default: `list_my_playlists`, GET /me/playlists).
        progress: Called with a short line per playlist (CLI progress).
    """
    started, t0 = _now(), time.monotonic()
    final = raw_partition(request.raw_root, request.snapshot_date)
    # An earlier extract of this date that stopped mid-way: its leftovers go (this run
    # replaces the whole date anyway), and the manifest says it was found.
    interrupted = store.exists(join(final, SWAP_MARKER))
    for leftover in _leftover_stagings(store, request.raw_root, request.snapshot_date):
        store.delete_prefix(leftover)
    staging = new_staging(request.raw_root, request.snapshot_date)

    prev = previous_manifest(store, request.raw_root, request.snapshot_date)
    prev_root = raw_partition(request.raw_root, prev["snapshot_date"]) if prev else None
    prev_by_id = (
        {p["playlist_id"]: {**p, "snapshot_date": prev["snapshot_date"]} for p in prev["playlists"]}
        if prev
        else {}
    )
    listing: Listing | None = None
    todo = [Listed(pid) for pid in request.playlists]
    if list(request.playlists) == ["me"]:
        known = ((prev or {}).get("listing") or {}).get("user_id")
        listing = (list_playlists or list_my_playlists)(source, known)
        todo = listing.read

    writer = _Writer(store, staging)
    entries: list[dict[str, Any]] = []
    committing = False
    try:
        for n, listed in enumerate(todo, 1):
            result = _extract_playlist(source, writer, listed, prev_by_id, prev_root)
            entries.append(result)
            log.info(
                orjson.dumps(
                    {
                        "event": "playlist_extracted",
                        "playlist_id": listed.playlist_id,
                        "status": result["status"],
                        "files": len(result["files"]),
                        "api_calls": source.api_calls,
                    }
                ).decode()
            )
            if progress:
                progress(
                    f"[{n}/{len(todo)}] {listed.playlist_id} {result['status']}"
                    f" ({len(result['files'])} files)"
                )
        entries += listing.skipped if listing else []
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
            "listing": (
                {"user_id": listing.user_id, **listing.counts} if listing is not None else None
            ),
            "run": {
                "run_id": request.run_id,
                "started_at": started,
                "finished_at": _now(),
                "seconds": round(time.monotonic() - t0, 3),
                "api_calls": source.api_calls,
                "http_429": source.throttled,
                "repaired_interrupted_extract": interrupted,
            },
            "playlists": entries,
        }
        body = orjson.dumps(manifest, option=orjson.OPT_INDENT_2)
        committing = True
        _commit(store, staging, final, body, [n for n, _, _ in _manifest_files(manifest)])
    except BaseException:
        # Before the commit began, the date is untouched: drop the staging copy. After, keep
        # it: `repair` (or the next extract) needs it, and the marker says where it is.
        if not committing:
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
    cursor_uri = join(root, CURSOR)
    cursor: int | None = None
    if store.exists(cursor_uri):
        cursor = int(orjson.loads(store.read(cursor_uri))["after"])
    start = cursor
    folder = plays_partition(raw_root, extracted_date)
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
                # The `played_date` partitions this fetch holds plays of (the transform rebuilds
                # each one from every fetch that holds it, however late it was fetched).
                "played_dates": sorted(
                    {str(i.get("played_at"))[:10] for i in items if isinstance(i, dict)} - {"None"}
                ),
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
        "played_dates": sorted({d for f in fetches for d in f["played_dates"]}),
        "cursor": cursor,
        "gap_warning": run_entry["gap_warning"],
        "api_calls": source.api_calls,
    }
