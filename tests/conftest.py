"""Shared fixtures: a lake in a temporary folder, filled from the bundled sample source."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

# Airflow reads its configuration once, at first import: give the test session a private home
# before anything imports it, so tests never touch ~/airflow or a user's database.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="spotify-pipeline-airflow-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(Path(__file__).parents[1] / "dags"))

from collections.abc import Iterator

import pytest

from spotify_etl.extract.playlists import ExtractRequest, extract
from spotify_etl.spotify.sample import SampleSource
from spotify_transform.storage import ByteStore
from tests.stub_spotify import StubSpotify

SAMPLE_DATE = "2026-11-24"
# The sample's playlists in listing order. Named explicitly, the friend's hidden playlist is
# read too (not visible); `me` would skip it as followed (tests/unit/test_extract.py).
SAMPLE_PLAYLISTS = (
    "3cEYpjA9oz9GiPac4AsH4n",
    "0vvXsWCC9xrXsKd4FyS8kM",
    "5ABHKGoOzxkaa28ttQV9sE",
    "1h0CEZCm6IbFTbxThn6Xcs",
    "6UeSakyzhiEt4NB3UAd6NQ",
)


def _settings_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.startswith(("SPOTIF", "AIRFLOW_CONN_"))}


@pytest.fixture(autouse=True)
def no_settings_leak(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail any test that leaves a setting in this process's environment: a later test would
    read it (an in-process CLI command that once wrote SPOTIFY_SAMPLE_ANCHOR or
    SPOTIFY_PIPELINE_SOURCE into os.environ made another test's result depend on test order).
    Settings a test needs go through monkeypatch, which restores them."""
    before = _settings_env()
    yield
    after = _settings_env()
    if after != before:
        leaked = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        for key in leaked:  # restore, so one leak fails one test, not every later one
            if key in before:
                os.environ[key] = before[key]
            else:
                os.environ.pop(key, None)
        pytest.fail(f"{request.node.nodeid} left settings in the environment: {leaked}")


CHECKOUT_LAKE = Path(__file__).resolve().parents[1] / ".lake"


@pytest.fixture(autouse=True)
def no_lake_in_checkout(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail any test that starts the default lake (`./.lake`) in the checkout: `./scripts/run`
    uses that lake after `./scripts/test`, and would find it claimed by a test's data."""
    existed = CHECKOUT_LAKE.exists()
    yield
    if not existed and CHECKOUT_LAKE.exists():
        import shutil

        shutil.rmtree(CHECKOUT_LAKE, ignore_errors=True)  # one test fails, not every later one
        pytest.fail(f"{request.node.nodeid} wrote the checkout's default lake {CHECKOUT_LAKE}")


@pytest.fixture
def stub() -> Iterator[StubSpotify]:
    """A stub Spotify on 127.0.0.1 serving the sample (tests/stub_spotify.py)."""
    with StubSpotify() as server:
        yield server


@pytest.fixture
def store() -> ByteStore:
    return ByteStore()


@pytest.fixture
def raw_root(tmp_path: Path, store: ByteStore) -> str:
    """A raw zone holding the sample source's five playlists for SAMPLE_DATE."""
    root = str(tmp_path / "raw")
    extract(
        store,
        SampleSource(on=SAMPLE_DATE),
        ExtractRequest(SAMPLE_DATE, root, SAMPLE_PLAYLISTS, "test"),
    )
    return root


# The console script installed next to the interpreter running the tests (.venv/bin).
CLI = str(Path(sys.executable).with_name("spotify-pipeline"))
# Screenshots the tests leave for people to look at after a run (gitignored).
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def run_cli(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`spotify-pipeline ARGS` as a user runs it: a fresh process, the lake in `home`, and none
    of this environment's Airflow or Spotify settings."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "SPOTIF"))}
    environ.update({"SPOTIFY_PIPELINE_HOME": str(home), **env})
    home.mkdir(parents=True, exist_ok=True)
    return subprocess.run(  # in the lake's folder: no .env of the developer's is read
        [CLI, *args], capture_output=True, text=True, env=environ, timeout=600, check=False,
        cwd=home,
    )  # fmt: skip


@pytest.fixture(scope="session")
def sample_week(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """`spotify-pipeline run` without --date, as `./scripts/run` does: the sample's week (here
    ending on SAMPLE_DATE, so every figure is fixed) through the listening and daily DAGs."""
    home = tmp_path_factory.mktemp("week")
    return home, run_cli(home, "run", SPOTIFY_SAMPLE_ANCHOR=SAMPLE_DATE)
