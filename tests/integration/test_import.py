"""`spotify-pipeline import` as a user runs it: zips and folders, again and again, in any order,
with bad files, with nothing to import; every record accounted for."""

from __future__ import annotations

import hashlib
import json
import random
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from spotify_etl.pipeline import context, history
from spotify_etl.settings import load
from spotify_transform.rawzone.export import read_imports
from spotify_transform.storage import ByteStore
from tests import synthetic_export as sx
from tests.conftest import run_cli

EXT = "Spotify Extended Streaming History"


def _streams(start: datetime, days: int, seed: int) -> list[sx.Stream]:
    rng = random.Random(seed)
    return list(sx.listening(rng, start, days, 12, sx.catalog(rng, 60, 12), sx.episodes(rng, 5)))


def export(streams: list[sx.Stream], generation: int = 3, size: int = 300) -> dict[str, bytes]:
    """An extended-history export of these streams, files of `size` records."""
    rng = random.Random(generation)
    records = [sx.extended(s, generation, rng) for s in streams]
    name = "endsong_{n}.json" if generation == 1 else "Streaming_History_Audio_{years}_{n}.json"
    return {
        name.format(n=n, years=sx.years(chunk)): sx.render(chunk)
        for n, chunk in enumerate(sx.chunks(records, size))
    }


def write_zip(path: Path, files: dict[str, bytes]) -> Path:
    path.write_bytes(sx.zip_bytes(files, folder=EXT))
    return path


def curated(home: Path) -> dict[str, str]:
    """sha256 of every `streams` file of the lake, by path."""
    root = home / "curated" / "streams"
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*.parquet"))
        if not p.relative_to(root).parts[0].startswith("_")
    }


def importing(home: Path, path: Path, **env: str) -> dict[str, object]:
    run = context.for_cli(load({"SPOTIFY_PIPELINE_HOME": str(home), **env}), "2026-12-01")
    return history.import_export(run, str(path))


@pytest.fixture(scope="module")
def two_exports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int]:
    """An old export (endsong, 2023-2024) and a new one (2024-2025) that overlap by a month."""
    folder = tmp_path_factory.mktemp("exports")
    old_streams = _streams(datetime(2024, 1, 1, tzinfo=UTC), 120, 1)
    new_streams = old_streams[-300:] + _streams(datetime(2024, 5, 1, tzinfo=UTC), 90, 2)
    old = write_zip(folder / "old.zip", export(old_streams, generation=1))
    new = write_zip(folder / "new.zip", export(new_streams, generation=3))
    distinct = len({(s.ended, s.ms_played, id(s.track), id(s.episode)) for s in old_streams})
    distinct += len(new_streams) - 300
    return old, new, distinct


def test_import_lands_every_file_and_accounts_for_every_record(
    tmp_path: Path, two_exports: tuple[Path, Path, int]
) -> None:
    # GIVEN the older export alone
    old, _, _ = two_exports
    # WHEN it is imported through the command line
    result = run_cli(tmp_path, "import", str(old))
    # THEN it says what it read, kept and dropped, the dates, and where the data is
    assert result.returncode == 0, result.stderr
    assert "every record accounted for" in result.stdout
    assert "played 2024-01-01 … 2024-04-" in result.stdout
    assert "records read" in result.stdout and f"{tmp_path}/curated/streams" in result.stdout
    # AND progress was shown per file
    names = [n for n in zipfile.ZipFile(old).namelist()]
    for name in names:
        assert name in result.stderr
    # AND every file lies in the raw zone byte for byte under its sha256
    for name in names:
        data = zipfile.ZipFile(old).read(name)
        raw = tmp_path / "raw" / "spotify" / "export" / "files"
        assert (raw / f"sha256={hashlib.sha256(data).hexdigest()}.json").read_bytes() == data
    # AND the manifest balances every file, and the lake's rows are the table's
    (manifest,) = read_imports(ByteStore(), str(tmp_path / "raw"))
    assert all(f.accounting.balanced for f in manifest.files)
    rows = run_cli(tmp_path, "query", "SELECT count(*) FROM streams", "--json")
    assert json.loads(rows.stdout)["rows"][0][0] == manifest.lake.rows_kept


def test_zip_and_folder_give_identical_bytes(
    tmp_path: Path, two_exports: tuple[Path, Path, int]
) -> None:
    old, _, _ = two_exports
    folder = tmp_path / "unpacked"
    zipfile.ZipFile(old).extractall(folder)
    importing(tmp_path / "a", old)
    importing(tmp_path / "b", folder)
    assert curated(tmp_path / "a") == curated(tmp_path / "b")


def test_importing_the_same_export_again_stores_nothing_and_rewrites_no_byte(
    tmp_path: Path, two_exports: tuple[Path, Path, int]
) -> None:
    # GIVEN an imported export
    old, _, _ = two_exports
    importing(tmp_path, old)
    before = curated(tmp_path)
    stamps = {p: p.stat().st_mtime_ns for p in (tmp_path / "curated").rglob("*.parquet")}
    raw = sorted((tmp_path / "raw").rglob("*"))
    # WHEN it is imported again
    again = importing(tmp_path, old)
    # THEN nothing is committed, no raw file added, no curated file written
    assert again["committed"] is False
    assert sorted((tmp_path / "raw").rglob("*")) == raw
    assert curated(tmp_path) == before
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "curated").rglob("*.parquet")} == stamps
    assert len(read_imports(ByteStore(), str(tmp_path / "raw"))) == 1


def test_two_overlapping_exports_in_either_order_give_the_same_lake(
    tmp_path: Path, two_exports: tuple[Path, Path, int]
) -> None:
    # GIVEN two exports that hold a month of the same streams
    old, new, distinct = two_exports
    # WHEN imported old then new, and new then old
    importing(tmp_path / "forward", old)
    forward = importing(tmp_path / "forward", new)
    importing(tmp_path / "backward", new)
    backward = importing(tmp_path / "backward", old)
    # THEN the curated bytes are identical, and each stream is one row
    assert curated(tmp_path / "forward") == curated(tmp_path / "backward")
    assert forward["lake"] == backward["lake"]
    lake = forward["lake"]
    assert isinstance(lake, dict)
    assert lake["rows_kept"] + lake["dropped"]["no_content"] + lake["dropped"]["incognito"] == (
        distinct
    )
    assert lake["dropped"]["duplicate_record"] == 300


def test_the_same_files_in_any_number_of_lanes_give_the_same_bytes(
    tmp_path: Path, two_exports: tuple[Path, Path, int]
) -> None:
    _, new, _ = two_exports
    importing(tmp_path / "one", new, SPOTIFY_TRANSFORM_MAX_PARALLEL="1")
    importing(tmp_path / "four", new, SPOTIFY_TRANSFORM_MAX_PARALLEL="4")
    assert curated(tmp_path / "one") == curated(tmp_path / "four")


def test_a_truncated_file_is_quarantined_by_name_and_the_rest_imported(tmp_path: Path) -> None:
    # GIVEN an export of 25 files, one of them cut short
    files = export(_streams(datetime(2025, 1, 1, tzinfo=UTC), 60, 3), size=30)
    assert len(files) >= 21
    broken = sorted(files)[4]
    files[broken] = files[broken][:-200]
    zip_path = write_zip(tmp_path / "export.zip", files)
    # WHEN imported (one bad file of 25: 4%, under the 5% limit)
    result = run_cli(tmp_path / "lake", "import", str(zip_path))
    # THEN it succeeds, names the bad file, keeps the others, and the file is in quarantine
    assert result.returncode == 0, result.stderr
    assert broken in result.stdout
    (manifest,) = read_imports(ByteStore(), str(tmp_path / "lake" / "raw"))
    bad = [f for f in manifest.files if f.status != "ok"]
    assert [(f.name, f.status) for f in bad] == [(broken, "bad_json")]
    quarantine = run_cli(
        tmp_path / "lake", "query", "SELECT source_file, reason, record FROM import_quarantine",
        "--json",
    )  # fmt: skip
    assert json.loads(quarantine.stdout)["rows"] == [[f"{EXT}/{broken}", "bad_json", None]]


def test_past_the_quarantine_ratio_the_good_files_commit_and_the_import_fails(
    tmp_path: Path,
) -> None:
    # GIVEN an export of three files, one not JSON at all
    files = export(_streams(datetime(2025, 1, 1, tzinfo=UTC), 20, 4), size=100)
    files["Streaming_History_Audio_2025_9.json"] = b"<html>502 Bad Gateway</html>"
    zip_path = write_zip(tmp_path / "export.zip", files)
    # WHEN imported
    result = run_cli(tmp_path / "lake", "import", str(zip_path))
    # THEN it exits non-zero naming the bad file, in one line, after committing the good ones
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()[-1:]
    assert line.startswith("error: ") and "Streaming_History_Audio_2025_9.json" in line
    assert "Traceback" not in result.stderr
    (manifest,) = read_imports(ByteStore(), str(tmp_path / "lake" / "raw"))
    assert sum(f.status == "ok" for f in manifest.files) == len(files) - 1
    assert manifest.lake.rows_kept > 0
    # AND importing it again brings nothing new: nothing to judge, no failure
    again = run_cli(tmp_path / "lake", "import", str(zip_path))
    assert again.returncode == 0 and "nothing new" in again.stdout


def test_a_zip_with_no_streaming_history_says_what_it_found(tmp_path: Path) -> None:
    zip_path = tmp_path / "my_spotify_data.zip"
    with zipfile.ZipFile(zip_path, "w") as z:
        z.writestr("Spotify Account Data/Userdata.json", "{}")
        z.writestr("Spotify Account Data/Playlist1.json", "{}")
    result = run_cli(tmp_path / "lake", "import", str(zip_path))
    assert result.returncode == 2
    assert result.stderr.startswith("error: my_spotify_data.zip holds no streaming history")
    assert "Userdata.json" in result.stderr and "Playlist1.json" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("what", ["missing.zip", "not_a_zip.zip"])
def test_a_path_that_is_no_export_is_one_line(tmp_path: Path, what: str) -> None:
    path = tmp_path / what
    if what == "not_a_zip.zip":
        path.write_text("hello")
    result = run_cli(tmp_path / "lake", "import", str(path))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("error: ")
