"""The listening history's raw-zone records: one manifest per extracted day (every run's
recently-played fetches) and the `after` cursor, each with its one reader and one writer.
Standard library only."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from spotify_transform.rawzone import layout
from spotify_transform.rawzone.manifest import ManifestError, Store, dumps, loads


@dataclass(frozen=True)
class Fetch:
    """One stored recently-played response.

    Attributes:
        file: Its name in the extracted day's folder.
        after: The cursor it was fetched with.
        plays: Plays it holds.
        played_dates: The `played_date` partitions it holds plays of (None in manifests written
            before fetches recorded them: read the file to know).
        gap_warning: A full page newer than the cursor: plays may be missing before it.
    """

    file: str
    after: int | None
    plays: int
    played_dates: tuple[str, ...] | None
    size: int
    sha256: str
    gap_warning: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "after": self.after,
            "plays": self.plays,
            "played_dates": None if self.played_dates is None else list(self.played_dates),
            "bytes": self.size,
            "sha256": self.sha256,
            "gap_warning": self.gap_warning,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Fetch:
        dates = raw.get("played_dates")
        after = raw.get("after")
        return cls(
            file=str(raw["file"]),
            after=None if after is None else int(after),
            plays=int(raw.get("plays", 0) or 0),
            played_dates=None if dates is None else tuple(str(d) for d in dates),
            size=int(raw.get("bytes", 0) or 0),
            sha256=str(raw.get("sha256", "")),
            gap_warning=bool(raw.get("gap_warning", False)),
        )


@dataclass(frozen=True)
class PlaysRun:
    """One listening run's fetches within an extracted day."""

    run_id: str
    at: str
    cursor_before: int | None
    cursor_after: int | None
    fetches: tuple[Fetch, ...]
    api_calls: int
    http_429: int

    @property
    def gap_warning(self) -> bool:
        """Some fetch of the run may have missed plays."""
        return any(f.gap_warning for f in self.fetches)

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "at": self.at,
            "cursor_before": self.cursor_before,
            "cursor_after": self.cursor_after,
            "fetches": [f.to_dict() for f in self.fetches],
            "gap_warning": self.gap_warning,
            "api_calls": self.api_calls,
            "http_429": self.http_429,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> PlaysRun:
        def cursor(key: str) -> int | None:
            value = raw.get(key)
            return None if value is None else int(value)

        return cls(
            run_id=str(raw.get("run_id", "")),
            at=str(raw.get("at", "")),
            cursor_before=cursor("cursor_before"),
            cursor_after=cursor("cursor_after"),
            fetches=tuple(Fetch.from_dict(f) for f in raw.get("fetches") or []),
            api_calls=int(raw.get("api_calls", 0) or 0),
            http_429=int(raw.get("http_429", 0) or 0),
        )


@dataclass(frozen=True)
class PlaysManifest:
    """The recently-played fetches stored on one extracted day, run by run."""

    extracted_date: str
    source: str
    runs: tuple[PlaysRun, ...] = ()

    def with_run(self, run: PlaysRun) -> PlaysManifest:
        """This manifest with one more run."""
        return replace(self, runs=(*self.runs, run))

    def fetches(self) -> list[Fetch]:
        """Every fetch of the day, in order."""
        return [f for r in self.runs for f in r.fetches]

    def to_json(self) -> bytes:
        """The manifest file's bytes (the one writer)."""
        return dumps(
            {
                "extracted_date": self.extracted_date,
                "source": self.source,
                "runs": [r.to_dict() for r in self.runs],
            }
        )

    @classmethod
    def from_json(cls, data: bytes, where: str = "manifest") -> PlaysManifest:
        """Parse a listening manifest (the one reader).

        Raises:
            ManifestError: It is not one; the message names `where`.
        """
        raw = loads(data, where)
        try:
            return cls(
                extracted_date=str(raw["extracted_date"]),
                source=str(raw.get("source", "")),
                runs=tuple(PlaysRun.from_dict(r) for r in raw.get("runs") or []),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ManifestError(f"{where} is not a listening manifest: {exc!r}") from None


def read_plays(store: Store, raw_root: str, extracted_date: str) -> PlaysManifest | None:
    """The listening manifest of an extracted day, or None when the day has none."""
    uri = layout.manifest_file(layout.plays_partition(raw_root, extracted_date))
    if not store.exists(uri):
        return None
    return PlaysManifest.from_json(store.read(uri), uri)


def write_plays(store: Store, raw_root: str, manifest: PlaysManifest) -> None:
    """Store the listening manifest of its extracted day."""
    uri = layout.manifest_file(layout.plays_partition(raw_root, manifest.extracted_date))
    store.write(uri, manifest.to_json(), "application/json")


@dataclass(frozen=True)
class Cursor:
    """The `after` cursor (epoch ms) of the last successful recently-played fetch."""

    after: int
    updated_at: str

    def to_json(self) -> bytes:
        return json.dumps({"after": self.after, "updated_at": self.updated_at}).encode()


def read_cursor(store: Store, raw_root: str) -> Cursor | None:
    """The stored cursor, or None before the first fetch."""
    uri = layout.cursor_file(raw_root)
    if not store.exists(uri):
        return None
    raw = loads(store.read(uri), uri)
    try:
        return Cursor(int(raw["after"]), str(raw.get("updated_at", "")))
    except (KeyError, TypeError, ValueError) as exc:
        raise ManifestError(f"{uri} is not a cursor: {exc!r}") from None


def write_cursor(store: Store, raw_root: str, cursor: Cursor) -> None:
    """Move the cursor (only once the fetched bodies are stored)."""
    store.write(layout.cursor_file(raw_root), cursor.to_json(), "application/json")
