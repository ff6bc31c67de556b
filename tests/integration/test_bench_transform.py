"""The transform benchmark stays runnable, and its synthetic data follows the raw-zone contract."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from spotify_transform.handler import run_request as run
from spotify_transform.jobs.playlists import TransformRequest
from spotify_transform.storage import ByteStore

SCRIPT = Path(__file__).parents[2] / "scripts" / "bench_transform.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_transform", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_synthetic_partition_transforms_completely(tmp_path: Path) -> None:
    # GIVEN a small synthetic partition of both shapes
    bench = _bench()
    size = bench.generate(tmp_path / "raw", entries=600, playlists=4)
    # WHEN transformed
    result = run(
        ByteStore(), TransformRequest(bench.DATE, str(tmp_path / "raw"), str(tmp_path / "c"))
    )
    # THEN every entry becomes a playlist item, nothing is quarantined, both shapes were seen
    assert size > 600 * 1000
    assert result["entries"] == 600
    assert result["quarantined"] == 0
    assert result["shapes"] == {"2026": 2, "legacy": 2}
    tables = result["tables"]
    assert isinstance(tables, dict)
    assert tables["playlist_items"]["rows"] == 600


def test_benchmark_script_runs_end_to_end(tmp_path: Path) -> None:
    cmd = [sys.executable, str(SCRIPT), "--entries", "400", "--playlists", "4"]
    out = subprocess.run(
        [*cmd, "--keep", str(tmp_path)], capture_output=True, text=True, check=True, timeout=300
    )
    assert "ours vs pandas:" in out.stdout
    assert "ours peak RSS:" in out.stdout
