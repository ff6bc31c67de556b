"""The `spotify_history_import` DAG, run in-process by Airflow as the scheduler would run it, and
the privacy of an import: the export's IP addresses and user names never leave the raw zone."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tests import synthetic_export as sx
from tests.conftest import run_cli

RUN = """
import json, sys
from pathlib import Path
from spotify_etl.cli import runner
out = runner.run_dag(Path(sys.argv[1]), "2026-12-01", dag_id="spotify_history_import",
    dag_file=runner.dags_folder() / "spotify_history_import.py", conf={"path": sys.argv[2]})
print(json.dumps({"state": out.state, "tasks": out.task_states, "xcoms": out.xcoms}, default=str))
"""
PERSONAL = (sx.PLANTED_IP, sx.PLANTED_USER)


def _export(path: Path) -> Path:
    """An export with every generation, account data, and a bad record carrying an IP."""
    rng = random.Random(8)
    tracks = sx.catalog(rng, 40, 8)
    streams = list(sx.listening(rng, datetime(2025, 9, 1, tzinfo=UTC), 40, 10, tracks))
    gen1 = [sx.extended(s, 1, rng) for s in streams[:150]]
    gen3 = [sx.extended(s, 3, rng) for s in streams[100:]]
    gen3[70] = {**gen3[70], "ts": "not a time"}  # quarantined, its payload must drop the IP
    files = {
        "endsong_0.json": sx.render(gen1),
        "Streaming_History_Audio_2025_0.json": sx.render(gen3),
        "StreamingHistory_music_0.json": sx.render([sx.account(s) for s in streams[-50:]]),
        "Userdata.json": json.dumps({"username": sx.PLANTED_USER}).encode(),
    }
    path.write_bytes(sx.zip_bytes(files))
    return path


def _run(home: Path, export: Path) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "SPOTIF"))}
    env["SPOTIFY_PIPELINE_HOME"] = str(home)
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(home), str(export)],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["log"] = done.stdout + done.stderr
    return result


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    home = tmp_path_factory.mktemp("history")
    return home, _run(home, _export(home.parent / "export.zip"))


def test_the_import_dag_lands_transforms_merges_commits_and_checks(
    imported: tuple[Path, dict[str, Any]],
) -> None:
    # GIVEN the DAG run on an export (module fixture)
    home, result = imported
    # THEN every task succeeded, in lanes, and the import was committed and checked
    assert result["state"] == "success", result["tasks"]
    assert set(result["tasks"].values()) == {"success"}
    committed = result["xcoms"]["commit"]
    assert committed["committed"] and committed["balanced"]
    assert committed["files"] == 3 and committed["ignored"] == 1
    assert committed["dropped"]["duplicate_record"] == 50  # the files share 50 streams
    assert committed["quarantined"] == 1
    assert result["xcoms"]["check"]["streams_rows"] == committed["lake"]["rows_kept"]
    # AND the data is queryable
    rows = run_cli(home, "query", "SELECT count(*) FROM listening", "--json")
    assert json.loads(rows.stdout)["rows"][0][0] == committed["lake"]["rows_kept"]


def test_running_the_import_dag_again_changes_nothing(
    imported: tuple[Path, dict[str, Any]],
) -> None:
    home, _ = imported
    before = {p: p.read_bytes() for p in (home / "curated" / "streams").rglob("*.parquet")}
    again = _run(home, home.parent / "export.zip")
    assert again["state"] == "success"
    assert again["xcoms"]["commit"]["committed"] is False
    after = {p: p.read_bytes() for p in (home / "curated" / "streams").rglob("*.parquet")}
    assert after == before


def test_personal_fields_never_leave_the_raw_zone(imported: tuple[Path, dict[str, Any]]) -> None:
    # GIVEN an import of an export whose records carry an IP address and a user name
    home, result = imported
    raw_files = list((home / "raw" / "spotify" / "export" / "files").glob("*.json"))
    assert any(sx.PLANTED_IP.encode() in f.read_bytes() for f in raw_files)  # kept, in raw
    # WHEN everything that left the raw zone is searched: curated files (their values), query
    # results, XComs, task logs, manifests of the import, and the report
    report = run_cli(home, "report", "--date", "2026-12-01")
    assert report.returncode == 0, report.stderr
    for sql in (
        "SELECT * FROM streams",
        "SELECT * FROM import_quarantine",
        "SELECT * FROM listening",
    ):
        assert run_cli(home, "query", sql).returncode == 0
    found: list[str] = []
    for path in (home / "curated").rglob("*.parquet"):
        text = pl.read_parquet(path).write_csv() + path.read_bytes().decode("latin-1")
        found += [f"{path}: {p}" for p in PERSONAL if p in text]
    searched = [
        *(home / "query-results").glob("*.csv"),
        *(home / "raw" / "spotify" / "export" / "imports").rglob("*.json"),
        *(home / "reports").rglob("*.*"),
        *(home / ".airflow").rglob("*.log"),
        *(home / "curated" / "_state").rglob("*.json"),
        *(home / "curated" / "_derived").rglob("*.json"),
    ]
    assert len(searched) > 5
    for path in searched:
        found += [f"{path}: {p}" for p in PERSONAL if p in path.read_text(errors="replace")]
    for blob in (json.dumps(result["xcoms"]), result["log"], report.stdout + report.stderr):
        found += [f"output: {p}" for p in PERSONAL if p in blob]
    # THEN none holds them
    assert found == []
