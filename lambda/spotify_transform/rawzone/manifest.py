"""A snapshot date's manifest as typed, frozen records, with its one reader and one writer.

The manifest is the date's commit (written last by `commit`): every file of the date with its
size and sha256, each playlist's status, the listing and the run. The listening history's
records are in `listening`. Nothing outside this package parses a manifest: extractors build
records, the transform, the pipeline and the report read them here. Standard library only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from spotify_transform.rawzone import layout

# A playlist whose contents landed whole: exactly `item_total` entries, positions 0…total−1.
COMPLETE_STATUSES = ("ok", "unchanged")


class ManifestError(ValueError):
    """A manifest file that is not one; the message names it."""


class Store(Protocol):
    """What reading and writing manifests needs of a byte store."""

    def read(self, uri: str) -> bytes: ...
    def exists(self, uri: str) -> bool: ...
    def list_dirs(self, prefix: str) -> list[str]: ...
    def write(self, uri: str, data: bytes, content_type: str = ...) -> None: ...


def dumps(value: Any) -> bytes:
    """A manifest's bytes: indented UTF-8 JSON."""
    return json.dumps(value, indent=2, ensure_ascii=False).encode()


def loads(data: bytes, where: str) -> dict[str, Any]:
    """A manifest file's JSON object; anything else raises `ManifestError` naming `where`."""
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{where} is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ManifestError(f"{where} is not a JSON object")
    return value


def _compact(pairs: Mapping[str, Any]) -> dict[str, Any]:
    """The pairs whose value is not None (optional fields are left out when unknown)."""
    return {k: v for k, v in pairs.items() if v is not None}


# ---------------------------------------------------------------------------- snapshot
@dataclass(frozen=True)
class FileRecord:
    """One response file as the manifest lists it."""

    name: str
    size: int
    sha256: str

    @classmethod
    def of(cls, name: str, body: bytes) -> FileRecord:
        """The record of `body` stored as `name`."""
        return cls(name, len(body), hashlib.sha256(body).hexdigest())

    def matches(self, body: bytes) -> bool:
        """Whether `body` is this file (size and sha256)."""
        return len(body) == self.size and hashlib.sha256(body).hexdigest() == self.sha256

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "bytes": self.size, "sha256": self.sha256}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> FileRecord:
        return cls(str(raw["name"]), int(raw["bytes"]), str(raw["sha256"]))


@dataclass(frozen=True)
class PlaylistRecord:
    """One playlist of a snapshot date: its status, what landed and why.

    Attributes:
        playlist_id: The playlist.
        status: ok, unchanged (copied from `copied_from`), not_visible, not_found, incomplete,
            error or skipped (followed, never requested).
        files: The response files that landed, in order.
        name, snapshot_id, shape, item_total: What the playlist object said.
        message: Why it is not complete.
        entries_landed: Entries stored (a complete playlist: `item_total`).
        copied_from: The date whose files an unchanged playlist copied.
        owner_id: The owner of a skipped (followed) playlist.
        copied_metadata: Its `playlist.json` too was copied (no call: the listing showed the
            same snapshot), so its name, owner and visibility are taken from today's listing.
    """

    playlist_id: str
    status: str
    files: tuple[FileRecord, ...] = ()
    name: str | None = None
    snapshot_id: str | None = None
    shape: str | None = None
    item_total: int | None = None
    message: str | None = None
    entries_landed: int | None = None
    copied_from: str | None = None
    owner_id: str | None = None
    copied_metadata: bool = False

    @property
    def complete(self) -> bool:
        """Every position landed: its contents may be presented as the playlist."""
        return self.status in COMPLETE_STATUSES

    @property
    def has_metadata(self) -> bool:
        """Its `playlist.json` landed (it has a `playlists` row)."""
        return any(f.name == layout.PLAYLIST_FILE for f in self.files)

    def paths(self) -> list[tuple[str, FileRecord]]:
        """(path relative to the date folder, record) of each of its files."""
        return [(layout.playlist_file_name(self.playlist_id, f.name), f) for f in self.files]

    def to_dict(self) -> dict[str, Any]:
        return _compact(
            {
                "playlist_id": self.playlist_id,
                "status": self.status,
                "name": self.name,
                "snapshot_id": self.snapshot_id,
                "shape": self.shape,
                "item_total": self.item_total,
                "owner_id": self.owner_id,
                "message": self.message,
                "entries_landed": self.entries_landed,
                "copied_from": self.copied_from,
                "copied_metadata": self.copied_metadata or None,
            }
        ) | {"files": [f.to_dict() for f in self.files]}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> PlaylistRecord:
        def opt_int(key: str) -> int | None:
            value = raw.get(key)
            return value if isinstance(value, int) and not isinstance(value, bool) else None

        def opt_str(key: str) -> str | None:
            value = raw.get(key)
            return None if value is None else str(value)

        return cls(
            playlist_id=str(raw["playlist_id"]),
            status=str(raw["status"]),
            files=tuple(FileRecord.from_dict(f) for f in raw.get("files") or []),
            name=opt_str("name"),
            snapshot_id=opt_str("snapshot_id"),
            shape=opt_str("shape"),
            item_total=opt_int("item_total"),
            message=opt_str("message"),
            entries_landed=opt_int("entries_landed"),
            copied_from=opt_str("copied_from"),
            owner_id=opt_str("owner_id"),
            copied_metadata=bool(raw.get("copied_metadata", False)),
        )


@dataclass(frozen=True)
class RunRecord:
    """The extract run that made a snapshot date."""

    run_id: str
    started_at: str
    finished_at: str
    seconds: float
    api_calls: int
    http_429: int
    repaired_interrupted_extract: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "seconds": self.seconds,
            "api_calls": self.api_calls,
            "http_429": self.http_429,
            "repaired_interrupted_extract": self.repaired_interrupted_extract,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> RunRecord:
        return cls(
            run_id=str(raw.get("run_id", "")),
            started_at=str(raw.get("started_at", "")),
            finished_at=str(raw.get("finished_at", "")),
            seconds=float(raw.get("seconds", 0) or 0),
            api_calls=int(raw.get("api_calls", 0) or 0),
            http_429=int(raw.get("http_429", 0) or 0),
            repaired_interrupted_extract=bool(raw.get("repaired_interrupted_extract", False)),
        )


@dataclass(frozen=True)
class ListingRecord:
    """What `GET /me/playlists` held: the user; entries listed, null entries, entries with a
    null id, repeats and followed playlists; its pages as stored; whether it was read whole
    (`message` says why not)."""

    user_id: str | None
    counts: Mapping[str, int] = field(default_factory=dict)
    files: tuple[FileRecord, ...] = ()
    complete: bool = True
    message: str | None = None

    def paths(self) -> list[tuple[str, FileRecord]]:
        """(path relative to the date folder, record) of the stored listing pages."""
        return [(layout.listing_file_name(f.name), f) for f in self.files]

    def to_dict(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            **self.counts,
            "complete": self.complete,
            "message": self.message,
            "files": [f.to_dict() for f in self.files],
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> ListingRecord:
        counts = {
            k: int(v)
            for k, v in raw.items()
            if k not in ("user_id", "complete") and isinstance(v, int) and not isinstance(v, bool)
        }
        user = raw.get("user_id")
        return cls(
            None if user is None else str(user),
            counts,
            tuple(FileRecord.from_dict(f) for f in raw.get("files") or []),
            bool(raw.get("complete", True)),
            None if raw.get("message") is None else str(raw["message"]),
        )


@dataclass(frozen=True)
class SnapshotManifest:
    """The commit of one snapshot date's playlists.

    Attributes:
        snapshot_date: The date partition.
        source: sample or spotify.
        playlists: Every playlist of the date, in extraction order, then the skipped ones.
        run: The extract run.
        statuses: Playlists per status.
        api_shape: Playlists per API shape seen (2026, legacy).
        capabilities: What the first readable playlist showed of the optional fields.
        listing: The `/me/playlists` listing, when `me` was extracted.
    """

    snapshot_date: str
    source: str
    playlists: tuple[PlaylistRecord, ...]
    run: RunRecord
    statuses: Mapping[str, int] = field(default_factory=dict)
    api_shape: Mapping[str, int] = field(default_factory=dict)
    capabilities: Mapping[str, Any] | None = None
    listing: ListingRecord | None = None

    @classmethod
    def build(
        cls,
        snapshot_date: str,
        source: str,
        playlists: Sequence[PlaylistRecord],
        run: RunRecord,
        capabilities: Mapping[str, Any] | None = None,
        listing: ListingRecord | None = None,
    ) -> SnapshotManifest:
        """A manifest whose status and shape counts are those of `playlists`."""
        statuses: dict[str, int] = {}
        shapes: dict[str, int] = {}
        for p in playlists:
            statuses[p.status] = statuses.get(p.status, 0) + 1
            if p.shape:
                shapes[p.shape] = shapes.get(p.shape, 0) + 1
        return cls(
            snapshot_date, source, tuple(playlists), run, statuses, shapes, capabilities, listing
        )

    def files(self) -> list[tuple[str, FileRecord]]:
        """(path relative to the date folder, record) of every file the date holds."""
        listing = self.listing.paths() if self.listing is not None else []
        return [*listing, *(item for p in self.playlists for item in p.paths())]

    def by_id(self) -> dict[str, PlaylistRecord]:
        """The playlists by ID."""
        return {p.playlist_id: p for p in self.playlists}

    @property
    def playlists_with_metadata(self) -> int:
        """`playlist.json` files landed: the rows the `playlists` table must have."""
        return sum(p.has_metadata for p in self.playlists)

    def to_json(self) -> bytes:
        """The manifest file's bytes (the one writer)."""
        return dumps(
            {
                "snapshot_date": self.snapshot_date,
                "source": self.source,
                "api_shape": dict(self.api_shape),
                "capabilities": None if self.capabilities is None else dict(self.capabilities),
                "statuses": dict(self.statuses),
                "listing": None if self.listing is None else self.listing.to_dict(),
                "run": self.run.to_dict(),
                "playlists": [p.to_dict() for p in self.playlists],
            }
        )

    @classmethod
    def from_json(cls, data: bytes, where: str = "manifest") -> SnapshotManifest:
        """Parse a manifest file (the one reader).

        Raises:
            ManifestError: It is not a snapshot manifest; the message names `where`.
        """
        raw = loads(data, where)
        try:
            listing = raw.get("listing")
            return cls(
                snapshot_date=str(raw["snapshot_date"]),
                source=str(raw.get("source", "")),
                playlists=tuple(PlaylistRecord.from_dict(p) for p in raw["playlists"]),
                run=RunRecord.from_dict(raw.get("run") or {}),
                statuses={str(k): int(v) for k, v in (raw.get("statuses") or {}).items()},
                api_shape={str(k): int(v) for k, v in (raw.get("api_shape") or {}).items()},
                capabilities=raw.get("capabilities"),
                listing=ListingRecord.from_dict(listing) if isinstance(listing, dict) else None,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ManifestError(f"{where} is not a snapshot manifest: {exc!r}") from None


def snapshot_identity(store: Store, raw_root: str, snapshot_date: str) -> str:
    """Which committed version of a date this is: the sha256 of its manifest ("" for none)."""
    uri = layout.manifest_file(layout.raw_partition(raw_root, snapshot_date))
    return hashlib.sha256(store.read(uri)).hexdigest() if store.exists(uri) else ""


def snapshot_dates(store: Store, raw_root: str) -> list[str]:
    """Every snapshot date with a committed manifest, oldest first."""
    folders = store.list_dirs(layout.playlists_root(raw_root))
    dates = sorted(d for f in folders if (d := layout.date_of_folder(f, "snapshot_date")))
    partition = layout.raw_partition
    return [d for d in dates if store.exists(layout.manifest_file(partition(raw_root, d)))]


def read_snapshot(store: Store, raw_root: str, snapshot_date: str) -> SnapshotManifest | None:
    """The committed manifest of a snapshot date, or None when the date has none."""
    uri = layout.manifest_file(layout.raw_partition(raw_root, snapshot_date))
    if not store.exists(uri):
        return None
    return SnapshotManifest.from_json(store.read(uri), uri)
