"""Errors from outside the pipeline's own code reach the command line as one line: a body
Spotify keeps sending broken (`BadResponse`), and botocore's errors from S3 (the call's
operation, bucket and error code; never a credential)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

from spotify_etl.pipeline.snapshot import CheckFailed
from spotify_etl.spotify import client
from tests.conftest import run_cli
from tests.stub_spotify import Fault, StubSpotify

AWS = {
    "SPOTIFY_PIPELINE_SOURCE": "sample",
    "RAW_BUCKET": "sp-err-raw",
    "CURATED_BUCKET": "sp-err-curated",
    "ATHENA_RESULTS_BUCKET": "sp-err-athena-results",
    "TRANSFORM_FUNCTION": "sp-err-transform",
    "GLUE_DATABASE": "sp_err_curated",
    "GLUE_CRAWLER": "sp-err-curated",
    "ATHENA_WORKGROUP": "sp-err-analytics",
    # no credentials but these, no profile, no instance metadata, no retries
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_MAX_ATTEMPTS": "1",
}
KEYS = {
    "AWS_ACCESS_KEY_ID": "AKIDERRTEST",
    "AWS_SECRET_ACCESS_KEY": "very-secret-err-key",  # pragma: allowlist secret
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def empty_s3() -> Iterator[str]:
    """An S3 (moto, real HTTP) that holds no bucket."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.mark.parametrize(
    "broken",
    [r"^/v1/me/?$", r"^/v1/me/"],
    ids=["me", "me-playlists-and-me"],
)
def test_a_body_spotify_keeps_sending_broken_is_one_line(
    stub: StubSpotify,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    broken: str,
) -> None:
    # GIVEN Spotify answering GET /me (and /me/playlists) with a gateway's HTML page, each retry
    from spotify_etl.cli.main import main

    stub.state.faults = [Fault(broken, 200, raw=b"<html>Bad gateway</html>", times=1000)]
    monkeypatch.setattr(client, "BACKOFF_BASE", 0.0)  # the retries without their waits
    for key, value in stub.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SPOTIFY_PIPELINE_HOME", str(tmp_path))
    today = datetime.now(UTC).date().isoformat()
    # WHEN `extract` runs
    code = main(["extract", "--date", today])
    # THEN it fails (exit 1) with one line naming the endpoint and what its body was
    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in err if line.startswith("error: ")]
    assert errors == [err[-1]]
    assert err[-1].startswith("error: GET /me: the body is not JSON (")
    assert err[-1].endswith("(6 tries)")


@pytest.mark.parametrize(
    ("case", "code", "message"),
    [
        ("no-bucket", 1, "error: AWS s3 ListObjectsV2 on bucket sp-err-raw failed: NoSuchBucket ("),
        ("unreachable", 1, "error: AWS s3 ListObjectsV2 on bucket sp-err-raw: Could not connect "),
        (
            "no-credentials",
            2,
            "error: AWS s3 ListObjectsV2 on bucket sp-err-raw: Unable to locate ",
        ),
    ],
)
def test_botocore_errors_are_one_line_naming_the_call(
    empty_s3: str, tmp_path: Path, case: str, code: int, message: str
) -> None:
    # GIVEN the AWS platform with a bucket that does not exist, an S3 nobody answers at, or no
    # credentials at all
    env = {**AWS, "AWS_ENDPOINT_URL": empty_s3}
    if case != "no-credentials":
        env.update(KEYS)
    if case == "unreachable":
        env["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{_free_port()}"
    # WHEN `extract` runs there
    done = run_cli(tmp_path, "extract", "--date", "2026-11-24", "--platform", "aws", **env)
    # THEN one line names the operation, the bucket and the error; no traceback, no credential
    assert done.returncode == code
    assert "Traceback" not in done.stdout + done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(message), line
    assert KEYS["AWS_SECRET_ACCESS_KEY"] not in done.stdout + done.stderr
    assert KEYS["AWS_ACCESS_KEY_ID"] not in done.stdout + done.stderr


def test_a_cause_is_the_message_of_the_pipelines_errors_and_names_a_foreign_one() -> None:
    # GIVEN a pipeline error, a foreign one, and one whose message spans lines
    from spotify_etl.cli.errors import describe

    # WHEN each is described THEN the pipeline's is its message, the others say their class
    assert describe(CheckFailed("1 data-quality check(s) failed: x")) == (
        "1 data-quality check(s) failed: x"
    )
    assert describe(KeyError("snapshot_date")) == "KeyError: 'snapshot_date'"
    assert describe(RuntimeError("one\n  two")) == "RuntimeError: one two"
    assert describe(ValueError()) == "ValueError"
