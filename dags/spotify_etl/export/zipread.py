"""Read a file of a zip in chunks, inflated by ISA-L (`isal`), its CRC-32 and size checked.

`zipfile` spends 1.3 s of CPU reading a 784 MB export: zlib's inflate, zlib's CRC-32 and the
copies between them. ISA-L's inflate and CRC-32 give the same bytes in a third of that
(`docs/benchmarks.md`). The member's place and sizes come from `zipfile`'s central directory
(ZIP64 included); only stored and deflated members are read here, any other (encrypted,
another compression) is left to `zipfile`, which reads it or says why not.
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path

from isal import isal_zlib

LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, …, file name length, extra field length
LOCAL_SIGNATURE = b"PK\x03\x04"
ENCRYPTED = 0x1
READ = 256 * 1024  # compressed bytes read at a time
# isal's stubs call its error an instance; it is the class igzip_lib.IsalError
INFLATE_ERROR: type[Exception] = isal_zlib.error  # type: ignore[assignment]


def readable(info: zipfile.ZipInfo) -> bool:
    """Whether `chunks` reads this member (else `zipfile` does)."""
    return info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) and not (
        info.flag_bits & ENCRYPTED
    )


def chunks(path: Path, info: zipfile.ZipInfo, size: int) -> Iterator[bytes]:
    """The member's bytes, at most `size` at a time.

    Raises:
        zipfile.BadZipFile: The member is cut short, its deflate stream is broken, or its bytes
            do not match the CRC-32 or size the zip gives for them.
    """
    with path.open("rb") as fh:
        fh.seek(info.header_offset)
        head = fh.read(LOCAL_HEADER.size)
        if len(head) < LOCAL_HEADER.size or head[:4] != LOCAL_SIGNATURE:
            raise zipfile.BadZipFile(f"no local header for {info.filename}")
        _, name_length, extra_length = LOCAL_HEADER.unpack(head)
        fh.seek(name_length + extra_length, 1)
        inflate = isal_zlib.decompressobj(-15) if info.compress_type else None
        crc, length, left = 0, 0, info.compress_size
        while left:
            raw = fh.read(min(READ, left) if inflate else min(READ, size, left))
            if not raw:
                raise zipfile.BadZipFile(f"{info.filename} is cut short")
            left -= len(raw)
            for out in _inflated(inflate, raw, size):
                crc, length = isal_zlib.crc32(out, crc), length + len(out)
                if length > info.file_size:  # never write past what the zip says it holds
                    raise zipfile.BadZipFile(f"{info.filename} holds more than its size")
                yield out
        if inflate is not None and info.compress_size:
            tail = inflate.flush()
            if tail:
                crc, length = isal_zlib.crc32(tail, crc), length + len(tail)
                yield tail
            if not inflate.eof:
                raise zipfile.BadZipFile(f"{info.filename}: its deflate stream ends early")
    if crc != info.CRC or length != info.file_size:
        raise zipfile.BadZipFile(f"Bad CRC-32 or size for file {info.filename!r}")


def _inflated(inflate: isal_zlib.Decompress | None, raw: bytes, size: int) -> Iterator[bytes]:
    if inflate is None:
        yield raw
        return
    try:
        out = inflate.decompress(raw, size)
        while True:
            if out:
                yield out
            if not inflate.unconsumed_tail:
                return
            out = inflate.decompress(inflate.unconsumed_tail, size)
    except INFLATE_ERROR as exc:
        raise zipfile.BadZipFile(f"a broken deflate stream: {exc}") from None
