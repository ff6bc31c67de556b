"""Shared fixtures: a lake in a temporary folder, filled from the bundled sample source."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# Airflow reads its configuration once, at first import: give the test session a private home
# before anything imports it, so tests never touch ~/airflow or a user's database.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="spotify-pipeline-airflow-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(Path(__file__).parents[1] / "dags"))

import pytest

from spotify_etl.extract import ExtractRequest, extract
from spotify_etl.sources import SampleSource
from spotify_transform.storage import ByteStore

SAMPLE_DATE = "2026-11-24"


@pytest.fixture
def store() -> ByteStore:
    return ByteStore()


@pytest.fixture
def raw_root(tmp_path: Path, store: ByteStore) -> str:
    """A raw zone holding the sample source's playlists for SAMPLE_DATE."""
    root = str(tmp_path / "raw")
    extract(store, SampleSource(), ExtractRequest(SAMPLE_DATE, root, ("me",), "test"))
    return root
