"""Reading an export's zip with ISA-L: the same bytes as `zipfile`, every kind of member, and a
damaged member named, never landed."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

import pytest

from spotify_etl.export import land as export_land
from spotify_etl.export import zipread
from spotify_transform.storage import ByteStore

EXT = "Spotify Extended Streaming History"


def _json(seed: int, records: int) -> bytes:
    rng = random.Random(seed)
    body = ",\n".join(
        f'  {{\n    "ts": "2024-01-01T00:00:{i % 60:02d}Z",\n'
        f'    "ms_played": {rng.randint(0, 9**9)},\n'
        f'    "master_metadata_track_name": "{rng.getrandbits(64):x}"\n  }}'
        for i in range(records)
    )
    return f"[\n{body}\n]".encode()


@pytest.fixture
def export_zip(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """A zip with a deflated, a stored, a ZIP64 and a bzip2 member (the last read by zipfile)."""
    files = {
        f"{EXT}/Streaming_History_Audio_2024_0.json": _json(1, 40_000),  # ~4 MB: many chunks
        f"{EXT}/Streaming_History_Audio_2024_1.json": _json(2, 300),
        f"{EXT}/Streaming_History_Audio_2024_2.json": _json(3, 3_000),
        f"{EXT}/Streaming_History_Audio_2024_3.json": _json(4, 200),
    }
    path = tmp_path / "my_spotify_data.zip"
    kinds = [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2]
    with zipfile.ZipFile(path, "w") as archive:
        for (name, data), kind in zip(files.items(), kinds, strict=True):
            info = zipfile.ZipInfo(name)
            info.compress_type = kind
            with archive.open(info, "w", force_zip64=name.endswith("_2.json")) as fh:
                fh.write(data)
    return path, files


def test_every_stored_or_deflated_member_reads_as_zipfile_reads_it(
    export_zip: tuple[Path, dict[str, bytes]],
) -> None:
    # GIVEN a zip whose members are deflated, stored and ZIP64
    path, files = export_zip
    with zipfile.ZipFile(path) as archive:
        infos = [archive.getinfo(name) for name in files]
    # WHEN each member ISA-L can read is read in chunks of at most 64 KiB
    read = {
        info.filename: list(zipread.chunks(path, info, 65_536))
        for info in infos
        if zipread.readable(info)
    }
    # THEN it is the member's bytes, in bounded chunks; bzip2 is left to zipfile
    assert sorted(read) == sorted(list(files)[:3])
    for name, chunks in read.items():
        assert b"".join(chunks) == files[name]
        assert max(len(c) for c in chunks) <= 65_536
    assert len(read[f"{EXT}/Streaming_History_Audio_2024_0.json"]) > 10


def test_landing_gives_every_member_byte_for_byte_whoever_reads_it(
    tmp_path: Path, export_zip: tuple[Path, dict[str, bytes]]
) -> None:
    # GIVEN the zip with members of every kind
    path, files = export_zip
    # WHEN it lands
    landing = export_land.land(ByteStore(), str(tmp_path / "raw"), str(path))
    # THEN each file lies in the raw zone exactly as in the zip, bzip2 included
    assert {f.path for f in landing.files} == set(files)
    for landed in landing.files:
        stored = tmp_path / "raw" / "spotify" / "export" / "files" / f"sha256={landed.sha256}.json"
        assert stored.read_bytes() == files[landed.path]


@pytest.mark.parametrize("damage", ["deflate stream", "stored bytes"])
def test_a_damaged_member_is_named_and_nothing_of_it_lands(tmp_path: Path, damage: str) -> None:
    # GIVEN a zip whose one member's bytes were damaged after it was written
    name = f"{EXT}/Streaming_History_Audio_2024_0.json"
    data = _json(5, 5_000)
    path = tmp_path / "damaged.zip"
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED if damage == "deflate stream" else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(info, data)
    with zipfile.ZipFile(path) as archive:
        member = archive.getinfo(name)
    raw = bytearray(path.read_bytes())
    start = member.header_offset + 30 + len(name.encode())
    for offset in range(start + 1_000, start + 1_040):
        raw[offset] ^= 0x5A
    path.write_bytes(bytes(raw))
    # WHEN it is read, and when it lands
    with pytest.raises(zipfile.BadZipFile):
        b"".join(zipread.chunks(path, member, 1 << 20))
    with pytest.raises(export_land.ExportError) as refused:
        export_land.land(ByteStore(), str(tmp_path / "raw"), str(path))
    # THEN the import names the member in one line, and no byte of it is in the raw zone
    assert name in str(refused.value) and "\n" not in str(refused.value)
    files = tmp_path / "raw" / "spotify" / "export" / "files"
    assert not files.exists() or not [p for p in files.iterdir() if p.suffix == ".json"]


def test_an_encrypted_member_is_refused_in_one_line(tmp_path: Path) -> None:
    # GIVEN a zip whose streaming history is marked encrypted (as a re-zipped export could be)
    name = f"{EXT}/Streaming_History_Audio_2024_0.json"
    plain = tmp_path / "plain.zip"
    with zipfile.ZipFile(plain, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, _json(6, 10))
    raw = bytearray(plain.read_bytes())
    raw[6] |= zipread.ENCRYPTED  # the local header's flags
    raw[raw.find(b"PK\x01\x02") + 8] |= zipread.ENCRYPTED  # the central directory's
    path = tmp_path / "encrypted.zip"
    path.write_bytes(bytes(raw))
    # WHEN it lands
    with pytest.raises(export_land.ExportError) as refused:
        export_land.land(ByteStore(), str(tmp_path / "raw"), str(path))
    # THEN the import names the member and what to do, in one line
    message = str(refused.value)
    assert name in message and "encrypted" in message and "folder" in message
    assert "\n" not in message


def test_a_member_larger_than_its_declared_size_is_cut_off_at_once(tmp_path: Path) -> None:
    # GIVEN a member of 8 MB of zeros whose central directory says it holds 10 bytes (a zip
    # that would inflate far past what it declares)
    name = f"{EXT}/Streaming_History_Audio_2024_0.json"
    path = tmp_path / "lying.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, bytes(8 << 20))
    raw = bytearray(path.read_bytes())
    central = raw.find(b"PK\x01\x02")
    raw[central + 24 : central + 28] = (10).to_bytes(4, "little")  # uncompressed size
    path.write_bytes(bytes(raw))
    with zipfile.ZipFile(path) as archive:
        member = archive.getinfo(name)
    # WHEN it is read in chunks of 64 KiB
    read = 0
    with pytest.raises(zipfile.BadZipFile, match="more than its size"):
        for chunk in zipread.chunks(path, member, 65_536):
            read += len(chunk)
    # THEN it stopped within one chunk of the declared size, and landing refuses it by name
    assert read <= 65_536
    with pytest.raises(export_land.ExportError, match="Streaming_History_Audio_2024_0"):
        export_land.land(ByteStore(), str(tmp_path / "raw"), str(path))


def test_a_damaged_member_that_zipfile_reads_is_refused_in_one_line(tmp_path: Path) -> None:
    # GIVEN an LZMA member (read by zipfile, not ISA-L) whose bytes were damaged
    name = f"{EXT}/Streaming_History_Audio_2024_0.json"
    path = tmp_path / "lzma.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_LZMA) as archive:
        archive.writestr(name, _json(7, 3_000))
    with zipfile.ZipFile(path) as archive:
        member = archive.getinfo(name)
    assert not zipread.readable(member)
    raw = bytearray(path.read_bytes())
    start = member.header_offset + 30 + len(name.encode())
    for offset in range(start + 500, start + 540):
        raw[offset] ^= 0x5A
    path.write_bytes(bytes(raw))
    # WHEN it lands
    with pytest.raises(export_land.ExportError) as refused:
        export_land.land(ByteStore(), str(tmp_path / "raw"), str(path))
    # THEN one line names the member, and no scratch file is left behind
    assert name in str(refused.value) and "\n" not in str(refused.value)
    assert not [p for p in (tmp_path / "raw").rglob("*") if p.is_file()]
