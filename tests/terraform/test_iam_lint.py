"""The IAM policy linter (scripts/lint_iam.py, a pre-commit hook) on the real modules and on a
policy that is wrong on purpose."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).parents[2]


def _lint() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lint_iam", ROOT / "scripts" / "lint_iam.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BAD = """
data "aws_iam_policy_document" "bad" {
  statement {
    sid       = "Typo"
    actions   = ["s3:PutBucket"]
    resources = ["${var.bucket_arns["raw"]}/*"]
  }
}
"""


def test_every_policy_document_of_the_modules_has_no_unjustified_finding() -> None:
    # WHEN the modules' policy documents are linted THEN parliament finds nothing unjustified
    assert _lint().lint(ROOT / "terraform" / "modules") == []


def test_the_linter_catches_an_unknown_action_unless_it_is_justified(tmp_path: Path) -> None:
    # GIVEN a module whose policy names an action that does not exist
    module = tmp_path / "broken"
    module.mkdir()
    (module / "main.tf").write_text(BAD)
    # WHEN linted THEN the finding names the module, the document and the issue
    problems = _lint().lint(tmp_path)
    assert len(problems) == 1 and problems[0].startswith("broken/bad: UNKNOWN_ACTION")
    # AND a justification comment in the block lets that issue (and only it) through
    (module / "main.tf").write_text(
        BAD.replace("{\n  statement", "{\n  # iam-lint: UNKNOWN_ACTION a test\n  statement", 1)
    )
    assert _lint().lint(tmp_path) == []
