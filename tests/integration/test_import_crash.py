"""A crash at any write of an import: the raw zone holds the import committed or not at all, and
the next import of the same export leaves exactly the lake a clean import leaves."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from spotify_etl.pipeline import context, history
from spotify_etl.settings import load
from spotify_transform.rawzone.export import read_imports
from spotify_transform.storage import ByteStore
from tests import synthetic_export as sx


class Crash(Exception):
    """The process died here."""


def _export(path: Path) -> Path:
    rng = random.Random(12)
    streams = list(
        sx.listening(rng, datetime(2025, 1, 1, tzinfo=UTC), 70, 8, sx.catalog(rng, 30, 6))
    )
    old = [sx.extended(s, 1, rng) for s in streams[:300]]
    new = [sx.extended(s, 3, rng) for s in streams[200:]]
    files = {
        "endsong_0.json": sx.render(old),
        "Streaming_History_Audio_2025_0.json": sx.render(new),
        "StreamingHistory_music_0.json": sx.render([sx.account(s) for s in streams[-100:]]),
    }
    path.write_bytes(sx.zip_bytes(files))
    return path


def _import(home: Path, export: Path) -> dict[str, Any]:
    run = context.for_cli(load({"SPOTIFY_PIPELINE_HOME": str(home)}), "2026-12-01")
    return history.import_export(run, str(export))


def _streams(home: Path) -> dict[str, str]:
    root = home / "curated" / "streams"
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*.parquet"))
    }


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """Every write of every byte store (the CLI's and the transform's) counted; the one numbered
    `crash_at` raises instead."""
    state = {"writes": 0, "crash_at": -1}
    for name in ("write", "put_file", "delete", "delete_prefix"):
        real = getattr(ByteStore, name)

        def wrapped(self: ByteStore, *args: Any, _real: Any = real, **kwargs: Any) -> Any:
            state["writes"] += 1
            if state["writes"] == state["crash_at"]:
                raise Crash(f"crash at write {state['writes']}")
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(ByteStore, name, wrapped)
    yield state


def test_a_crash_at_any_write_of_an_import_is_undone_or_finished_by_the_next(
    tmp_path: Path, counting: dict[str, int]
) -> None:
    # GIVEN an export and the lake a clean import of it leaves
    export = _export(tmp_path / "export.zip")
    _import(tmp_path / "clean", export)
    clean, writes = _streams(tmp_path / "clean"), counting["writes"]
    assert writes > 10
    for crash_at in range(1, writes + 1):
        home = tmp_path / f"crash-{crash_at}"
        counting.update(writes=0, crash_at=crash_at)
        # WHEN the import dies at that write
        with pytest.raises(Crash):
            _import(home, export)
        # THEN the raw zone holds the import committed whole or not at all
        committed = read_imports(ByteStore(), str(home / "raw"))
        assert len(committed) <= 1
        if committed:
            assert all(f.accounting.balanced for f in committed[0].files)
        # AND the next import of the same export leaves exactly the clean lake
        counting.update(writes=0, crash_at=-1)
        _import(home, export)
        assert _streams(home) == clean, crash_at
        assert len(read_imports(ByteStore(), str(home / "raw"))) == 1


def test_an_import_that_died_mid_merge_is_undone_by_the_next_import_of_another_export(
    tmp_path: Path, counting: dict[str, int]
) -> None:
    # GIVEN export A, whose import dies after it rewrote some months but before its commit,
    # and export B, another listener's year
    a = _export(tmp_path / "a.zip")
    rng = random.Random(99)
    streams = list(
        sx.listening(rng, datetime(2025, 2, 1, tzinfo=UTC), 50, 8, sx.catalog(rng, 20, 4))
    )
    b = tmp_path / "b.zip"
    b.write_bytes(sx.zip_bytes({"Streaming_History_Audio_2025_0.json": sx.render(
        [sx.extended(s, 3, rng) for s in streams])}))  # fmt: skip
    _import(tmp_path / "clean", b)
    clean = _streams(tmp_path / "clean")
    counting.update(writes=0)
    _import(tmp_path / "probe", a)
    writes = counting["writes"]
    home = tmp_path / "lake"
    for crash_at in range(1, writes + 1):  # the first crash that leaves months rewritten before
        counting.update(writes=0, crash_at=crash_at)  # the merge could record its files
        shutil.rmtree(home, ignore_errors=True)
        with pytest.raises(Crash):
            _import(home, a)
        ledger = home / "curated" / "_state" / "streams.json"
        recorded = ledger.is_file() and json.loads(ledger.read_text())["files"]
        if _streams(home) and not recorded:
            break
    else:
        pytest.fail("no crash left rewritten months without a commit")
    # WHEN B is imported next
    counting.update(writes=0, crash_at=-1)
    _import(home, b)
    # THEN the lake holds B alone, as a clean import of B leaves it: A's rows are gone
    assert _streams(home) == clean
    assert [len(m.files) for m in read_imports(ByteStore(), str(home / "raw"))] == [1]
