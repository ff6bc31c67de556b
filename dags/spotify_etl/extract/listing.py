"""`GET /me/playlists` sorted into what to read and what to skip (pure: no I/O)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from spotify_transform.rawzone.manifest import FileRecord, ListingRecord, PlaylistRecord

FOLLOWED_MESSAGE = (
    "followed, not owned or collaborative: a Development Mode app may not read it "
    "(name it in SPOTIFY_PLAYLISTS to try anyway)"
)


@dataclass(frozen=True)
class Listed:
    """A playlist to read, with the `snapshot_id` its listing gave (None when not listed)."""

    playlist_id: str
    snapshot_id: str | None = None
    total: int | None = None  # its entries, as the listing says (to estimate its calls)


@dataclass
class Listing:
    """What `GET /me/playlists` said, sorted into what to read and what to skip.

    Attributes:
        read: Playlists the user owns or collaborates on, in listing order, once each.
        skipped: The playlists the user only follows (status `skipped`, never requested).
        counts: entries listed, null entries, entries with a null id, repeats, followed.
        user_id: The user the listing belongs to.
        problem: Why the listing is not whole (a page stayed short after the retries), or None.
    """

    read: list[Listed]
    skipped: list[PlaylistRecord]
    counts: dict[str, int]
    user_id: str | None
    problem: str | None = None

    def record(self, files: Sequence[FileRecord] = ()) -> ListingRecord:
        """What the manifest keeps of the listing, with its stored pages."""
        return ListingRecord(
            self.user_id, dict(self.counts), tuple(files), self.problem is None, self.problem
        )

    def listed(self) -> set[str]:
        """Every playlist the listing named (read or skipped)."""
        return {x.playlist_id for x in self.read} | {x.playlist_id for x in self.skipped}


def listing_owners(pages: Sequence[dict[str, Any]]) -> set[str | None]:
    """The owners' IDs of the listed playlists."""
    return {
        (item.get("owner") or {}).get("id")
        for page in pages
        for item in page.get("items") or []
        if isinstance(item, dict) and isinstance(item.get("owner"), dict)
    }


def sort_listing(pages: Sequence[dict[str, Any]], user_id: str | None) -> Listing:
    """Sort `/me/playlists` pages into playlists to read and followed ones to skip.

    Real listings hold `null` entries and entries whose `id` is null: they are counted, never
    read. With no `user_id`, every listed playlist is read.
    """
    counts = {"listed": 0, "null_entries": 0, "null_ids": 0, "repeated": 0, "followed": 0}
    read: list[Listed] = []
    skipped: list[PlaylistRecord] = []
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
                ref = item.get("items") or item.get("tracks")
                total = ref.get("total") if isinstance(ref, dict) else None
                read.append(Listed(pid, snapshot, total if isinstance(total, int) else None))
            else:
                counts["followed"] += 1
                name = item.get("name")
                owner_id = owner.get("id")
                skipped.append(
                    PlaylistRecord(
                        playlist_id=pid,
                        status="skipped",
                        name=None if name is None else str(name),
                        snapshot_id=snapshot,
                        owner_id=None if owner_id is None else str(owner_id),
                        message=FOLLOWED_MESSAGE,
                    )
                )
    return Listing(read, skipped, counts, user_id)
