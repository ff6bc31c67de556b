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
from spotify_transform.rawzone.records import (
    COMPLETE_STATUSES,
    BudgetRecord,
    FileRecord,
    LibraryRecord,
    ListingRecord,
    PlaylistRecord,
    RunRecord,
)

__all__ = [
    "COMPLETE_STATUSES",
    "BudgetRecord",
    "FileRecord",
    "LibraryRecord",
    "ListingRecord",
    "ManifestError",
    "PlaylistRecord",
    "RunRecord",
    "SnapshotManifest",
]


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
        library: The library datasets extracted (SPOTIFY_DATASETS), by name.
        budget: The call budget the extract had and what it left deferred.
    """

    snapshot_date: str
    source: str
    playlists: tuple[PlaylistRecord, ...]
    run: RunRecord
    statuses: Mapping[str, int] = field(default_factory=dict)
    api_shape: Mapping[str, int] = field(default_factory=dict)
    capabilities: Mapping[str, Any] | None = None
    listing: ListingRecord | None = None
    library: Mapping[str, LibraryRecord] = field(default_factory=dict)
    budget: BudgetRecord | None = None

    @classmethod
    def build(
        cls,
        snapshot_date: str,
        source: str,
        playlists: Sequence[PlaylistRecord],
        run: RunRecord,
        capabilities: Mapping[str, Any] | None = None,
        listing: ListingRecord | None = None,
        library: Sequence[LibraryRecord] = (),
        budget: BudgetRecord | None = None,
    ) -> SnapshotManifest:
        """A manifest whose status and shape counts are those of `playlists`."""
        statuses: dict[str, int] = {}
        shapes: dict[str, int] = {}
        for p in playlists:
            statuses[p.status] = statuses.get(p.status, 0) + 1
            if p.shape:
                shapes[p.shape] = shapes.get(p.shape, 0) + 1
        return cls(
            snapshot_date, source, tuple(playlists), run, statuses, shapes, capabilities, listing,
            {r.dataset: r for r in library}, budget,
        )  # fmt: skip

    def files(self) -> list[tuple[str, FileRecord]]:
        """(path relative to the date folder, record) of every file the date holds."""
        listing = self.listing.paths() if self.listing is not None else []
        library = [item for r in self.library.values() for item in r.paths()]
        return [*listing, *(item for p in self.playlists for item in p.paths()), *library]

    @property
    def deferred(self) -> int:
        """Playlists and library datasets left `deferred` (the budget or the quota ran out)."""
        return sum(p.status == "deferred" for p in self.playlists) + sum(
            r.status == "deferred" for r in self.library.values()
        )

    def by_id(self) -> dict[str, PlaylistRecord]:
        """The playlists by ID."""
        return {p.playlist_id: p for p in self.playlists}

    @property
    def playlists_with_metadata(self) -> int:
        """`playlist.json` files landed: the rows the `playlists` table must have."""
        return sum(p.has_metadata for p in self.playlists)

    @property
    def library_totals(self) -> dict[str, int]:
        """The totals of the complete saved-tracks and saved-albums datasets: the items their
        tables (rows, plus entries quarantined) must hold for this date."""
        return {
            name: r.total
            for name, r in sorted(self.library.items())
            if r.complete and r.total is not None
        }

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
            | ({"library": [r.to_dict() for r in self.library.values()]} if self.library else {})
            | ({"budget": self.budget.to_dict()} if self.budget is not None else {})
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
                library={
                    str(r["dataset"]): LibraryRecord.from_dict(r) for r in raw.get("library") or []
                },
                budget=BudgetRecord.from_dict(raw["budget"]) if raw.get("budget") else None,
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
