"""Extract the listener's library into a snapshot date: Liked Songs (`saved_tracks`), saved
albums (`saved_albums`) and the top tracks and artists of three time ranges (`top_items`), every
response body byte for byte, each dataset complete or marked why not.

**Cheap when nothing changed.** Saved tracks and albums are listed newest first and a like (or
a re-like) puts its item on top: so when the first page lists the same items with the same
`added_at` and the `total` is the same, nothing was liked, re-liked or unliked, and the previous
date's other pages stand for this date (one call). An unlike deep in the list changes the total;
an unlike and a like change the first page.

**New likes on top, one call.** When the first page's entries after its first k are the
previous list's first entries, and the total grew by exactly k, the k new likes sit on top of an
otherwise unchanged library (a like or re-like goes on top; an unlike anywhere, or a re-like,
breaks the match): the fresh first page and the previous date's pages, carried over with their
positions shifted by k, are this date's list (`LibraryRecord.offsets`).

**Deferred, never short.** A call the budget cannot afford (or Spotify's QUOTA_EXCEEDED) stops
the dataset `deferred` with the pages that landed; the next extract of the date, or the next
date, continues after them when the first page and the total still match, else reads it anew.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from spotify_etl.extract.budget import OutOfBudget
from spotify_etl.spotify.responses import (
    BadResponse,
    PlaylistNotFound,
    PlaylistNotVisible,
    Response,
    Source,
    page_problem,
    parse_object,
)
from spotify_transform.rawzone import commit, layout
from spotify_transform.rawzone.records import FileRecord, LibraryRecord

log = logging.getLogger(__name__)

LIMIT = 50
# The OAuth scope each dataset needs (`spotify-pipeline auth` asks for all of them).
SCOPES = {
    "saved_tracks": "user-library-read",
    "saved_albums": "user-library-read",
    "top_items": "user-top-read",
}


def signature(data: dict[str, Any]) -> tuple[Any, ...]:
    """What the unchanged rule compares of a first page: the total and each entry's item ID
    and `added_at`, in order."""
    entries = []
    for entry in data.get("items") or []:
        entry = entry if isinstance(entry, dict) else {}
        item = entry.get("track") or entry.get("album") or {}
        entries.append((item.get("id") if isinstance(item, dict) else None, entry.get("added_at")))
    return (data.get("total"), tuple(entries))


def _forbidden(dataset: str, exc: Exception) -> LibraryRecord:
    scope = SCOPES[dataset]
    return LibraryRecord(
        dataset, "forbidden", scope=scope,
        message=f"the token lacks the scope {scope} ({exc}): run `spotify-pipeline auth` "
        "again and store the new SPOTIFY_REFRESH_TOKEN",
    )  # fmt: skip


class _Landing:
    """One dataset's files while it is extracted."""

    def __init__(self, staging: commit.Staging, dataset: str) -> None:
        self.staging, self.dataset = staging, dataset
        self.files: list[FileRecord] = []

    def put(self, name: str, body: bytes) -> None:
        self.files.append(self.staging.put_library(self.dataset, name, body))

    def copy(self, day: str, records: list[FileRecord]) -> None:
        self.files += [self.staging.copy_library_in(day, self.dataset, f) for f in records]

    def done(self, status: str, **fields: Any) -> LibraryRecord:
        return LibraryRecord(self.dataset, status, tuple(self.files), **fields)


def extract_saved(
    source: Source,
    staging: commit.Staging,
    dataset: str,
    before: LibraryRecord | None,
    before_date: str,
) -> LibraryRecord:
    """Liked Songs or saved albums into staging: `ok` only when every item 0…total−1 landed
    once; `unchanged` when one call shows the previous date's library is still the same."""
    land = _Landing(staging, dataset)
    try:
        first = source.saved_page(dataset, 0, LIMIT)
    except OutOfBudget as exc:
        return land.done("deferred", message=str(exc), resume_at=_iso(exc))
    except PlaylistNotVisible as exc:
        return _forbidden(dataset, exc)
    except (PlaylistNotFound, BadResponse) as exc:
        return land.done("error", message=str(exc))
    problem = page_problem(first.data, 0, LIMIT)
    if problem is not None:
        return land.done("incomplete", message=f"first page: {problem}")
    total = int(first.data["total"])
    land.put(layout.library_page_name(0), first.body)
    offset, same = LIMIT, _same_first_page(staging, dataset, before, before_date, first)
    if same and before is not None and before.complete:
        land.copy(before_date, list(before.files[1:]))
        return land.done("unchanged", total=total, copied_from=before_date)
    shift = _new_on_top(staging, dataset, before, before_date, first)
    if shift and before is not None:
        offsets = [0]
        for f, at in zip(before.files, before.file_offsets(), strict=True):
            name = f.name if f.name.startswith("carried-") else layout.carried_page_name(f.sha256)
            land.files.append(staging.copy_library_in(before_date, dataset, f, name))
            offsets.append(at + shift)
        return land.done("ok", total=total, copied_from=before_date, offsets=tuple(offsets))
    if same and before is not None and before.status == "deferred":
        land.copy(before_date, list(before.files[1:]))  # continue after the pages it has
        offset = LIMIT * len(before.files)
    try:
        while offset < total:
            page = source.saved_page(dataset, offset, LIMIT)
            problem = page_problem(page.data, offset, LIMIT)
            if problem is None and page.data["total"] != total:
                problem = f"the library changed while it was read: total {total}, then " + str(
                    page.data["total"]
                )
            if problem is not None:
                return land.done("incomplete", total=total, message=f"at {offset}: {problem}")
            land.put(layout.library_page_name(offset), page.body)
            offset += LIMIT
    except OutOfBudget as exc:
        return land.done("deferred", total=total, message=str(exc), resume_at=_iso(exc))
    except PlaylistNotVisible as exc:
        return _forbidden(dataset, exc)
    except (PlaylistNotFound, BadResponse) as exc:
        return land.done("incomplete", total=total, message=f"at {offset}: {exc}")
    return land.done("ok", total=total)


def _same_first_page(
    staging: commit.Staging,
    dataset: str,
    before: LibraryRecord | None,
    before_date: str,
    first: Response,
) -> bool:
    """Whether the stored first page of `before` lists what `first` lists (the same total,
    items and `added_at`s)."""
    if before is None or not before.files or before.status not in ("ok", "unchanged", "deferred"):
        return False
    stored = staging.read_library(before_date, dataset, before.files[0])
    problem, data = parse_object(stored)
    return problem is None and signature(data) == signature(first.data)


def _new_on_top(
    staging: commit.Staging,
    dataset: str,
    before: LibraryRecord | None,
    before_date: str,
    first: Response,
) -> int:
    """How many new likes sit on top of the previous complete list (0: not that case)."""
    if before is None or not before.complete or not before.files or before.total is None:
        return 0
    shift = int(first.data["total"]) - before.total
    entries = signature(first.data)[1]
    if not 0 < shift < len(entries) or before.file_offsets()[0] != 0:
        return 0
    stored = staging.read_library(before_date, dataset, before.files[0])
    problem, data = parse_object(stored)
    previous = signature(data)[1] if problem is None else ()
    return shift if entries[shift:] == previous[: len(entries) - shift] else 0


def extract_top(
    source: Source, staging: commit.Staging, before: LibraryRecord | None, before_date: str
) -> LibraryRecord:
    """The top tracks and artists of the three time ranges (six calls; a resumed dataset
    fetches only the lists it lacks)."""
    land = _Landing(staging, "top_items")
    have = {f.name: f for f in before.files} if before and before.status == "deferred" else {}
    for kind in layout.TOP_KINDS:
        for time_range in layout.TIME_RANGES:
            name = layout.top_file_name(kind, time_range)
            if name in have:
                land.copy(before_date, [have[name]])
                continue
            try:
                response = source.top_items(kind, time_range, LIMIT)
            except OutOfBudget as exc:
                return land.done("deferred", message=str(exc), resume_at=_iso(exc))
            except PlaylistNotVisible as exc:
                return _forbidden("top_items", exc)
            except (PlaylistNotFound, BadResponse) as exc:
                return land.done("incomplete", message=f"{name}: {exc}")
            land.put(name, response.body)
    return land.done("ok")


def extract_library(
    source: Source,
    staging: commit.Staging,
    datasets: tuple[str, ...],
    before: dict[str, LibraryRecord],
    before_date: str,
    progress: Callable[[str], None] | None = None,
) -> list[LibraryRecord]:
    """Every requested library dataset, in order (a dataset the token may not read is
    `forbidden`, the others go on)."""
    out = []
    for dataset in (d for d in layout.LIBRARY_DATASETS if d in datasets):
        if dataset == "top_items":
            record = extract_top(source, staging, before.get(dataset), before_date)
        else:
            record = extract_saved(source, staging, dataset, before.get(dataset), before_date)
        log.info("library %s: %s (%d files)", dataset, record.status, len(record.files))
        if progress:
            progress(f"library {dataset}: {record.status} ({len(record.files)} files)")
        out.append(record)
    return out


def _iso(exc: OutOfBudget) -> str:
    return exc.resume_at.isoformat(timespec="seconds")
