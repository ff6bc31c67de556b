"""What the normalisation hands around: one playlist's files, the library's files, a batch's
frames."""

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


@dataclass(frozen=True)
class LibraryFiles:
    """The library response files of one snapshot date (complete datasets only).

    Attributes:
        saved_tracks: `GET /me/tracks` pages as (position of the first entry, file), in the
            manifest's order: a position an earlier file holds is not read again.
        saved_albums: `GET /me/albums` pages, the same way.
        top_items: `GET /me/top/{kind}` lists as (kind, time range, file).
        unnamed: Files of a library folder whose name says neither (quarantined whole).
    """

    saved_tracks: tuple[tuple[int, RawFile], ...] = ()
    saved_albums: tuple[tuple[int, RawFile], ...] = ()
    top_items: tuple[tuple[str, str, RawFile], ...] = ()
    unnamed: tuple[RawFile, ...] = ()


@dataclass
class Normalized:
    """Curated frames plus counters, for one or more playlists (and the library).

    Attributes:
        tables: Per table, its frame.
        entries: Playlist entries seen.
        item_types: `playlist_items` rows per item type.
        shapes: Playlists per API shape.
        library: Library items seen per dataset (saved tracks, saved albums, top items).
    """

    tables: dict[str, pl.DataFrame]
    entries: int = 0
    item_types: dict[str, int] = field(default_factory=dict)
    shapes: dict[str, int] = field(default_factory=dict)
    library: dict[str, int] = field(default_factory=dict)
