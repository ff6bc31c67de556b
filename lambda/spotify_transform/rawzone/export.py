"""The Spotify data export in the raw zone: which files of a zip are streaming history (pure
classification by name), and an import's manifest, its commit, with one reader and one writer.

Every export JSON file lands byte for byte under its sha256, so importing the same zip again
stores nothing new; the manifest, written last, names the import's files with what became of
each of their records. Standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from spotify_transform.rawzone import layout
from spotify_transform.rawzone.manifest import ManifestError, Store, dumps, loads

EXTENDED = "extended"
ACCOUNT_MUSIC = "account_music"
ACCOUNT_PODCAST = "account_podcast"
KINDS = (EXTENDED, ACCOUNT_MUSIC, ACCOUNT_PODCAST)
# What becomes of a record that is not a `streams` row (rows kept + these = records read).
DROP_REASONS = ("duplicate_record", "covered_by_extended", "no_content", "incognito")

_EXTENDED = re.compile(r"^(endsong_\d+|Streaming_History_(Audio|Video)_[\w-]*)\.json$", re.I)
_MUSIC = re.compile(r"^StreamingHistory(_music_)?\d+\.json$", re.I)
_PODCAST = re.compile(r"^StreamingHistory_podcast_\d+\.json$", re.I)
_OTHER_HISTORY = re.compile(r"^StreamingHistory_(\w+)_\d+\.json$", re.I)


def base_name(path: str) -> str:
    """A file's name inside the zip, without its folders (`source_file` in `streams`)."""
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def classify(path: str) -> tuple[str | None, str]:
    """(kind, why) of a file of an export: its kind when it is streaming history, else None and
    why it is left aside. By name, as Spotify names them across the generations."""
    name = base_name(path)
    if name.startswith(".") or "__MACOSX" in path:
        return None, "not an export file"
    if not name.lower().endswith(".json"):
        return None, "not a JSON file"
    if _EXTENDED.match(name):
        return EXTENDED, "extended streaming history"
    if _PODCAST.match(name):
        return ACCOUNT_PODCAST, "account data: podcast streaming history"
    if _MUSIC.match(name):
        return ACCOUNT_MUSIC, "account data: streaming history"
    if m := _OTHER_HISTORY.match(name):
        return None, f"account data: {m.group(1)} history has no stream fields to import"
    return None, "not streaming history"


def generation(name: str, first_record_keys: Sequence[str]) -> int:
    """The file's generation: 1 for `endsong_<n>.json`, 2 for `Streaming_History_…` with the
    older personal fields (`ip_addr_decrypted`, `username`), 3 for those of November 2024 on
    (`ip_addr`, audiobooks); account data is 0. The newest generation wins a duplicate."""
    if name.lower().startswith("endsong"):
        return 1
    if name.lower().startswith("streaminghistory"):
        return 0
    return 2 if {"ip_addr_decrypted", "username"} & set(first_record_keys) else 3


@dataclass(frozen=True)
class Accounting:
    """What became of a file's records: read = kept + dropped (per reason) + quarantined."""

    records_read: int = 0
    rows_kept: int = 0
    dropped: Mapping[str, int] = field(default_factory=dict)
    quarantined: int = 0

    @property
    def balanced(self) -> bool:
        """Every record read is accounted for."""
        return self.records_read == self.rows_kept + sum(self.dropped.values()) + self.quarantined

    def __add__(self, other: Accounting) -> Accounting:
        dropped = {r: self.dropped.get(r, 0) + other.dropped.get(r, 0) for r in DROP_REASONS}
        return Accounting(
            self.records_read + other.records_read,
            self.rows_kept + other.rows_kept,
            {r: n for r, n in dropped.items() if n},
            self.quarantined + other.quarantined,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "records_read": self.records_read,
            "rows_kept": self.rows_kept,
            "dropped": {r: int(self.dropped.get(r, 0)) for r in DROP_REASONS},
            "quarantined": self.quarantined,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Accounting:
        dropped = raw.get("dropped") or {}
        return cls(
            int(raw.get("records_read", 0)),
            int(raw.get("rows_kept", 0)),
            {str(k): int(v) for k, v in dropped.items() if int(v)},
            int(raw.get("quarantined", 0)),
        )


@dataclass(frozen=True)
class ExportFile:
    """One streaming-history file of an import.

    Attributes:
        path: Its path inside the zip (or the folder).
        kind: extended, account_music or account_podcast.
        sha256, size: Its content (where it lies in the raw zone).
        status: ok, or bad_json / bad_shape (the whole file quarantined).
        detail: Why a bad file is bad.
        generation: 1-3 for extended history, 0 for account data.
        accounting: What became of its records, in the lake as this import left it.
        first_played, last_played: The played dates its records span.
        new: Whether this import brought it (False: an earlier import had).
    """

    path: str
    kind: str
    sha256: str
    size: int
    status: str = "ok"
    detail: str | None = None
    generation: int = 0
    accounting: Accounting = Accounting()
    first_played: str | None = None
    last_played: str | None = None
    new: bool = True

    @property
    def name(self) -> str:
        """Its name without folders."""
        return base_name(self.path)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "sha256": self.sha256,
            "bytes": self.size,
            "status": self.status,
            "detail": self.detail,
            "generation": self.generation,
            **self.accounting.to_dict(),
            "first_played": self.first_played,
            "last_played": self.last_played,
            "new": self.new,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> ExportFile:
        return cls(
            path=str(raw["path"]),
            kind=str(raw["kind"]),
            sha256=str(raw["sha256"]),
            size=int(raw["bytes"]),
            status=str(raw.get("status", "ok")),
            detail=None if raw.get("detail") is None else str(raw["detail"]),
            generation=int(raw.get("generation", 0)),
            accounting=Accounting.from_dict(raw),
            first_played=raw.get("first_played"),
            last_played=raw.get("last_played"),
            new=bool(raw.get("new", True)),
        )


@dataclass(frozen=True)
class ImportManifest:
    """The commit of one import of a Spotify data export.

    Attributes:
        import_id: `<UTC YYYYMMDDTHHMMSSZ>-<8 hex>` (the folder's name).
        source: The zip's (or folder's) name.
        files: Its streaming-history files.
        ignored: (path, why) of the other files.
        incognito: The SPOTIFY_IMPORT_INCOGNITO the import ran with.
        lake: The whole lake's accounting once this import was merged (its rows kept are the
            rows of `streams`).
    """

    import_id: str
    source: str
    files: tuple[ExportFile, ...]
    ignored: tuple[tuple[str, str], ...] = ()
    incognito: str = "drop"
    lake: Accounting = Accounting()
    lake_files: int = 0

    @property
    def imported_at(self) -> str:
        """When the import started (UTC, from its id)."""
        return self.import_id.split("-", 1)[0]

    def total(self) -> Accounting:
        """This import's files together."""
        out = Accounting()
        for f in self.files:
            out = out + f.accounting
        return out

    def to_json(self) -> bytes:
        """The manifest file's bytes (the one writer)."""
        return dumps(
            {
                "import_id": self.import_id,
                "source": self.source,
                "incognito": self.incognito,
                "files": [f.to_dict() for f in self.files],
                "ignored": [{"path": p, "reason": r} for p, r in self.ignored],
                "totals": self.total().to_dict(),
                "lake": {"files": self.lake_files, **self.lake.to_dict()},
            }
        )

    @classmethod
    def from_json(cls, data: bytes, where: str = "manifest") -> ImportManifest:
        """Parse an import's manifest (the one reader).

        Raises:
            ManifestError: It is not one; the message names `where`.
        """
        raw = loads(data, where)
        try:
            lake = raw.get("lake") or {}
            return cls(
                import_id=str(raw["import_id"]),
                source=str(raw.get("source", "")),
                files=tuple(ExportFile.from_dict(f) for f in raw["files"]),
                ignored=tuple((str(i["path"]), str(i["reason"])) for i in raw.get("ignored", [])),
                incognito=str(raw.get("incognito", "drop")),
                lake=Accounting.from_dict(lake),
                lake_files=int(lake.get("files", 0)),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ManifestError(f"{where} is not an import manifest: {exc!r}") from None


def write_import(store: Store, raw_root: str, manifest: ImportManifest) -> None:
    """Commit an import: its manifest, written last."""
    uri = layout.manifest_file(layout.import_folder(raw_root, manifest.import_id))
    store.write(uri, manifest.to_json(), "application/json")


class Lister(Store, Protocol):
    """A store that can also list folders."""

    def list_dirs(self, prefix: str) -> list[str]: ...


def read_imports(store: Lister, raw_root: str) -> list[ImportManifest]:
    """Every committed import, oldest first (a folder without its manifest never committed)."""
    out = []
    for folder in store.list_dirs(layout.imports_root(raw_root)):
        import_id = layout.date_of_folder(folder, "imported_at")
        if import_id is None:
            continue
        uri = layout.manifest_file(layout.import_folder(raw_root, import_id))
        if store.exists(uri):
            out.append(ImportManifest.from_json(store.read(uri), uri))
    return sorted(out, key=lambda m: m.import_id)
