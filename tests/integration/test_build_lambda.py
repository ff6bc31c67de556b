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

from spotify_etl.extract.playlists import ExtractRequest, extract
from spotify_etl.spotify.sample import SampleSource
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


def _curated_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.parquet"))}


def _boto3_only(tmp_path: Path) -> Path:
    """A folder holding boto3 and what it imports, as the Lambda runtime provides them."""
    import importlib.util

    folder = tmp_path / "runtime"
    folder.mkdir()
    for name in ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six"):
        spec = importlib.util.find_spec(name)
        assert spec and spec.origin
        origin = Path(spec.origin)
        src = origin.parent if origin.name == "__init__.py" else origin
        (folder / src.name).symlink_to(src)
    return folder


def test_the_zip_alone_gives_the_local_platforms_files_on_disk_and_on_s3(
    package: Path, tmp_path: Path
) -> None:
    # GIVEN the zip unpacked into an empty folder, boto3 beside it (the runtime's), the sample's
    # raw partition, and the files the local platform's in-process handler writes from it
    import boto3
    from moto.server import ThreadedMotoServer

    from spotify_transform.handler import lambda_handler

    unpacked = tmp_path / "task"
    with zipfile.ZipFile(package) as zf:
        zf.extractall(unpacked)
    runtime = _boto3_only(tmp_path)
    raw = tmp_path / "raw"
    extract(ByteStore(), SampleSource(), ExtractRequest("2026-11-24", str(raw), ("me",)))
    lambda_handler({"snapshot_date": "2026-11-24", "raw_root": str(raw),
                    "curated_root": str(tmp_path / "local")})  # fmt: skip
    expected = _curated_bytes(tmp_path / "local")
    code = (
        "import json, sys; sys.path[:0] = sys.argv[1:3]; "
        "from spotify_transform.handler import lambda_handler; "
        "print(json.dumps(lambda_handler(json.loads(sys.argv[3]))['entries']))"
    )

    def run_zip(event: dict[str, str], env: dict[str, str] | None = None) -> None:
        argv = [sys.executable, "-I", "-S", "-c", code, str(unpacked), str(runtime)]
        done = subprocess.run(
            [*argv, json.dumps(event)],
            capture_output=True, text=True, check=False, env=env, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        assert done.stdout.strip().splitlines()[-1] == "335"

    # WHEN it transforms on local paths THEN its files are the local platform's, byte for byte
    run_zip(
        {"snapshot_date": "2026-11-24", "raw_root": str(raw), "curated_root": str(tmp_path / "zip")}
    )
    assert _curated_bytes(tmp_path / "zip") == expected
    # AND against S3 (moto in server mode, real HTTP): the same bytes land in the bucket
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        secret = "testing"  # pragma: allowlist secret
        env = {
            "AWS_ENDPOINT_URL": f"http://{host}:{port}",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_DEFAULT_REGION": "eu-west-1",
        }
        s3 = boto3.client(
            "s3",
            endpoint_url=env["AWS_ENDPOINT_URL"],
            region_name="eu-west-1",
            aws_access_key_id="testing",
            aws_secret_access_key=secret,
        )
        for bucket in ("raw-zip", "curated-zip"):
            s3.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
            )
        for path in raw.rglob("*.json"):
            s3.put_object(
                Bucket="raw-zip", Key=path.relative_to(raw).as_posix(), Body=path.read_bytes()
            )
        run_zip({"snapshot_date": "2026-11-24", "raw_root": "s3://raw-zip",
                 "curated_root": "s3://curated-zip"}, env)  # fmt: skip
        listed = s3.list_objects_v2(Bucket="curated-zip")["Contents"]
        got = {
            o["Key"]: s3.get_object(Bucket="curated-zip", Key=o["Key"])["Body"].read()
            for o in listed
            if o["Key"].endswith(".parquet")
        }
        assert got == expected
    finally:
        server.stop()
