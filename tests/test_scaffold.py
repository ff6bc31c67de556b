"""The project scaffold stays consistent with the lock file and the design's layout."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_design_layout_exists() -> None:
    for path in [
        "dags/spotify_pipeline.py",
        "dags/spotify_etl/settings.py",
        "dags/.airflowignore",
        "dags/spotify_etl/extract/playlists.py",
        "dags/spotify_etl/cli/main.py",
        "dags/spotify_etl/platforms/base.py",
        "dags/spotify_etl/platforms/local.py",
        "lambda/spotify_transform/handler.py",
        "lambda/spotify_transform/rawzone/manifest.py",
        "lambda/spotify_transform/normalize/playlists.py",
        "lambda/spotify_transform/schemas.py",
        "lambda/spotify_transform/storage.py",
        ".ci/run",
        "scripts/run",
        "scripts/test",
    ]:
        assert (ROOT / path).exists(), path


def test_transform_package_never_imports_etl_or_airflow() -> None:
    for source in (ROOT / "lambda" / "spotify_transform").rglob("*.py"):
        text = source.read_text()
        assert not re.search(r"^\s*(from|import) (spotify_etl|airflow)\b", text, re.M), source.name
