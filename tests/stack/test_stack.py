"""The docker compose stack for real, as a new user meets it (docs/compose.md).

From a clean copy of the project: `./scripts/stack up` (the quickstart) → every service healthy →
log in through the simple auth manager (`POST /auth/token`) → unpause and trigger
`spotify_pipeline` and `spotify_listening_history` through the REST API v2 → both succeed → the
curated tables are in the `lake` volume → `spotify_report_refresh` ran from the Asset events →
`docker compose restart`, healthy again, a second run succeeds → `down` + `up` (with another
AIRFLOW_UID, so init must repair the volumes) keeps runs, data and task logs → `down -v`, always.

The stack runs the project's Dockerfile and docker-compose.yaml unchanged. Where no image
registry is reachable (these machines and their CI), the official base images are local
stand-ins built from Debian by scripts/standin_images.py; what they keep of the official images
and where they differ is written at the top of docker/standins/*/Dockerfile (Python 3.11 and
PostgreSQL 15 instead of 3.12 and 16; only the aiobotocore, amazon and postgres providers).

Every request loop is bounded in count and time; only 127.0.0.1 and the test's own containers
are contacted. Cost: ~1 min of image builds on a warm machine, ~5 min in all.
"""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.stack.harness import (
    ROOT,
    SAMPLE_DATE,
    SERVICES,
    Stack,
    compose_command,
    copy_project,
    failed_tasks,
    free_port,
    login,
)

DAGS = ("spotify_pipeline", "spotify_listening_history")
REFRESH = "spotify_report_refresh"
CURATED = "/opt/airflow/lake/curated"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The quickstart, run in a clean copy of the project; `down -v` at the end, always."""
    engine = subprocess.run(
        [str(ROOT / "scripts" / "docker-engine")], capture_output=True, text=True, check=False
    )
    if engine.returncode != 0:
        if os.environ.get("CI") or os.geteuid() == 0:
            pytest.fail(f"no Docker engine for the stack test: {engine.stderr}")
        pytest.skip(f"no Docker engine, and not root to start one: {engine.stderr.strip()}")
    project = tmp_path_factory.mktemp("stack") / "spotify-pipeline"
    project.mkdir()
    copy_project(project)
    port = free_port()
    # A uid the image does not know: the entrypoint must register it, init must give it the
    # volumes. The quickstart must keep these two values and fill in every secret.
    (project / ".env").write_text(f"AIRFLOW_UID=4242\nAIRFLOW_PORT={port}\n")
    env = {
        **os.environ,
        "COMPOSE_PROJECT_NAME": f"spstack{uuid.uuid4().hex[:8]}",
        "DOCKER_COMPOSE": compose_command(),
        "WAIT_TIMEOUT": "300",
    }
    running = Stack(project, env, port)
    try:
        running.run("./scripts/stack", "up", timeout=2400)
        yield running
    finally:
        try:
            running.run("./scripts/stack", "compose", "logs", "--tail", "40", check=False)
        finally:
            running.run("./scripts/stack", "down", "-v", "--remove-orphans", check=False)
            print("\n".join(running.log[-6:]))


def test_stack_quickstart_makes_secrets_and_every_service_healthy(stack: Stack) -> None:
    # GIVEN the quickstart ran on a copy whose .env held only AIRFLOW_UID and AIRFLOW_PORT
    env_file = stack.dir / ".env"
    # THEN .env is private, kept both values and holds every secret at an adequate length
    assert env_file.stat().st_mode & 0o777 == 0o600
    assert stack.setting("AIRFLOW_UID") == "4242"
    assert stack.setting("AIRFLOW_PORT") == str(stack.port)
    assert len(stack.setting("AIRFLOW__API_AUTH__JWT_SECRET")) >= 64
    assert len(stack.setting("AIRFLOW_ADMIN_PASSWORD")) >= 12
    # AND every long-running service is healthy, the init step completed
    health = stack.health()
    assert {s: health.get(s) for s in SERVICES} == {s: "healthy" for s in SERVICES}
    assert health["airflow-init"] == "exited"


def test_stack_image_has_a_consistent_environment(stack: Stack) -> None:
    # WHEN pip checks the built image's virtualenv (the base image bundles aiobotocore, whose
    # botocore pin clashes with the lock's)
    result = stack.run(
        "docker", "run", "--rm", "--entrypoint", "python", "spotify-pipeline-airflow:local",
        "-m", "pip", "check", check=False,
    )  # fmt: skip
    # THEN every installed requirement is satisfied
    assert result.returncode == 0, result.stdout + result.stderr


def test_stack_runs_both_dags_and_the_asset_driven_refresh(stack: Stack) -> None:
    # GIVEN a login through the simple auth manager, and the DAGs as a new user finds them
    api = login(stack)
    paused = {d: api.call("GET", f"/dags/{d}")["is_paused"] for d in (*DAGS, REFRESH)}
    assert paused == {"spotify_pipeline": True, "spotify_listening_history": True, REFRESH: False}
    # WHEN the user unpauses the two scheduled DAGs and triggers a run of each
    for dag_id in DAGS:
        api.call("PATCH", f"/dags/{dag_id}", json={"is_paused": False})
    api.trigger("spotify_pipeline", "stack-1", f"{SAMPLE_DATE}T00:00:00Z")
    api.trigger("spotify_listening_history", "stack-1", f"{SAMPLE_DATE}T12:00:00Z")
    # THEN both succeed (with the scheduled runs that unpausing starts, all at once)
    assert {d: api.wait_for(d, "stack-1") for d in DAGS} == {d: "success" for d in DAGS}
    api.wait_until_settled((*DAGS, REFRESH))
    # AND the refresh ran from the Asset events and succeeded
    refreshes = api.runs(REFRESH)
    assert refreshes and all(r["run_type"] == "asset_triggered" for r in refreshes)
    assert {r["state"] for r in refreshes} == {"success"}
    # AND no task of any run failed or needed a retry (no catalog lock error, no early event)
    assert failed_tasks(api, (*DAGS, REFRESH)) == []
    # AND the curated tables are in the lake volume, the report too
    files = stack.compose(
        "exec", "-T", "airflow-scheduler", "find", "/opt/airflow/lake", "-name", "*.parquet"
    ).stdout.split()
    for table in ("playlists", "playlist_items", "tracks", "artists", "track_artists"):
        assert f"{CURATED}/{table}/snapshot_date={SAMPLE_DATE}/part-00000.parquet" in files
    assert any(f.startswith(f"{CURATED}/plays/played_date=") for f in files)


def test_stack_restart_is_healthy_again_and_runs(stack: Stack) -> None:
    # WHEN the stack is restarted
    stack.compose("restart", timeout=300)
    stack.compose("up", "-d", "--wait", "--wait-timeout", "300", timeout=400)
    # THEN every service is healthy again and a second run succeeds
    assert {s: stack.health().get(s) for s in SERVICES} == {s: "healthy" for s in SERVICES}
    api = login(stack)
    api.trigger("spotify_pipeline", "stack-2", "2026-11-25T00:00:00Z")
    assert api.wait_for("spotify_pipeline", "stack-2") == "success"


def test_stack_down_up_keeps_runs_data_and_logs_and_repairs_volumes(stack: Stack) -> None:
    # GIVEN the stack taken down (containers gone, volumes kept), and another AIRFLOW_UID, so
    # the volumes now belong to a uid the new containers do not run as
    stack.run("./scripts/stack", "down", timeout=300)
    stack.set_setting("AIRFLOW_UID", "50000")
    # WHEN it is brought up again with the quickstart
    stack.run("./scripts/stack", "up", timeout=900)
    api = login(stack)
    # THEN the earlier runs are still there, with their task logs readable
    ids = {r["dag_run_id"] for r in api.runs("spotify_pipeline")}
    assert {"stack-1", "stack-2"} <= ids
    text = api.log_text("spotify_pipeline", "stack-1", "extract")
    assert "Could not read served logs" not in text
    assert '"task_id": "extract"' in text and '"dag_id": "spotify_pipeline"' in text
    # AND the data is still there, and the repaired lake takes a third run
    files = stack.compose(
        "exec", "-T", "airflow-scheduler", "find", "/opt/airflow/lake/curated", "-name", "*.parquet"
    ).stdout.split()
    assert f"{CURATED}/playlists/snapshot_date={SAMPLE_DATE}/part-00000.parquet" in files
    api.trigger("spotify_pipeline", "stack-3", "2026-11-26T00:00:00Z")
    assert api.wait_for("spotify_pipeline", "stack-3") == "success"
    owners = stack.compose(
        "exec", "-T", "airflow-scheduler", "stat", "-c", "%u", "/opt/airflow/lake/curated",
        "/opt/airflow/lake/catalog.duckdb",
    ).stdout.split()  # fmt: skip
    assert owners == ["50000", "50000"]


def test_stack_init_stops_on_a_short_secret_naming_it(stack: Stack) -> None:
    # GIVEN a JWT secret shorter than the 64 bytes HS512 needs
    good = stack.setting("AIRFLOW__API_AUTH__JWT_SECRET")
    stack.set_setting("AIRFLOW__API_AUTH__JWT_SECRET", "too-short-a-secret")
    try:
        # WHEN the init step runs
        result = stack.run(
            "./scripts/stack", "compose", "run", "--rm", "--no-deps", "airflow-init",
            check=False, timeout=300,
        )  # fmt: skip
    finally:
        stack.set_setting("AIRFLOW__API_AUTH__JWT_SECRET", good)
    # THEN it stops, naming the variable and the length it needs, without printing the value
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "AIRFLOW__API_AUTH__JWT_SECRET is 18 bytes" in output and "64 or more" in output
    assert "too-short-a-secret" not in output


def test_stack_up_says_when_the_port_is_taken(stack: Stack, tmp_path: Path) -> None:
    # GIVEN a second copy of the project whose port something else already holds
    other = tmp_path / "other"
    other.mkdir()
    copy_project(other)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        (other / ".env").write_text(f"AIRFLOW_PORT={port}\n")
        env = {**stack.env, "COMPOSE_PROJECT_NAME": f"spstackport{uuid.uuid4().hex[:6]}"}
        # WHEN its quickstart runs
        result = subprocess.run(
            ["./scripts/stack", "up"], cwd=other, env=env, capture_output=True, text=True,
            timeout=120, check=False,
        )  # fmt: skip
    # THEN it stops before building anything, naming the port and the setting
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use; set AIRFLOW_PORT in .env" in result.stderr
