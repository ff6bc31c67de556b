"""The library's files of a snapshot date, read for the normalisation: which file is a saved
page starting where, which a top list of which kind and range (the reads overlap, in order)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from spotify_transform.jobs.output import ordered_map
from spotify_transform.normalize.model import LibraryFiles
from spotify_transform.normalize.parsing import RawFile
from spotify_transform.rawzone import layout

PREFETCH_FILES = 64  # reads kept in flight (library pages of 50 are ~100 KB)


def library_files(
    library: Mapping[str, tuple[str, ...]],
    offsets: Mapping[str, int],
    load: Callable[[str], RawFile],
    workers: int,
) -> LibraryFiles:
    """The date's complete library datasets, read with `load` (which verifies each file against
    the manifest) in the manifest's order: saved pages with the position of their first entry
    (`offsets`), top lists with the kind and range their names say; a file that says neither
    is handed on as `unnamed` (quarantined whole).

    Args:
        library: Per complete dataset, its files' paths in order (`RawSet.library`).
        offsets: Per saved-tracks or saved-albums path, the position of its first entry.
        load: Reads and verifies one file.
        workers: Reads in flight (the store's read concurrency).
    """
    pages: dict[str, list[tuple[int, RawFile]]] = {"saved_tracks": [], "saved_albums": []}
    top: list[tuple[str, str, RawFile]] = []
    unnamed: list[RawFile] = []
    wanted = [(dataset, path) for dataset, paths in sorted(library.items()) for path in paths]
    read = ordered_map(load, [path for _, path in wanted], workers, PREFETCH_FILES)
    for (dataset, path), file in zip(wanted, read, strict=True):
        offset, top_list = offsets.get(path), layout.parse_top_file(path)
        if dataset in pages and offset is not None:
            pages[dataset].append((offset, file))
        elif dataset == "top_items" and top_list is not None:
            top.append((*top_list, file))
        else:
            unnamed.append(file)
    return LibraryFiles(
        tuple(pages["saved_tracks"]), tuple(pages["saved_albums"]), tuple(top), tuple(unnamed)
    )
