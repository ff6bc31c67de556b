"""A crash at any write of an import: the raw zone holds the import committed or not at all, and
the next import of the same export leaves exactly the lake a clean import leaves."""

from __future__ import annotations

import hashlib
import random
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
