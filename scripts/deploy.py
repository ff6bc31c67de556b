"""Deploy one environment in one command: build, init, plan, show, confirm, apply, outputs → .env.

    scripts/deploy dev [--yes] [--no-build] [--env-file .env]

1. builds `dist/transform-lambda.zip` (scripts/build_lambda.py; `--no-build` uses the one there);
2. `terraform init` of `terraform/envs/<env>` with the S3 backend in `TF_STATE_BUCKET`
   (key `spotify-pipeline/<env>.tfstate`, region `TF_STATE_REGION` or `AWS_REGION`/
   `AWS_DEFAULT_REGION`, else eu-west-1), then `terraform plan -out`, and shows the plan;
3. applies exactly that plan only when confirmed at the prompt, or with `--yes` (automation);
4. writes the environment's outputs into `.env` (scripts/tf_outputs_to_env.py).

It stops before doing anything, with one line saying what to do, when terraform is not on PATH,
no AWS credentials can be found (environment, profile or instance role), or `TF_STATE_BUCKET`
is not set. Standard library plus boto3 (to find credentials, without calling AWS).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENVS = ROOT / "terraform" / "envs"
PACKAGE = ROOT / "dist" / "transform-lambda.zip"


class DeployError(Exception):
    """The deployment cannot go on; the message says why and what to do."""


def preflight(env: str, environ: dict[str, str]) -> tuple[Path, dict[str, str]]:
    """The environment's folder and backend settings, or the reason it cannot be deployed."""
    folder = ENVS / env
    if not (folder / "main.tf").exists():
        known = ", ".join(sorted(p.name for p in ENVS.iterdir() if (p / "main.tf").exists()))
        raise DeployError(f"no environment {env!r}; use one of: {known}")
    if shutil.which("terraform", path=environ.get("PATH")) is None:
        raise DeployError("terraform is not on PATH: install Terraform 1.11 or newer")
    import boto3

    session = boto3.Session(profile_name=environ.get("AWS_PROFILE") or None)
    if session.get_credentials() is None:
        raise DeployError(
            "no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or run where an instance or task role applies"
        )
    bucket = environ.get("TF_STATE_BUCKET", "").strip()
    if not bucket:
        raise DeployError(
            "TF_STATE_BUCKET is not set: the versioned S3 bucket that keeps Terraform's state "
            "(docs/aws.md, deploy by hand, step 2)"
        )
    region = (
        environ.get("TF_STATE_REGION")
        or environ.get("AWS_REGION")
        or environ.get("AWS_DEFAULT_REGION")
        or "eu-west-1"
    )
    backend = {"bucket": bucket, "key": f"spotify-pipeline/{env}.tfstate", "region": region}
    return folder, backend


def terraform(folder: Path, *args: str, capture: bool = False) -> str:
    """Run one terraform command in the environment's folder; fail naming it."""
    done = subprocess.run(
        ["terraform", f"-chdir={folder}", *args],
        text=True,
        capture_output=capture,
        check=False,
    )
    if done.returncode != 0:
        detail = (done.stderr or "").strip().splitlines()[-1:] if capture else []
        raise DeployError(f"terraform {args[0]} failed (exit {done.returncode}) {' '.join(detail)}")
    return done.stdout or ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("env", help="the environment: a folder of terraform/envs (dev, prod)")
    parser.add_argument("--yes", action="store_true", help="apply without asking")
    parser.add_argument("--no-build", action="store_true", help="use the zip already built")
    parser.add_argument("--package", type=Path, default=PACKAGE, help=f"the zip ({PACKAGE})")
    parser.add_argument("--env-file", type=Path, default=ROOT / ".env", help=".env to update")
    args = parser.parse_args(argv)
    try:
        folder, backend = preflight(args.env, dict(os.environ))
        if args.no_build:
            if not args.package.exists():
                raise DeployError(f"--no-build, but there is no {args.package}: build it first")
        else:
            print("== building the Lambda package", flush=True)
            build = [sys.executable, str(ROOT / "scripts" / "build_lambda.py")]
            built = subprocess.run([*build, "--out", str(args.package)], check=False)
            if built.returncode != 0:
                raise DeployError("the Lambda package did not build (see above)")
        print(f"== terraform init ({args.env}, state in s3://{backend['bucket']}/{backend['key']})")
        terraform(
            folder,
            "init",
            "-input=false",
            *(f"-backend-config={k}={v}" for k, v in backend.items()),
        )
        print("== terraform plan")
        terraform(folder, "plan", "-input=false", f"-var=package_path={args.package}",
                  "-out=tfplan")  # fmt: skip
        print(terraform(folder, "show", "-no-color", "tfplan", capture=True))
        if not args.yes:
            try:
                answer = input(f"Apply this plan to {args.env}? Type 'yes' to apply: ").strip()
            except EOFError:
                answer = ""
            if answer != "yes":
                print("not applied (type 'yes' at the prompt, or pass --yes)")
                return 1
        print("== terraform apply")
        terraform(folder, "apply", "-input=false", "tfplan")
        sys.path.insert(0, str(ROOT / "scripts"))
        from tf_outputs_to_env import main as outputs_to_env

        code: int = outputs_to_env([str(folder), "--env-file", str(args.env_file)])
        return code
    except DeployError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
