"""Writing the curated zone: one Parquet file per table per partition, byte-identical for
identical frames, and the small ordered thread map the jobs overlap their I/O with."""

from __future__ import annotations

import io
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

import polars as pl

from spotify_transform.rawzone.layout import curated_file
from spotify_transform.storage import ByteStore

T = TypeVar("T")
R = TypeVar("R")


def ordered_map(fn: Callable[[T], R], items: Iterable[T], workers: int, window: int) -> Iterator[R]:
    """`map(fn, items)` on a thread pool, in order, with at most `window` calls in flight.

    Unlike `Executor.map`, it does not submit everything at once, so memory stays bounded by
    the window while work overlaps (polars and file reads release the GIL).
    """
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque[Future[R]] = deque()
        queue = iter(items)
        for item in queue:
            pending.append(pool.submit(fn, item))
            if len(pending) >= window:
                break
        while pending:
            done = pending.popleft().result()
            for item in queue:
                pending.append(pool.submit(fn, item))
                break
            yield done


def parquet_bytes(frame: pl.DataFrame) -> bytes:
    """Serialise a frame with fixed writer settings, so equal frames give equal bytes."""
    buf = io.BytesIO()
    frame.write_parquet(buf, compression="zstd", compression_level=1, statistics=True)
    return buf.getvalue()


def write_tables(
    store: ByteStore, curated_root: str, partition_value: str, tables: dict[str, pl.DataFrame]
) -> dict[str, dict[str, object]]:
    """Write each table's single partition file (atomically) and return rows and URIs."""
    written: dict[str, dict[str, object]] = {}

    def write(item: tuple[str, pl.DataFrame]) -> None:
        name, frame = item
        uri = curated_file(curated_root, name, partition_value)
        store.write(uri, parquet_bytes(frame))
        written[name] = {"rows": frame.height, "uri": uri}

    for _ in ordered_map(write, tables.items(), workers=4, window=len(tables) or 1):
        pass  # tables compress in parallel; each file is still replaced in one step
    return {name: written[name] for name in tables}
