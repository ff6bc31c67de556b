"""A failed `spotify-pipeline run` ends with the failing task and its one-line cause, not with
Airflow's traceback; the traceback is kept in the run's log file, which the ending names."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.conftest import run_cli
from tests.stub_spotify import StubSpotify


def test_an_expired_refresh_token_ends_the_run_with_the_task_and_the_fix(
    stub: StubSpotify, tmp_path: Path
) -> None:
    # GIVEN a refresh token Spotify no longer accepts (invalid_grant: 6 months after consent)
    stub.state.invalid_grant = True
    today = datetime.now(UTC).date().isoformat()
    # WHEN the whole DAG runs with the live source
    done = run_cli(tmp_path, "run", "--date", today, "--source", "spotify", **stub.env())
    # THEN it fails, and stderr ends with the failed task and the cause with its fix
    assert done.returncode != 0
    assert "Traceback" not in done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines[-2] == "failed task(s): extract"
    assert lines[-1].startswith(
        "error: task extract failed: Spotify refused the refresh token (invalid_grant)"
    )
    assert "Run `spotify-pipeline auth`" in lines[-1]
    # AND the ending is short: Airflow's output went to the log file it names, traceback and all
    assert len(lines) <= 6, done.stderr
    log = tmp_path / "logs" / "spotify_pipeline" / f"{today}.log"
    assert f"Airflow's log of the run (task tracebacks): {log}" in lines
    assert "Traceback" in log.read_text() and "ReauthRequired" in log.read_text()
    # AND no secret reached the terminal or the log
    for text in (done.stdout, done.stderr, log.read_text()):
        assert "stub-secret" not in text and stub.state.refresh_token not in text
