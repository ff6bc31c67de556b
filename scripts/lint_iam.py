"""Lint every IAM policy document the Terraform modules create, with parliament (offline).

Each `data "aws_iam_policy_document"` block in `terraform/modules/*/main.tf` is turned into the
policy JSON Terraform would render, its interpolations replaced by example values of the right
form (an account id, a region, bucket/function/table ARNs built from the module's own locals),
and checked by parliament's `analyze_policy_string`. A finding fails the hook unless the block
carries a justification comment `# iam-lint: <ISSUE> <why>` for it.

Run by pre-commit (its own environment: parliament and python-hcl2 from PyPI):
    python scripts/lint_iam.py [terraform/modules]
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXPR = re.compile(r"\$\{([^{}]*)\}")
ACCOUNT, REGION = "123456789012", "eu-west-1"
DATA = {
    "data.aws_caller_identity.current.account_id": ACCOUNT,
    "data.aws_region.current.region": REGION,
    "data.aws_region.current.name": REGION,
    "data.aws_partition.current.partition": "aws",
}
KMS = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/00000000-0000-0000-0000-000000000000"
JUSTIFIED = re.compile(r"#\s*iam-lint:\s*([A-Z_]+)\s+\S")


def _example(expr: str, local_values: dict[str, Any]) -> Any:
    """An example value for one interpolated expression."""
    expr = expr.strip()
    if expr in DATA:
        return DATA[expr]
    if expr.startswith("local."):
        return resolve(local_values.get(expr.split(".", 1)[1], "example"), local_values)
    m = re.fullmatch(r'var\.bucket_arns\["(\w+)"\]', expr)
    if m:
        return f"arn:aws:s3:::example-{m.group(1).replace('_', '-')}"
    if expr in ("statement.value", "var.kms_key_arn"):
        return KMS
    if re.fullmatch(r"aws_s3_bucket\.\w+(\[[^\]]+\])?\.arn", expr):
        return "arn:aws:s3:::example-bucket"
    if expr.endswith(".services"):
        return ["airflow.amazonaws.com"]
    if expr.endswith(".arns"):
        return [f"arn:aws:iam::{ACCOUNT}:role/example"]
    if expr.startswith("var."):
        return "example"
    return "example"


def resolve(value: Any, local_values: dict[str, Any]) -> Any:
    """Replace every `${…}` in a string (or the strings of a list) with example values."""
    if isinstance(value, list):
        out: list[Any] = []
        for v in value:
            r = resolve(v, local_values)
            out += r if isinstance(r, list) and not isinstance(v, list) else [r]
        return out
    if not isinstance(value, str):
        return value
    whole = EXPR.fullmatch(value)
    if whole:
        return _example(whole.group(1), local_values)
    return EXPR.sub(lambda m: str(_example(m.group(1), local_values)), value)


def _content(block: dict[str, Any]) -> dict[str, Any]:
    return block["content"][0] if "content" in block else block


def statements(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The `statement` blocks of a policy document, dynamic ones rendered once."""
    found = list(doc.get("statement", []))
    for dyn in doc.get("dynamic", []):
        found += [_content(s) for s in [dyn.get("statement")] if s]
    return found


def render(doc: dict[str, Any], local_values: dict[str, Any]) -> dict[str, Any]:
    """The policy JSON of one `aws_iam_policy_document`."""
    rendered = []
    for st in statements(doc):
        out: dict[str, Any] = {"Effect": st.get("effect", "Allow")}
        if "sid" in st:
            out["Sid"] = st["sid"]
        for hcl, key in (("actions", "Action"), ("not_actions", "NotAction")):
            if hcl in st:
                out[key] = resolve(st[hcl], local_values)
        for hcl, key in (("resources", "Resource"), ("not_resources", "NotResource")):
            if hcl in st:
                out[key] = resolve(st[hcl], local_values)
        principals = list(st.get("principals", []))
        principals += [
            _content(d["principals"]) for d in st.get("dynamic", []) if "principals" in d
        ]
        if principals:
            if any(p["type"] == "*" for p in principals):
                out["Principal"] = "*"  # what Terraform renders for type "*", identifiers ["*"]
            else:
                out["Principal"] = {
                    p["type"]: resolve(p["identifiers"], local_values) for p in principals
                }
        conditions = st.get("condition", [])
        if conditions:
            out["Condition"] = {}
            for c in conditions:
                values = resolve(c["values"], local_values)
                # IAM takes a one-element list or the value itself; parliament only the latter.
                single = values[0] if isinstance(values, list) and len(values) == 1 else values
                out["Condition"].setdefault(c["test"], {})[c["variable"]] = single
        rendered.append(out)
    return {"Version": "2012-10-17", "Statement": rendered}


def is_trust_policy(policy: dict[str, Any]) -> bool:
    """A role's assume-role policy: every statement lets principals call sts:AssumeRole*."""
    return all(
        "Principal" in st and all(str(a).startswith("sts:AssumeRole") for a in st.get("Action", []))
        for st in policy["Statement"]
    )


def _block_text(text: str, name: str) -> str:
    """The source text of `data "aws_iam_policy_document" "<name>" { … }` (comments kept)."""
    start = text.index(f'data "aws_iam_policy_document" "{name}"')
    depth, i = 0, text.index("{", start)
    for j in range(i, len(text)):
        depth += {"{": 1, "}": -1}.get(text[j], 0)
        if depth == 0:
            return text[start : j + 1]
    return text[start:]


def lint(modules: Path) -> list[str]:
    """Every unjustified finding, as `module/name: ISSUE detail`."""
    import hcl2
    from hcl2 import SerializationOptions
    from parliament import analyze_policy_string

    options = SerializationOptions(strip_string_quotes=True, explicit_blocks=False)
    problems: list[str] = []
    checked = 0
    for path in sorted(modules.glob("*/main.tf")):
        text = path.read_text()
        with path.open() as fh:
            tree = hcl2.load(fh, serialization_options=options)
        local_values: dict[str, Any] = {}
        for block in tree.get("locals", []):
            local_values.update(block)
        for entry in tree.get("data", []):
            for name, doc in entry.get("aws_iam_policy_document", {}).items():
                policy = render(doc, local_values)
                allowed = set(JUSTIFIED.findall(_block_text(text, name)))
                checked += 1
                for finding in analyze_policy_string(json.dumps(policy)).findings:
                    if (
                        is_trust_policy(policy)
                        and finding.issue == "MALFORMED"
                        and ("neither Resource nor NotResource" in str(finding.detail))
                    ):
                        continue  # a role's trust policy names principals, never resources
                    if finding.issue not in allowed:
                        problems.append(
                            f"{path.parent.name}/{name}: {finding.issue} {finding.detail}"
                        )
    if checked == 0:
        problems.append(f"no aws_iam_policy_document found under {modules}")
    print(f"iam-lint: {checked} policy documents checked, {len(problems)} unjustified finding(s)")
    return problems


def main(argv: list[str]) -> int:
    modules = Path(argv[0]) if argv else ROOT / "terraform" / "modules"
    problems = lint(modules)
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
