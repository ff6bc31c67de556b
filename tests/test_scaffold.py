"""The project scaffold stays consistent with the lock file and the design's layout."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).parents[1]


def _locked(name: str) -> str:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    (version,) = [p["version"] for p in lock["package"] if p["name"] == name]
    return str(version)


def test_dockerfile_base_tag_matches_locked_airflow() -> None:
    m = re.search(
        r"^FROM apache/airflow:(\S+)-python3\.12$", (ROOT / "Dockerfile").read_text(), re.M
    )
    assert m, "Dockerfile must start FROM apache/airflow:<version>-python3.12"
    assert m.group(1) == _locked("apache-airflow")


def test_dockerfile_installs_the_locked_uv() -> None:
    assert f'"uv=={_locked("uv")}"' in (ROOT / "Dockerfile").read_text()


def test_compose_has_the_design_services_and_keeps_postgres_private() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {
        "postgres",
        "airflow-init",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
    }
    assert "ports" not in services["postgres"]
    assert "healthcheck" in services["postgres"]
    assert services["airflow-apiserver"]["ports"] == ["127.0.0.1:8080:8080"]


def test_design_layout_exists() -> None:
    for path in [
        "dags/spotify_pipeline.py",
        "dags/spotify_etl/settings.py",
        "dags/spotify_etl/extract.py",
        "dags/spotify_etl/cli.py",
        "dags/spotify_etl/platforms/base.py",
        "dags/spotify_etl/platforms/local.py",
        "lambda/spotify_transform/handler.py",
        "lambda/spotify_transform/normalize.py",
        "lambda/spotify_transform/schemas.py",
        "lambda/spotify_transform/storage.py",
        ".ci/run",
        "scripts/run",
        "scripts/test",
    ]:
        assert (ROOT / path).exists(), path


def test_transform_package_never_imports_etl_or_airflow() -> None:
    for source in (ROOT / "lambda" / "spotify_transform").glob("*.py"):
        text = source.read_text()
        assert not re.search(r"^\s*(from|import) (spotify_etl|airflow)\b", text, re.M), source.name
