"""Parsing Spotify response bodies with polars (pure: bytes in, frames out), and the column
expressions the tables share.

Response bodies go straight into polars' JSON reader with explicit schemas (`api_shapes`), in
chunks of about 1 MB parsed on a small thread pool; only a chunk that fails is re-parsed file by
file to isolate its bad files. No I/O here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import polars as pl

EPOCH_PLACEHOLDER = "1970-01-01T00:00:00Z"


@dataclass(frozen=True)
class RawFile:
    """One raw-zone response file: its path relative to the raw root, and its bytes."""

    path: str
    data: bytes


class FileError(Exception):
    """A response file that cannot be used as a whole (bad JSON or unexpected shape)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def _read_json(data: bytes, schema: pl.Schema) -> pl.DataFrame:
    return pl.read_json(data, schema=schema)


def _diagnose(data: bytes, error: Exception) -> FileError:
    """Tell a file that is not JSON from one that is JSON of an unexpected shape."""
    try:
        json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return FileError("bad_json", f"not valid JSON: {exc}")
    return FileError("bad_shape", f"unexpected shape: {str(error).splitlines()[0]}")


# polars' JSON reader is superlinear in the size of one input: measured on full-size playlist
# pages, ~1 MB per call parses 2-4x faster than 60 MB in one call, and calls release the GIL,
# so chunks also spread over the cores. See scripts/bench_transform.py.
CHUNK_BYTES = 1024 * 1024
_WORKERS = max(1, min(4, os.cpu_count() or 1))
_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="parse")
    return _pool


def _chunks(files: Sequence[RawFile], limit: int) -> list[list[RawFile]]:
    """Consecutive runs of files adding up to about `limit` bytes (order kept)."""
    out: list[list[RawFile]] = []
    size = limit
    for f in files:
        if size >= limit:
            out.append([])
            size = 0
        out[-1].append(f)
        size += len(f.data)
    return out


ParseResult = tuple[pl.DataFrame, list[RawFile], list[tuple[RawFile, FileError]]]


def _json_array(files: Sequence[RawFile]) -> bytes:
    """The files' bodies as the elements of one JSON array (one copy of the bytes)."""
    parts = [b"["]
    for f in files:
        parts += (f.data, b",")
    parts[-1] = b"]"
    return b"".join(parts)


def _parse_chunk(files: list[RawFile], schema: pl.Schema) -> ParseResult:
    """Parse a chunk as one JSON array; if that fails, file by file to isolate the bad ones."""
    if not files:
        return schema.to_frame(eager=True), [], []
    try:
        frame = _read_json(_json_array(files), schema)
        if frame.height == len(files):
            return frame, files, []
    except (pl.exceptions.PolarsError, ValueError):
        pass
    frames: list[pl.DataFrame] = [schema.to_frame(eager=True)]
    good = []
    bad = []
    for f in files:
        try:
            one = _read_json(f.data, schema)
            if one.height != 1:  # e.g. a JSON array instead of one object
                raise pl.exceptions.ComputeError("expected one JSON object")
        except (pl.exceptions.PolarsError, ValueError) as exc:
            bad.append((f, _diagnose(f.data, exc)))
            continue
        frames.append(one)
        good.append(f)
    return pl.concat(frames), good, bad


def parse_many(
    files: Sequence[RawFile], schema: pl.Schema, chunk_bytes: int = CHUNK_BYTES
) -> tuple[pl.DataFrame, list[tuple[RawFile, FileError]]]:
    """Parse many response files of one kind into one frame (one row per file).

    Files are parsed in chunks of about `chunk_bytes`, each chunk as one JSON array in one
    reader call, chunks in parallel threads. Only a chunk that fails is re-parsed file by file
    to find its bad files, so the common case costs one pass of the parser.

    Returns:
        The parsed rows (input order) with a leading `source_file` column, and the bad files.
    """
    chunks = _chunks(files, chunk_bytes) or [[]]
    results = (
        _executor().map(_parse_chunk, chunks, [schema] * len(chunks))
        if len(chunks) > 1
        else map(_parse_chunk, chunks, [schema])
    )
    frames: list[pl.DataFrame] = []
    good: list[RawFile] = []
    bad: list[tuple[RawFile, FileError]] = []
    for frame, ok, failed in results:
        frames.append(frame)
        good += ok
        bad += failed
    frame = pl.concat(frames, rechunk=False)
    return frame.insert_column(0, pl.Series("source_file", [f.path for f in good], pl.String)), bad


def parse_timestamp(col: pl.Expr) -> pl.Expr:
    """ISO-8601 UTC text → timestamp; the 1970 placeholder and garbage → NULL."""
    return (
        pl.when(col != EPOCH_PLACEHOLDER)
        .then(col.str.to_datetime("%Y-%m-%dT%H:%M:%S%.fZ", strict=False, time_unit="ms"))
        .dt.replace_time_zone("UTC")
    )


def release_date(raw: pl.Expr, precision: pl.Expr) -> pl.Expr:
    """Album release date by precision: year → YYYY-01-01, month → YYYY-MM-01, day as given,
    the year (or year-month) taken from any longer value ("1981-12" at precision year is
    1981-01-01); without a precision, the value's length decides; else NULL."""
    length = raw.str.len_chars()
    full = (
        pl.when((precision == "year") | (precision.is_null() & (length == 4)))
        .then(raw.str.slice(0, 4) + "-01-01")
        .when((precision == "month") | (precision.is_null() & (length == 7)))
        .then(raw.str.slice(0, 7) + "-01")
        .when((precision == "day") | (precision.is_null() & (length == 10)))
        .then(raw)
    )
    parsed = full.str.to_date("%Y-%m-%d", strict=False)
    # Spotify uses "0000" for unknown years; chrono happily parses it, so drop it here.
    return pl.when(parsed.dt.year() > 0).then(parsed)


def nonempty(col: pl.Expr) -> pl.Expr:
    """Empty strings → NULL (e.g. `added_by.id == ""` on algorithmic playlists)."""
    return pl.when(col != "").then(col)
