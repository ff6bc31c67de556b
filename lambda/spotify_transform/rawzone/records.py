"""The records a snapshot date's manifest is made of (typed, frozen, each with its own dict
form): a response file, a playlist, a library dataset, the listing, the run and its call budget.
`manifest` assembles them into the date's commit. Standard library only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from spotify_transform.rawzone import layout

# A playlist or library dataset whose contents landed whole: every position, once.
COMPLETE_STATUSES = ("ok", "unchanged")


def _compact(pairs: Mapping[str, Any]) -> dict[str, Any]:
    """The pairs whose value is not None (optional fields are left out when unknown)."""
    return {k: v for k, v in pairs.items() if v is not None}


def _opt_int(raw: Mapping[str, Any], key: str) -> int | None:
    value = raw.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _opt_str(raw: Mapping[str, Any], key: str) -> str | None:
    value = raw.get(key)
    return None if value is None else str(value)


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
        resume_at: A `deferred` playlist (the call budget or Spotify's quota ran out): when
            calls are possible again (UTC ISO time). Its landed files stay listed, and the next
            extract of the same snapshot continues from them.
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
    resume_at: str | None = None

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
                "resume_at": self.resume_at,
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
            resume_at=opt_str("resume_at"),
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
class LibraryRecord:
    """One library dataset of a snapshot date (`saved_tracks`, `saved_albums`, `top_items`).

    Attributes:
        dataset: Which one.
        status: ok, unchanged (its files copied from `copied_from`: one call showed the same
            first page and total), incomplete (pages disagreed, or a bad answer), deferred
            (the call budget or the quota ran out: `resume_at`), forbidden (the token lacks
            `scope`) or error.
        files: The response files that landed, in order (pages newest first; for top_items
            one file per kind and time range).
        total: The total Spotify gave (saved tracks, saved albums); None for top_items.
        message: Why it is not complete.
        copied_from: The date whose files an unchanged dataset copied.
        resume_at: When a deferred dataset can continue (UTC ISO time).
        scope: The OAuth scope a forbidden dataset needs.
        offsets: For saved tracks and albums whose previous pages were carried over (new likes
            on top of an otherwise unchanged library): the position of each file's first
            entry in this date's list. Entries are read file by file at offset + index, and a
            position already filled by an earlier file is not read again. Empty: each file's
            position is its name's (`page-000050.json` starts at 50).
    """

    dataset: str
    status: str
    files: tuple[FileRecord, ...] = ()
    total: int | None = None
    message: str | None = None
    copied_from: str | None = None
    resume_at: str | None = None
    scope: str | None = None
    offsets: tuple[int, ...] = ()

    @property
    def complete(self) -> bool:
        """Every item landed once: its rows may be presented as the library."""
        return self.status in COMPLETE_STATUSES

    def paths(self) -> list[tuple[str, FileRecord]]:
        """(path relative to the date folder, record) of each of its files."""
        return [(layout.library_file_name(self.dataset, f.name), f) for f in self.files]

    def to_dict(self) -> dict[str, Any]:
        return _compact(
            {
                "dataset": self.dataset,
                "status": self.status,
                "total": self.total,
                "message": self.message,
                "copied_from": self.copied_from,
                "resume_at": self.resume_at,
                "scope": self.scope,
                "offsets": list(self.offsets) or None,
            }
        ) | {"files": [f.to_dict() for f in self.files]}

    def file_offsets(self) -> list[int]:
        """The position of each file's first entry in the date's list."""
        if self.offsets:
            return list(self.offsets)
        return [layout.library_page_offset(f.name) or 0 for f in self.files]

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> LibraryRecord:
        return cls(
            dataset=str(raw["dataset"]),
            status=str(raw["status"]),
            files=tuple(FileRecord.from_dict(f) for f in raw.get("files") or []),
            total=_opt_int(raw, "total"),
            message=_opt_str(raw, "message"),
            copied_from=_opt_str(raw, "copied_from"),
            resume_at=_opt_str(raw, "resume_at"),
            scope=_opt_str(raw, "scope"),
            offsets=tuple(int(o) for o in raw.get("offsets") or ()),
        )


@dataclass(frozen=True)
class BudgetRecord:
    """What the extract could spend and what it left: the rolling-24-hour call budget.

    Attributes:
        limit: SPOTIFY_DAILY_CALL_BUDGET.
        available: Calls left in the rolling window when the extract began.
        spent: Calls the extract made.
        deferred: Playlists and library datasets left `deferred`.
        resume_at: When the next deferred work can be done (UTC ISO time).
        quota_exceeded: Spotify answered QUOTA_EXCEEDED (its Retry-After gives `resume_at`).
    """

    limit: int
    available: int
    spent: int
    deferred: int = 0
    resume_at: str | None = None
    quota_exceeded: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "limit": self.limit,
            "available": self.available,
            "spent": self.spent,
            "deferred": self.deferred,
            "resume_at": self.resume_at,
            "quota_exceeded": self.quota_exceeded,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> BudgetRecord:
        return cls(
            limit=int(raw.get("limit", 0) or 0),
            available=int(raw.get("available", 0) or 0),
            spent=int(raw.get("spent", 0) or 0),
            deferred=int(raw.get("deferred", 0) or 0),
            resume_at=_opt_str(raw, "resume_at"),
            quota_exceeded=bool(raw.get("quota_exceeded", False)),
        )
