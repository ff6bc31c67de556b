"""Turn `terraform output -json` of an environment into .env entries for docker compose.

    scripts/tf-outputs-to-env terraform/envs/dev            # runs terraform output -json there
    scripts/tf-outputs-to-env --json outputs.json           # or reads saved outputs

Sets RAW_BUCKET, CURATED_BUCKET, ATHENA_RESULTS_BUCKET, TRANSFORM_FUNCTION, GLUE_DATABASE,
GLUE_CRAWLER, ATHENA_WORKGROUP, SPOTIFY_PIPELINE_PLATFORM=aws and AIRFLOW_CONN_AWS_DEFAULT (region
only: no keys; credentials come from the role the containers run with). Other lines of the .env
file (secrets included) are kept as they are.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

MAPPING = {
    "raw_bucket": "RAW_BUCKET",
    "curated_bucket": "CURATED_BUCKET",
    "athena_results_bucket": "ATHENA_RESULTS_BUCKET",
    "transform_function": "TRANSFORM_FUNCTION",
    "glue_database": "GLUE_DATABASE",
    "glue_crawler": "GLUE_CRAWLER",
    "athena_workgroup": "ATHENA_WORKGROUP",
}


def entries(outputs: dict[str, dict[str, object]]) -> dict[str, str]:
    """The .env entries for Terraform outputs (`terraform output -json` shape)."""
    missing = [k for k in [*MAPPING, "aws_region"] if k not in outputs]
    if missing:
        raise SystemExit(
            f"error: terraform outputs lack {', '.join(missing)}; run terraform apply first"
        )
    values = {env: str(outputs[key]["value"]) for key, env in MAPPING.items()}
    region = str(outputs["aws_region"]["value"])
    reserved = outputs.get("lambda_reserved_concurrency", {}).get("value")
    # The DAG checks SPOTIFY_TRANSFORM_MAX_PARALLEL against it (empty: nothing reserved).
    values["SPOTIFY_LAMBDA_RESERVED_CONCURRENCY"] = "" if reserved is None else str(reserved)
    values["SPOTIFY_PIPELINE_PLATFORM"] = "aws"
    values["AIRFLOW_CONN_AWS_DEFAULT"] = json.dumps(
        {"conn_type": "aws", "extra": {"region_name": region}}, separators=(",", ":")
    )
    return values


def merge(text: str, values: dict[str, str]) -> str:
    """Replace or append `KEY=value` lines, keeping every other line."""
    seen: set[str] = set()
    lines = []
    for line in text.splitlines():
        key = line.split("=", 1)[0].strip()
        if "=" in line and not line.lstrip().startswith("#") and key in values:
            lines.append(f"{key}={values[key]}")
            seen.add(key)
        else:
            lines.append(line)
    lines += [f"{k}={v}" for k, v in values.items() if k not in seen]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "env_dir", nargs="?", type=Path, help="terraform root, e.g. terraform/envs/dev"
    )
    parser.add_argument("--json", type=Path, help="read saved `terraform output -json` instead")
    parser.add_argument("--env-file", type=Path, default=Path(".env"), help=".env to update (.env)")
    args = parser.parse_args(argv)
    if (args.env_dir is None) == (args.json is None):
        parser.error("give a terraform root directory or --json FILE")
    if args.json:
        raw = args.json.read_text()
    else:
        done = subprocess.run(
            ["terraform", f"-chdir={args.env_dir}", "output", "-json"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode:
            print(f"error: terraform output failed: {done.stderr.strip()}", file=sys.stderr)
            return 1
        raw = done.stdout
    values = entries(json.loads(raw))
    current = args.env_file.read_text() if args.env_file.exists() else ""
    args.env_file.write_text(merge(current, values))
    print(f"updated {args.env_file}: {', '.join(values)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
