"""Terraform, checked offline: structure, security rules and cross-checks with the Python code.

The AWS provider cannot be downloaded here, so `validate`/`plan` cannot run on the modules that
use it; python-hcl2 parses them instead. The provider-free `naming` module is validated and
tested with terraform itself. `terraform fmt` and checkov run as pre-commit hooks.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hcl2
import pytest
from hcl2 import SerializationOptions

from spotify_transform.tables import TABLES

ROOT = Path(__file__).parents[2]
TF = ROOT / "terraform"
MODULES = ["data_lake", "iam", "transform_lambda", "glue_catalog", "athena", "naming"]
ENVS = ["dev", "prod"]
OPTS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False)


def parse(path: Path) -> dict[str, Any]:
    with path.open() as fh:
        data: dict[str, Any] = hcl2.load(fh, serialization_options=OPTS)
    return data


def parse_dir(folder: Path) -> dict[str, list[Any]]:
    merged: dict[str, list[Any]] = {}
    for path in sorted(folder.glob("*.tf")):
        for key, value in parse(path).items():
            merged.setdefault(key, []).extend(value if isinstance(value, list) else [value])
    return merged


def blocks(tree: dict[str, list[Any]], kind: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(type, name, body) of every resource/data block."""
    for entry in tree.get(kind, []):
        for rtype, named in entry.items():
            for name, body in named.items():
                yield rtype, name, body


def walk(node: Any, key: str) -> Iterator[Any]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                yield v
            yield from walk(v, key)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item, key)


@pytest.mark.parametrize("module", MODULES)
def test_module_has_the_five_files(module: str) -> None:
    for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"):
        assert (TF / "modules" / module / name).is_file(), f"{module}/{name}"


@pytest.mark.parametrize(
    "folder", [*(f"modules/{m}" for m in MODULES), *(f"envs/{e}" for e in ENVS)]
)
def test_every_variable_and_output_is_typed_and_described(folder: str) -> None:
    tree = parse_dir(TF / folder)
    for entry in tree.get("variable", []):
        for name, body in entry.items():
            assert body.get("type"), f"{folder}: variable {name} has no type"
            assert body.get("description"), f"{folder}: variable {name} has no description"
    for entry in tree.get("output", []):
        for name, body in entry.items():
            assert body.get("description"), f"{folder}: output {name} has no description"


def test_no_iam_policy_grants_a_wildcard_action() -> None:
    for folder in (TF / "modules").iterdir():
        for actions in walk(parse_dir(folder), "actions"):
            for action in actions:
                if action == "s3:*" and folder.name == "data_lake":
                    continue  # the TLS-only *Deny* statement: denying everything is the point
                assert "*" not in action, f"{folder.name}: wildcard action {action}"


def test_the_only_deny_all_is_the_tls_statement() -> None:
    tree = parse_dir(TF / "modules" / "data_lake")
    (doc,) = [b for t, n, b in blocks(tree, "data") if t == "aws_iam_policy_document"]
    (deny,) = doc["statement"]
    assert deny["effect"] == "Deny" and deny["actions"] == ["s3:*"]
    (condition,) = deny["condition"]
    assert (condition["variable"], condition["values"]) == ("aws:SecureTransport", ["false"])


def test_every_bucket_is_private_encrypted_versioned_and_tls_only() -> None:
    tree = parse_dir(TF / "modules" / "data_lake")
    resources = {t: b for t, n, b in blocks(tree, "resource")}
    bucket_set = resources["aws_s3_bucket"]["for_each"]
    for required in (
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_ownership_controls",
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_versioning",
        "aws_s3_bucket_policy",
        "aws_s3_bucket_lifecycle_configuration",
    ):
        assert resources[required]["for_each"] == bucket_set, f"{required} must cover every bucket"
    pab = resources["aws_s3_bucket_public_access_block"]
    assert all(
        pab[k] is True
        for k in (
            "block_public_acls",
            "block_public_policy",
            "ignore_public_acls",
            "restrict_public_buckets",
        )
    )
    assert (
        resources["aws_s3_bucket_ownership_controls"]["rule"][0]["object_ownership"]
        == "BucketOwnerEnforced"
    )
    assert (
        resources["aws_s3_bucket_versioning"]["versioning_configuration"][0]["status"] == "Enabled"
    )
    locals_ = parse_dir(TF / "modules" / "data_lake")["locals"][0]
    assert set(locals_["buckets"]) == {
        "raw",
        "curated",
        "athena_results",
        "artifacts",
        "access_logs",
    }


def test_lambda_runtime_is_what_build_lambda_targets() -> None:
    tree = parse_dir(TF / "modules" / "transform_lambda")
    runtime = tree["locals"][0]["runtime"]
    build = (ROOT / "scripts" / "build_lambda.py").read_text()
    m = re.search(r'^RUNTIME = "(python3\.\d+)"', build, re.M)
    assert m, "scripts/build-lambda must declare RUNTIME"
    assert runtime == m.group(1)
    (fn,) = [b for t, n, b in blocks(tree, "resource") if t == "aws_lambda_function"]
    assert fn["handler"] == "spotify_transform.handler.lambda_handler"
    assert fn["architectures"] == ["x86_64"]


def test_crawler_targets_are_the_contract_tables() -> None:
    tree = parse_dir(TF / "modules" / "glue_catalog")
    (tables,) = [e["tables"] for e in tree["variable"] if "tables" in e]
    assert tables["default"] == list(TABLES)
    (crawler,) = [b for t, n, b in blocks(tree, "resource") if t == "aws_glue_crawler"]
    policy = crawler["schema_change_policy"][0]
    assert policy["delete_behavior"] == "LOG"


def _required_inputs(module: str) -> set[str]:
    tree = parse_dir(TF / "modules" / module)
    return {
        name for e in tree.get("variable", []) for name, body in e.items() if "default" not in body
    }


@pytest.mark.parametrize("env", ENVS)
def test_each_environment_passes_every_required_module_variable(env: str) -> None:
    tree = parse_dir(TF / "envs" / env)
    calls = {name: body for e in tree["module"] for name, body in e.items()}
    assert set(calls) == {
        "naming",
        "data_lake",
        "iam",
        "transform_lambda",
        "glue_catalog",
        "athena",
    }
    for name, body in calls.items():
        module = body["source"].rsplit("/", 1)[-1]
        missing = _required_inputs(module) - set(body)
        assert not missing, f"{env}: module {name} lacks {sorted(missing)}"
    env_vars = {n for e in tree["variable"] for n, b in e.items() if "default" not in b}
    tfvars = parse(TF / "envs" / env / "terraform.tfvars")
    assert env_vars - set(tfvars) == set(), (
        f"{env}: terraform.tfvars lacks {env_vars - set(tfvars)}"
    )


@pytest.mark.parametrize("env", ENVS)
def test_each_environment_has_an_s3_backend_with_lockfile(env: str) -> None:
    (terraform,) = parse(TF / "envs" / env / "backend.tf")["terraform"]
    backend = terraform["backend"][0]["s3"]
    assert backend["use_lockfile"] is True and backend["encrypt"] is True
    assert "bucket" not in backend and "key" not in backend  # given with -backend-config


@pytest.mark.parametrize("env", ENVS)
def test_environment_outputs_every_name_airflow_needs(env: str) -> None:
    outputs = {n for e in parse_dir(TF / "envs" / env)["output"] for n in e}
    from importlib.machinery import SourceFileLoader

    script = SourceFileLoader(
        "tf_outputs_to_env", str(ROOT / "scripts" / "tf_outputs_to_env.py")
    ).load_module()
    assert set(script.MAPPING) | {"aws_region"} <= outputs


def test_provider_free_naming_module_validates_and_passes_its_tests(tmp_path: Path) -> None:
    # GIVEN a copy of the naming module (init writes .terraform into the folder)
    module = tmp_path / "naming"
    shutil.copytree(TF / "modules" / "naming", module)
    env = {**os.environ, "TF_CLI_CONFIG_FILE": "/dev/null", "TF_IN_AUTOMATION": "1"}

    def terraform(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["terraform", f"-chdir={module}", *args],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )

    # WHEN initialised, validated and tested offline THEN all pass
    for step in (("init", "-backend=false", "-input=false"), ("validate", "-json"), ("test",)):
        done = terraform(*step)
        assert done.returncode == 0, f"terraform {step[0]}: {done.stdout}{done.stderr}"
    assert json.loads(terraform("validate", "-json").stdout)["valid"] is True


def test_tf_outputs_to_env_writes_names_and_keeps_other_lines(tmp_path: Path) -> None:
    # GIVEN saved outputs and an .env that already holds secrets
    outputs = {
        k: {"value": f"name-{k}"}
        for k in (
            "raw_bucket",
            "curated_bucket",
            "athena_results_bucket",
            "transform_function",
            "glue_database",
            "glue_crawler",
            "athena_workgroup",
        )
    }
    outputs["aws_region"] = {"value": "eu-west-1"}
    (tmp_path / "out.json").write_text(json.dumps(outputs))
    env_file = tmp_path / ".env"
    env_file.write_text("POSTGRES_PASSWORD=keep-me\nRAW_BUCKET=old\n# comment\n")
    # WHEN converted
    script = str(ROOT / "scripts" / "tf-outputs-to-env")
    args = ["--json", str(tmp_path / "out.json"), "--env-file", str(env_file)]
    done = subprocess.run([script, *args], capture_output=True, text=True, check=False)
    # THEN names are set, other lines kept, the connection carries no keys
    assert done.returncode == 0, done.stderr
    lines = env_file.read_text().splitlines()
    assert "POSTGRES_PASSWORD=keep-me" in lines and "# comment" in lines
    assert "RAW_BUCKET=name-raw_bucket" in lines and "RAW_BUCKET=old" not in lines
    assert "SPOTIFY_PIPELINE_PLATFORM=aws" in lines
    conn = json.loads(
        next(x for x in lines if x.startswith("AIRFLOW_CONN_AWS_DEFAULT=")).split("=", 1)[1]
    )
    assert conn == {"conn_type": "aws", "extra": {"region_name": "eu-west-1"}}


def test_lambda_may_delete_only_the_shard_staging_area_and_streams_dates() -> None:
    # The merge of a split transform deletes its shards, a streams merge the dates it rolls back;
    # nothing else of curated is deletable.
    tree = parse_dir(TF / "modules" / "iam")
    (lam,) = [
        b for t, n, b in blocks(tree, "data") if t == "aws_iam_policy_document" and n == "lambda"
    ]
    deletes = [s for s in lam["statement"] if "s3:DeleteObject" in s.get("actions", [])]
    assert [s["resources"] for s in deletes] == [
        ['${var.bucket_arns["curated"]}/_staging/*'],
        ['${var.bucket_arns["curated"]}/streams/*'],
    ]


def test_staging_prefixes_expire_in_raw_and_curated() -> None:
    # GIVEN the data lake's lifecycle rules
    tree = parse_dir(TF / "modules" / "data_lake")
    lifecycle = {t: b for t, n, b in blocks(tree, "resource")}[
        "aws_s3_bucket_lifecycle_configuration"
    ]
    dynamic = [r["rule"] for r in lifecycle["dynamic"] if "rule" in r]
    staging = [r for r in dynamic if r["content"][0]["id"] == "expire-staging"]
    # THEN one rule expires the extract's and the split transform's staging objects
    assert len(staging) == 1
    rule = staging[0]
    assert "raw" in rule["for_each"] and "curated" in rule["for_each"]
    content = rule["content"][0]
    assert "spotify/_staging/" in content["filter"][0]["prefix"]
    assert "_staging/" in content["filter"][0]["prefix"]
    assert content["expiration"][0]["days"] == "${var.staging_expiration_days}"


def test_reserved_concurrency_is_optional_and_unset_in_every_environment() -> None:
    # GIVEN the function's module and both environments
    def variables_of(folder: Path) -> dict[str, Any]:
        return {n: b for entry in parse_dir(folder)["variable"] for n, b in entry.items()}

    variables = variables_of(TF / "modules" / "transform_lambda")
    env_vars = variables_of(TF / "envs" / "dev")
    # THEN none is reserved by default (a new account's quota of 10 leaves none to reserve)
    assert variables["reserved_concurrency"]["default"] is None
    assert env_vars["lambda_reserved_concurrency"]["default"] is None
    for env in ("dev", "prod"):
        assert (
            "lambda_reserved_concurrency"
            not in (TF / "envs" / env / "terraform.tfvars").read_text()
        )


def test_build_limit_is_250_mb_unzipped_and_50_mb_zipped_only_informs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN the build's limit check
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "build_lambda", ROOT / "scripts" / "build_lambda.py"
    )
    assert spec and spec.loader
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    mb = 1024 * 1024
    # WHEN a zip is over 50 MB zipped but within 250 MB unzipped THEN it passes, saying so
    assert build.check_limits(60 * mb, 200 * mb) == 0
    assert "through the S3 bucket" in capsys.readouterr().out
    # AND over 250 MB unzipped it fails
    assert build.check_limits(40 * mb, 251 * mb) == 1
    assert "over Lambda's 250 MB limit" in capsys.readouterr().err
