"""What the playlist normalisation hands around: one playlist's files, a batch's frames."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from spotify_transform.normalize.parsing import RawFile


@dataclass(frozen=True)
class PlaylistFiles:
    """The response files of one playlist in one snapshot-date partition.

    Attributes:
        playlist_id: ID from the `playlist_id=` folder.
        playlist: `playlist.json` (GET /playlists/{id}), or None if absent.
        pages: `items-<offset>.json` pages as (offset, file), any order.
        complete: False when the extract could not read the contents whole (status other than
            ok/unchanged): the playlist keeps its row, with `items_accessible` false, and none
            of its entries (not even the embedded first page) becomes a row.
    """

    playlist_id: str
    playlist: RawFile | None
    pages: tuple[tuple[int, RawFile], ...] = ()
    complete: bool = True


@dataclass
class Normalized:
    """Curated frames plus counters, for one or more playlists."""

    tables: dict[str, pl.DataFrame]
    entries: int = 0
    item_types: dict[str, int] = field(default_factory=dict)
    shapes: dict[str, int] = field(default_factory=dict)
