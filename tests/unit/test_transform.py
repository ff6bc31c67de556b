"""The transform's I/O: one file per table per partition, atomic, idempotent, quarantine limit."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from spotify_transform.errors import TransformError
from spotify_transform.handler import lambda_handler, parse_event
from spotify_transform.handler import run_request as run
from spotify_transform.jobs.playlists import TransformRequest
from spotify_transform.rawzone.layout import PART_FILE, curated_file, raw_partition
from spotify_transform.schemas import TABLES
from spotify_transform.storage import ByteStore
from spotify_transform.tables import SNAPSHOT_TABLES
from tests.conftest import SAMPLE_DATE


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_run_writes_one_file_per_table_with_contract_schema(
    store: ByteStore, raw_root: str, tmp_path: Path
) -> None:
    # GIVEN the sample's raw partition
    curated = tmp_path / "curated"
    # WHEN the date is transformed
    result = run(store, TransformRequest(SAMPLE_DATE, raw_root, str(curated)))
    # THEN each table has one deterministic file in the date's partition, typed as contracted
    for name in SNAPSHOT_TABLES:
        files = [f for f in (curated / name).rglob("*") if f.is_file()]
        assert [f.relative_to(curated).as_posix() for f in files] == [
            f"{name}/snapshot_date={SAMPLE_DATE}/{PART_FILE}"
        ]
        assert pl.read_parquet(files[0]).schema == TABLES[name].schema
    assert result["entries"] == 335
    assert result["quarantined"] == 0  # the sample holds nothing malformed
    # every position is a row: 332 tracks, an episode, a local file and an unavailable entry
    assert result["item_types"] == {"episode": 1, "local": 1, "track": 332, "unavailable": 1}
    tables = result["tables"]
    assert isinstance(tables, dict)
    assert tables["playlists"]["rows"] == 5
    assert tables["playlist_items"]["rows"] == 335


def test_run_twice_gives_byte_identical_files(
    store: ByteStore, raw_root: str, tmp_path: Path
) -> None:
    # GIVEN a transformed date
    curated = tmp_path / "curated"
    request = TransformRequest(SAMPLE_DATE, raw_root, str(curated))
    run(store, request)
    first = _digests(curated)
    # WHEN it is transformed again
    run(store, request)
    # THEN the same files with the same bytes, nothing added
    assert _digests(curated) == first


def test_run_result_does_not_depend_on_batch_size(
    store: ByteStore, raw_root: str, tmp_path: Path
) -> None:
    # GIVEN the same raw partition transformed in one batch and in one batch per playlist
    one = tmp_path / "one"
    many = tmp_path / "many"
    run(store, TransformRequest(SAMPLE_DATE, raw_root, str(one)))
    run(store, TransformRequest(SAMPLE_DATE, raw_root, str(many), batch_bytes=1))
    # THEN the curated files are identical
    assert _digests(one) == _digests(many)


def test_run_without_raw_partition_names_the_missing_folder(
    store: ByteStore, tmp_path: Path
) -> None:
    # GIVEN an empty raw zone
    # WHEN transforming a date
    with pytest.raises(TransformError, match="no raw data for 2026-01-01"):
        run(store, TransformRequest("2026-01-01", str(tmp_path / "raw"), str(tmp_path / "c")))


def test_run_above_quarantine_ratio_fails_after_writing_quarantine(
    store: ByteStore, raw_root: str, tmp_path: Path
) -> None:
    # GIVEN a hand-made partition (no manifest) where two tracks lost their ids (malformed),
    # and a limit below that ratio (2 of 335)
    partition = Path(raw_partition(raw_root, SAMPLE_DATE))
    (partition / "_manifest.json").unlink()
    legacy = "0vvXsWCC9xrXsKd4FyS8kM"  # pragma: allowlist secret
    page = partition / f"playlist_id={legacy}" / "items-000050.json"
    doc = json.loads(page.read_bytes())
    for entry in doc["items"][:2]:
        entry["track"]["id"] = None
    page.write_text(json.dumps(doc))
    curated = tmp_path / "curated"
    request = TransformRequest(SAMPLE_DATE, raw_root, str(curated), max_quarantine_ratio=0.001)
    # WHEN transforming
    with pytest.raises(TransformError) as info:
        run(store, request)
    # THEN the message gives the ratio and top reasons, and the quarantine rows were written;
    # local files, episodes and unavailable entries never count (they are not malformed)
    message = str(info.value)
    assert "0.6%" in message and "SPOTIFY_MAX_QUARANTINE_RATIO" in message
    assert "missing_id ×2" in message
    q = pl.read_parquet(curated_file(str(curated), "quarantine", SAMPLE_DATE))
    assert q["reason"].to_list() == ["missing_id", "missing_id"]


def test_run_quarantines_corrupt_file_and_leaves_raw_untouched(
    store: ByteStore, raw_root: str, tmp_path: Path
) -> None:
    # GIVEN a partition made by hand (no manifest), one of whose pages is truncated JSON
    (Path(raw_partition(raw_root, SAMPLE_DATE)) / "_manifest.json").unlink()
    page = (
        Path(raw_partition(raw_root, SAMPLE_DATE))
        / "playlist_id=0vvXsWCC9xrXsKd4FyS8kM"  # pragma: allowlist secret
        / "items-000050.json"
    )
    page.write_bytes(page.read_bytes()[:500])
    before = page.read_bytes()
    # WHEN transforming (with a limit the 50 lost entries do not cross)
    result = run(
        store, TransformRequest(SAMPLE_DATE, raw_root, str(tmp_path / "c"), max_quarantine_ratio=1)
    )
    # THEN the file is quarantined as bad_json, other entries are transformed, raw is unchanged
    q = pl.read_parquet(curated_file(str(tmp_path / "c"), "quarantine", SAMPLE_DATE))
    whole = q.filter(pl.col("position").is_null()).row(0, named=True)
    assert whole["reason"] == "bad_json"
    assert whole["source_file"].endswith("items-000050.json")
    assert result["entries"] == 335  # playlist.json's embedded first page still covers 0-99
    assert page.read_bytes() == before


def test_run_refuses_a_file_that_differs_from_the_manifest_naming_it(
    store: ByteStore, raw_root: str, tmp_path: Path
) -> None:
    # GIVEN an extracted date one of whose pages changed after the extract (same size even)
    page = (
        Path(raw_partition(raw_root, SAMPLE_DATE))
        / "playlist_id=0vvXsWCC9xrXsKd4FyS8kM"  # pragma: allowlist secret
        / "items-000050.json"
    )
    body = page.read_bytes()
    page.write_bytes(body.replace(b'"total": 120', b'"total": 121'))
    # WHEN transforming THEN it fails naming the file, and writes nothing
    with pytest.raises(
        TransformError, match=r"items-000050\.json does not match the date's manifest"
    ):
        run(store, TransformRequest(SAMPLE_DATE, raw_root, str(tmp_path / "c")))
    assert not (tmp_path / "c").exists()


def test_run_refuses_a_half_replaced_date(store: ByteStore, raw_root: str, tmp_path: Path) -> None:
    # GIVEN a date an extract was swapping in when it stopped: the marker, no manifest
    partition = Path(raw_partition(raw_root, SAMPLE_DATE))
    (partition / "_manifest.json").unlink()
    (partition / "_swap.json").write_text('{"staging": "elsewhere"}')
    # WHEN transforming THEN it refuses, saying what happened and what to do
    with pytest.raises(TransformError, match=r"half-replaced.*run the extract again"):
        run(store, TransformRequest(SAMPLE_DATE, raw_root, str(tmp_path / "c")))


def test_run_keeps_an_incomplete_playlist_row_but_none_of_its_entries(
    store: ByteStore, raw_root: str, tmp_path: Path
) -> None:
    # GIVEN a manifest that records one playlist `incomplete` (its pages stop part-way)
    manifest_path = Path(raw_partition(raw_root, SAMPLE_DATE)) / "_manifest.json"
    manifest = json.loads(manifest_path.read_text())
    short = "3cEYpjA9oz9GiPac4AsH4n"  # 140 entries; its playlist.json embeds the first 100
    for entry in manifest["playlists"]:
        if entry["playlist_id"] == short:
            entry["status"] = "incomplete"
            entry["files"] = entry["files"][:2]  # playlist.json and the page at offset 0
    manifest_path.write_text(json.dumps(manifest))
    # WHEN the date is transformed
    curated = tmp_path / "c"
    run(store, TransformRequest(SAMPLE_DATE, raw_root, str(curated)))
    # THEN the playlist keeps its row, marked not readable whole, and no entry of it is a row
    rows = pl.read_parquet(curated_file(str(curated), "playlists", SAMPLE_DATE))
    row = rows.filter(pl.col("playlist_id") == short).row(0, named=True)
    assert row["items_accessible"] is False and row["item_count"] == 140
    items = pl.read_parquet(curated_file(str(curated), "playlist_items", SAMPLE_DATE))
    assert items.filter(pl.col("playlist_id") == short).height == 0
    assert items.height > 0


def test_write_crash_before_replace_keeps_previous_file(
    store: ByteStore, raw_root: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a complete curated partition
    curated = tmp_path / "curated"
    run(store, TransformRequest(SAMPLE_DATE, raw_root, str(curated)))
    before = _digests(curated)

    # WHEN a re-run crashes between writing the temporary file and replacing the target
    def crash(self: Path, target: Path) -> Path:
        raise OSError("simulated crash")

    monkeypatch.setattr(Path, "replace", crash)
    with pytest.raises(OSError, match="simulated crash"):
        run(store, TransformRequest(SAMPLE_DATE, raw_root, str(curated)))
    monkeypatch.undo()
    # THEN the previous files are complete and unchanged, and no temporary file is left
    assert _digests(curated) == before
    assert not [p for p in curated.rglob(".*") if p.is_file()]


def test_handler_returns_small_json_result(raw_root: str, tmp_path: Path) -> None:
    # GIVEN the event both platforms send
    event = {
        "snapshot_date": SAMPLE_DATE,
        "raw_root": raw_root,
        "curated_root": str(tmp_path / "c"),
        "max_quarantine_ratio": 0.05,
        "idempotency_key": "spotify_pipeline/run-1/2026-11-24",
    }
    # WHEN the handler runs
    result = lambda_handler(event, None)
    # THEN it returns counts and URIs only
    assert result["idempotency_key"] == event["idempotency_key"]
    assert set(result["tables"]) == set(SNAPSHOT_TABLES)
    assert len(repr(result)) < 4000


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"raw_root": "r", "curated_root": "c"}, "missing snapshot_date"),
        ({"snapshot_date": "2026-13-01", "raw_root": "r", "curated_root": "c"}, "YYYY-MM-DD"),
        (
            {
                "snapshot_date": "2026-01-01",
                "raw_root": "r",
                "curated_root": "c",
                "max_quarantine_ratio": "x",
            },
            "number",
        ),
        (
            {
                "snapshot_date": "2026-01-01",
                "raw_root": "r",
                "curated_root": "c",
                "max_quarantine_ratio": 2,
            },
            "between 0 and 1",
        ),
    ],
)
def test_parse_event_rejects_bad_events(event: dict[str, object], message: str) -> None:
    # WHEN a bad event is parsed THEN the error says what is wrong
    with pytest.raises(TransformError, match=message):
        parse_event(event)


def test_unicode_names_survive_raw_to_parquet_byte_exact(
    store: ByteStore, raw_root: str, tmp_path: Path
) -> None:
    # GIVEN the sample's Japanese, Arabic and emoji playlist names in the raw zone
    partition = Path(raw_partition(raw_root, SAMPLE_DATE))
    expected = sorted(
        json.loads(p.read_bytes())["name"] for p in partition.glob("playlist_id=*/playlist.json")
    )
    # WHEN transformed to Parquet
    run(store, TransformRequest(SAMPLE_DATE, raw_root, str(tmp_path / "c")))
    names = pl.read_parquet(curated_file(str(tmp_path / "c"), "playlists", SAMPLE_DATE))["name"]
    # THEN the UTF-8 bytes are identical
    assert sorted(n.encode() for n in names) == sorted(n.encode() for n in expected)
    assert "日本のシティポップ" in expected and "أغاني عربية للمساء" in expected


def test_handler_takes_zones_from_its_environment(
    raw_root: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the function's environment as Terraform sets it (buckets), and an event without zones
    from spotify_transform import handler

    monkeypatch.setenv("RAW_BUCKET", "raw-bucket")
    monkeypatch.setenv("CURATED_BUCKET", "curated-bucket")
    monkeypatch.setenv("SPOTIFY_MAX_QUARANTINE_RATIO", "0.2")
    # WHEN parsed THEN the zones and the limit come from the environment
    request = handler.parse_event({"snapshot_date": SAMPLE_DATE})
    assert (request.raw_root, request.curated_root) == ("s3://raw-bucket", "s3://curated-bucket")
    assert request.max_quarantine_ratio == 0.2


def test_sharded_transform_then_merge_equals_the_single_run(
    store: ByteStore, raw_root: str, tmp_path: Path
) -> None:
    # GIVEN the sample transformed in one go, and split into 3 shards then merged
    whole, split = tmp_path / "whole", tmp_path / "split"
    run(store, TransformRequest(SAMPLE_DATE, raw_root, str(whole)))
    shard_entries = [
        run(
            store,
            TransformRequest(SAMPLE_DATE, raw_root, str(split), stage="shard", shard=i, shards=3),
        )["entries"]
        for i in range(3)
    ]
    merged = run(
        store, TransformRequest(SAMPLE_DATE, raw_root, str(split), stage="merge", shards=3)
    )
    # THEN every table holds the same rows, each key once, and only the merge's note is left
    assert sum(shard_entries) == merged["entries"] == 335  # type: ignore[arg-type]
    for name in SNAPSHOT_TABLES:
        one = pl.read_parquet(curated_file(str(whole), name, SAMPLE_DATE))
        many = pl.read_parquet(curated_file(str(split), name, SAMPLE_DATE))
        assert_frame_equal(one, many)
    assert [Path(f).name for f in store.list_files(str(split / "_staging"))] == ["_merged.json"]


def test_a_merge_retried_after_it_finished_returns_the_same_summary(
    store: ByteStore, raw_root: str, tmp_path: Path
) -> None:
    # GIVEN a split date whose merge finished (its shards cleaned up), as when Airflow retries
    # the task after the invocation succeeded but the worker was lost
    def merge() -> dict[str, object]:
        return run(
            store, TransformRequest(SAMPLE_DATE, raw_root, str(tmp_path), stage="merge", shards=2)
        )

    for i in range(2):
        run(
            store,
            TransformRequest(
                SAMPLE_DATE, raw_root, str(tmp_path), stage="shard", shard=i, shards=2
            ),
        )
    first = merge()
    tables = {n: curated_file(str(tmp_path), n, SAMPLE_DATE) for n in SNAPSHOT_TABLES}
    before = {n: Path(f).read_bytes() for n, f in tables.items()}
    # WHEN the merge runs again THEN it answers what it did, and the tables are untouched
    assert json.loads(json.dumps(merge(), default=str)) == json.loads(
        json.dumps(first, default=str)
    )
    assert {n: Path(f).read_bytes() for n, f in tables.items()} == before
    # AND once the date's raw data changed (extracted again), a merge needs its shards again
    manifest = Path(raw_root) / "spotify" / "playlists" / f"snapshot_date={SAMPLE_DATE}"
    (manifest / "_manifest.json").write_bytes((manifest / "_manifest.json").read_bytes() + b" ")
    with pytest.raises(TransformError, match="have not finished"):
        merge()


def test_merge_refuses_when_a_shard_is_missing(
    store: ByteStore, raw_root: str, tmp_path: Path
) -> None:
    run(
        store,
        TransformRequest(SAMPLE_DATE, raw_root, str(tmp_path), stage="shard", shard=0, shards=2),
    )
    with pytest.raises(TransformError, match=r"shard\(s\) \[1\] of 2 have not finished"):
        run(store, TransformRequest(SAMPLE_DATE, raw_root, str(tmp_path), stage="merge", shards=2))
    assert not (tmp_path / "tracks").exists()  # nothing half-written


@pytest.mark.parametrize(
    ("stage", "shard", "shards"),
    [("split", 0, 1), ("shard", 2, 2), ("shard", 0, 0), ("merge", 0, 65)],
)
def test_bad_shard_requests_are_refused(stage: str, shard: int, shards: int) -> None:
    with pytest.raises(TransformError):
        TransformRequest(SAMPLE_DATE, "r", "c", stage=stage, shard=shard, shards=shards)


@pytest.mark.parametrize(
    ("preset", "winner"),
    [(None, "dirty_decay_ms:5000,muzzy_decay_ms:5000"), ("dirty_decay_ms:0", "dirty_decay_ms:0")],
)
def test_importing_the_transform_tunes_the_allocator_unless_already_set(
    preset: str | None, winner: str
) -> None:
    # GIVEN a fresh interpreter with or without an allocator setting of its own
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
    if preset is not None:
        env["_RJEM_MALLOC_CONF"] = preset
    code = (
        "import os, sys, spotify_transform.jobs.playlists; "
        "assert 'polars' in sys.modules; print(os.environ['_RJEM_MALLOC_CONF'])"
    )
    # WHEN it imports the transform (and with it polars, which writes its own defaults first)
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    # THEN the last word, which jemalloc follows, keeps freed pages for 5 s, unless the user
    # had set a value: then theirs is the last word
    conf = out.stdout.strip()
    assert conf.endswith("," + winner)
    assert conf.count("dirty_decay_ms") == 2
