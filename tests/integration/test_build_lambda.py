"""The Lambda package: built from uv.lock for python3.12/x86_64, within limits, reproducible,
and its handler runs from the zip alone in a clean interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from importlib.machinery import SourceFileLoader
from pathlib import Path

import pytest

from spotify_etl.extract import ExtractRequest, extract
from spotify_etl.sources import SampleSource
from spotify_transform.storage import ByteStore

ROOT = Path(__file__).parents[2]
SCRIPT = ROOT / "scripts" / "build_lambda.py"


def _runtime_libraries() -> dict[str, str]:
    """Digests of the polars runtime libraries of the environment running the tests."""
    import hashlib
    import importlib.util

    spec = importlib.util.find_spec("_polars_runtime_32")
    assert spec and spec.submodule_search_locations
    folder = Path(next(iter(spec.submodule_search_locations)))
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("*.so")}


BEFORE: dict[str, str] = {}


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    BEFORE.update(_runtime_libraries())
    out = tmp_path_factory.mktemp("dist") / "transform-lambda.zip"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def test_build_never_touches_the_libraries_of_other_environments(package: Path) -> None:
    # uv links installed files from its cache; stripping them in place once corrupted the
    # polars library of the very venv running the build (and crashed it at exit).
    assert BEFORE and _runtime_libraries() == BEFORE


def test_package_is_within_lambda_limits_and_holds_only_what_it_needs(package: Path) -> None:
    with zipfile.ZipFile(package) as zf:
        names = zf.namelist()
        unzipped = sum(i.file_size for i in zf.infolist())
    assert package.stat().st_size <= 50 * 1024 * 1024
    assert unzipped <= 250 * 1024 * 1024
    assert "spotify_transform/handler.py" in names
    assert any(n.startswith("polars/") for n in names)
    top = {n.split("/", 1)[0] for n in names}
    assert not top & {"boto3", "botocore", "spotify_etl", "airflow", "tests"}
    assert not [n for n in names if "__pycache__" in n]


def test_build_is_reproducible(package: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.zip"
    subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(again)], capture_output=True, check=True
    )
    assert again.read_bytes() == package.read_bytes()


def test_requirements_are_generated_from_the_lock() -> None:
    script = SourceFileLoader("build_lambda", str(SCRIPT)).load_module()
    lines = [
        x
        for x in (ROOT / "lambda" / "requirements.txt").read_text().splitlines()
        if not x.startswith("#")
    ]
    assert lines == script.locked_requirements(ROOT / "uv.lock")
    assert {x.split("==")[0] for x in lines} == {"polars", "polars-runtime-32"}


def test_handler_runs_from_the_zip_in_a_clean_interpreter(package: Path, tmp_path: Path) -> None:
    # GIVEN the zip unpacked alone, and the sample's raw partition
    unpacked = tmp_path / "task"
    with zipfile.ZipFile(package) as zf:
        zf.extractall(unpacked)
    extract(
        ByteStore(), SampleSource(), ExtractRequest("2026-11-24", str(tmp_path / "raw"), ("me",))
    )
    event = {
        "snapshot_date": "2026-11-24",
        "raw_root": str(tmp_path / "raw"),
        "curated_root": str(tmp_path / "cur"),
    }
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); "
        "from spotify_transform.handler import lambda_handler; "
        "r = lambda_handler(json.loads(sys.argv[2])); "
        "print(json.dumps([r['entries'], r['quarantined']])); "
        "tops = {m.split('.')[0] for m in sys.modules}; "
        "print(sorted(tops & {'boto3', 'orjson', 'spotify_etl', 'airflow'}))"
    )
    # WHEN the handler runs with no site-packages at all (-I -S): only the zip and the stdlib
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code, str(unpacked), json.dumps(event)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    # THEN it transforms the sample like the in-process handler does
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert json.loads(lines[0]) == [335, 0]  # 335 entries, nothing malformed
    assert lines[1] == "[]"
