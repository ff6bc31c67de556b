"""Land a Spotify data export in the raw zone: every streaming-history JSON file byte for byte,
under its sha256 (so a file already there is not stored again), one file at a time.

The export is a zip exactly as Spotify delivers it or the folder it unpacks to, on disk or (on
AWS) uploaded to the raw bucket. Other files of the export (`Userdata.json`, playlists, PDFs) are
listed as ignored, with why. A zip with no streaming history at all is refused, naming what it
holds instead.
"""

from __future__ import annotations

import hashlib
import lzma
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from spotify_etl.export import zipread
from spotify_transform.rawzone import layout
from spotify_transform.rawzone.export import base_name, classify
from spotify_transform.storage import ByteStore
from spotify_transform.uris import is_s3, split_s3


class ExportError(Exception):
    """The path is not an export this command can read; the message says what it found."""


@dataclass(frozen=True)
class Landed:
    """One streaming-history file of the export, in the raw zone."""

    path: str
    kind: str
    sha256: str
    size: int
    stored: bool  # False: the raw zone already held these bytes

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "sha256": self.sha256,
            "bytes": self.size,
            "stored": self.stored,
        }


@dataclass(frozen=True)
class Landing:
    """What an export held: its streaming history (landed) and the rest (ignored, with why)."""

    source: str
    files: tuple[Landed, ...]
    ignored: tuple[tuple[str, str], ...]

    def import_id(self, now: datetime | None = None) -> str:
        """`<UTC YYYYMMDDTHHMMSSZ>-<8 hex>`: when, and which files (the same files give the
        same 8 hex digits)."""
        moment = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
        digest = hashlib.sha256("\n".join(sorted(f.sha256 for f in self.files)).encode())
        return f"{moment}-{digest.hexdigest()[:8]}"


@contextmanager
def _local_copy(store: ByteStore, uri: str) -> Iterator[Path]:
    """A zip in S3 as a local temporary file (a zip is read by seeking in it)."""
    client = store.s3_client
    if client is None:
        raise ExportError(f"{uri}: reading from S3 needs the AWS platform")
    bucket, key = split_s3(uri)
    with tempfile.NamedTemporaryFile(suffix=".zip") as tmp:
        try:
            client.download_fileobj(bucket, key, tmp)
        except Exception as exc:  # botocore's errors name the bucket and key, never a secret
            raise ExportError(f"cannot read {uri}: {exc}") from None
        tmp.flush()
        yield Path(tmp.name)


CHUNK = 1024 * 1024
ZIPFILE_READS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)
WORKERS = 2  # files landed at once: decompressing and hashing release the GIL


def _members(path: Path) -> list[tuple[str, int]]:
    """(path inside the export, size) of every file of a zip or folder, sorted.

    Raises:
        ExportError: Neither a zip nor a folder.
    """
    if path.is_dir():
        return [
            (f.relative_to(path).as_posix(), f.stat().st_size)
            for f in sorted(p for p in path.rglob("*") if p.is_file())
        ]
    try:
        with zipfile.ZipFile(path) as archive:
            infos = sorted(archive.infolist(), key=lambda i: i.filename)
            return [(i.filename, i.file_size) for i in infos if not i.is_dir()]
    except zipfile.BadZipFile:
        raise ExportError(f"{path} is neither a zip file nor a folder") from None


def _chunks(path: Path, member: str) -> Iterator[bytes]:
    """A file of the export (a zip's or a folder's) in chunks of at most CHUNK bytes."""
    if path.is_dir():
        with (path / member).open("rb") as fh:
            while chunk := fh.read(CHUNK):
                yield chunk
        return
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
        if zipread.readable(info):
            yield from zipread.chunks(path, info, CHUNK)
            return
        if info.flag_bits & zipread.ENCRYPTED or info.compress_type not in ZIPFILE_READS:
            raise zipfile.BadZipFile(
                "it is encrypted or compressed in a way zip files from Spotify are not; unzip "
                "the export and import its folder"
            )
        with archive.open(info) as fh:
            while chunk := fh.read(CHUNK):
                yield chunk


def _land_one(store: ByteStore, raw_root: str, path: Path, member: str, kind: str) -> Landed:
    """Stream one file into the raw zone (never whole in memory) under its sha256."""
    digest, size = hashlib.sha256(), 0
    scratch = store.scratch(layout.export_file(raw_root, "0" * 64))
    try:
        with scratch.open("wb") as out:
            for chunk in _chunks(path, member):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
        scratch.unlink(missing_ok=True)
        raise ExportError(f"{member} in {path.name} cannot be read: {exc}") from None
    sha = digest.hexdigest()
    uri = layout.export_file(raw_root, sha)
    if store.exists(uri):
        scratch.unlink(missing_ok=True)
        return Landed(member, kind, sha, size, stored=False)
    store.put_file(scratch, uri, "application/json")
    return Landed(member, kind, sha, size, stored=True)


def land(
    store: ByteStore,
    raw_root: str,
    source: str,
    progress: Callable[[str], None] | None = None,
    on_landed: Callable[[Landed], None] | None = None,
) -> Landing:
    """Store every streaming-history file of the export at `source` in the raw zone; call
    `on_landed` with each file as soon as it is there.

    Raises:
        ExportError: `source` does not exist, is not a zip or folder, or holds no streaming
            history (the message lists what it holds).
    """
    if is_s3(source):
        with _local_copy(store, source) as local:
            return _land(store, raw_root, local, base_name(source), progress, on_landed)
    path = Path(source).expanduser()
    if not path.exists():
        raise ExportError(f"{source} does not exist: give the export's .zip or its folder")
    return _land(store, raw_root, path, path.name, progress, on_landed)


def _land(
    store: ByteStore,
    raw_root: str,
    path: Path,
    name: str,
    progress: Callable[[str], None] | None,
    on_landed: Callable[[Landed], None] | None,
) -> Landing:
    ignored: list[tuple[str, str]] = []
    wanted: list[tuple[str, str]] = []
    for member, _ in _members(path):
        kind, why = classify(member)
        if kind is None:
            ignored.append((member, why))
        else:
            wanted.append((member, kind))
    files: list[Landed] = []
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        landing = pool.map(lambda w: _land_one(store, raw_root, path, *w), wanted)
        for landed in landing:
            files.append(landed)
            if on_landed:  # the caller may start on it while the next files land
                on_landed(landed)
            if progress:
                there = "" if landed.stored else ", already there"
                progress(f"landed {landed.path} ({landed.size / 1e6:.1f} MB{there})")
    if not files:
        found = ", ".join(base_name(p) for p, _ in ignored[:8]) or "nothing"
        more = f" and {len(ignored) - 8} more" if len(ignored) > 8 else ""
        raise ExportError(
            f"{name} holds no streaming history (found: {found}{more}). Request 'Extended "
            "streaming history' (or 'Account data') at spotify.com/account/privacy and import "
            "the zip Spotify sends"
        )
    return Landing(name, tuple(files), tuple(ignored))
