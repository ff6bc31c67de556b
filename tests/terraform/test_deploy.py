"""`scripts/deploy`: the orchestration of one environment's deployment, offline, with a
recording `terraform` stand-in first on PATH (terraform's AWS provider cannot be downloaded
here, so init/plan/apply cannot run for real; the stand-in records what would be run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
OUTPUTS = {
    "raw_bucket": "sp-dev-raw", "curated_bucket": "sp-dev-curated",
    "athena_results_bucket": "sp-dev-athena", "transform_function": "sp-dev-transform",
    "glue_database": "sp_dev", "glue_crawler": "sp-dev-curated", "athena_workgroup": "sp-dev",
    "aws_region": "eu-west-1", "lambda_reserved_concurrency": None,
}  # fmt: skip
STAND_IN = """#!/usr/bin/env python3
import json, sys
with open(sys.argv[0] + ".log", "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
if "output" in sys.argv:
    print(json.dumps({k: {"value": v} for k, v in OUTPUTS.items()}))
elif "show" in sys.argv:
    print("Plan: 42 to add, 0 to change, 0 to destroy.")
"""


@pytest.fixture
def stand_in(tmp_path: Path) -> Path:
    """A `terraform` that records its arguments (and answers `output -json` and `show`)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    exe = folder / "terraform"
    exe.write_text(STAND_IN.replace("OUTPUTS.items()", f"{OUTPUTS!r}.items()"))
    exe.chmod(0o755)
    return exe


def _deploy(
    tmp_path: Path, stand_in: Path | None, *args: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    path = f"{stand_in.parent}{os.pathsep}" if stand_in else ""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_STATE"))}
    full = {
        **base,
        "PATH": path + str(Path(sys.executable).parent) + os.pathsep + "/usr/bin:/bin",
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "example",  # pragma: allowlist secret
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "TF_STATE_BUCKET": "org-tfstate",
        **env,
    }
    full = {k: v for k, v in full.items() if v != ""}
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "deploy.py"), *args,
         "--env-file", str(tmp_path / ".env"), "--package", str(_package(tmp_path))],
        input=stdin, capture_output=True, text=True, env=full, timeout=120, check=False,
    )  # fmt: skip


def _calls(stand_in: Path) -> list[list[str]]:
    log = Path(str(stand_in) + ".log")
    return [json.loads(x) for x in log.read_text().splitlines()] if log.exists() else []


def _package(tmp_path: Path) -> Path:
    """A built package for `--no-build` (an empty zip: the stand-in never reads it)."""
    zipped = tmp_path / "transform-lambda.zip"
    zipped.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    return zipped


def test_deploy_runs_init_plan_show_apply_then_writes_the_outputs(
    tmp_path: Path, stand_in: Path
) -> None:
    # GIVEN credentials, the state bucket and a built package
    # WHEN dev is deployed with --yes
    done = _deploy(tmp_path, stand_in, "dev", "--yes", "--no-build")
    # THEN terraform ran in order in the environment's folder, the plan shown was applied as
    # saved, and the outputs are in .env
    assert done.returncode == 0, done.stderr
    chdir = f"-chdir={ROOT / 'terraform' / 'envs' / 'dev'}"
    assert _calls(stand_in) == [
        [chdir, "init", "-input=false", "-backend-config=bucket=org-tfstate",
         "-backend-config=key=spotify-pipeline/dev.tfstate", "-backend-config=region=eu-west-1"],
        [chdir, "plan", "-input=false", f"-var=package_path={tmp_path / 'transform-lambda.zip'}",
         "-out=tfplan"],
        [chdir, "show", "-no-color", "tfplan"],
        [chdir, "apply", "-input=false", "tfplan"],
        [chdir, "output", "-json"],
    ]  # fmt: skip
    assert "Plan: 42 to add" in done.stdout
    env = (tmp_path / ".env").read_text()
    assert "RAW_BUCKET=sp-dev-raw" in env and "SPOTIFY_PIPELINE_PLATFORM=aws" in env
    assert "SPOTIFY_LAMBDA_RESERVED_CONCURRENCY=\n" in env


def test_deploy_applies_nothing_unless_confirmed(tmp_path: Path, stand_in: Path) -> None:
    # GIVEN no --yes, and the user answering "no" at the prompt
    done = _deploy(tmp_path, stand_in, "prod", "--no-build", stdin="no\n")
    # THEN the plan was made and shown, never applied, and .env is untouched
    assert done.returncode == 1 and "not applied" in done.stdout
    assert [c[1] for c in _calls(stand_in)] == ["init", "plan", "show"]
    assert not (tmp_path / ".env").exists()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TF_STATE_BUCKET": ""}, "error: TF_STATE_BUCKET is not set"),
        ({"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}, "error: no AWS credentials"),
    ],
)
def test_deploy_stops_before_anything_when_a_prerequisite_is_missing(
    tmp_path: Path, stand_in: Path, env: dict[str, str], message: str
) -> None:
    done = _deploy(tmp_path, stand_in, "dev", "--yes", "--no-build", **env)
    assert done.returncode == 2 and done.stderr.startswith(message)
    assert _calls(stand_in) == []


def test_deploy_says_when_terraform_is_missing(tmp_path: Path) -> None:
    done = _deploy(tmp_path, None, "dev", "--yes", "--no-build")
    assert done.returncode == 2
    assert "error: terraform is not on PATH" in done.stderr


def test_deploy_names_the_environments_it_knows(tmp_path: Path, stand_in: Path) -> None:
    done = _deploy(tmp_path, stand_in, "staging", "--yes", "--no-build")
    assert done.returncode == 2 and "use one of: dev, prod" in done.stderr
