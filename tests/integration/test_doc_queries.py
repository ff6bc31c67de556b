"""Every query the README and the docs show runs on the sample's lake and returns what its
sentence promises.

A query is any `spotify-pipeline query "SQL"` in README.md or docs/*.md (in a fence or inline),
and any ```sql fence. A fence marked ```sql athena is Athena-only and skipped.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from spotify_etl.cli.main import main

ROOT = Path(__file__).parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# A statement has words: the usage line's placeholder `query "SQL"` is none.
COMMAND = re.compile(r'spotify-pipeline query "([^"]*\s[^"]*)"')
FENCE = re.compile(r"^```sql([^\n]*)\n(.*?)^```", re.M | re.S)
# Tables a documented query may find empty in the sample's lake, and why.
MAY_BE_EMPTY = {
    "import_quarantine": "the sample's data export has no malformed record",
    "quarantine": "the sample's responses have no malformed entry",
}


def _doc_queries() -> list[Any]:
    found = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(ROOT)
        for match in COMMAND.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(pytest.param(match.group(1), id=f"{name}:{line}"))
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            marks = (
                [pytest.mark.skip(reason="Athena-only (```sql athena)")]
                if "athena" in match.group(1)
                else []
            )
            found.append(pytest.param(match.group(2).strip(), id=f"{name}:{line}", marks=marks))
    return found


DOC_QUERIES = _doc_queries()


def _unique_and_sorted(key: int, order: int, descending: bool) -> Callable[[list[Any]], None]:
    def check(rows: list[Any]) -> None:
        keys = [r[key] for r in rows]
        assert len(keys) == len(set(keys)), f"repeated: {keys}"
        values = [r[order] for r in rows]
        assert values == sorted(values, reverse=descending), values

    return check


# What each query's sentence promises, by a piece of its SQL.
PROMISES: dict[str, Callable[[list[Any]], None]] = {
    # "the five artists with the most playlist entries in the latest snapshot"
    "FROM artist_leaderboard": _unique_and_sorted(key=0, order=3, descending=True),
    # "the playlists of the latest snapshot by size"
    "SELECT name, item_count FROM playlists": _unique_and_sorted(key=0, order=1, descending=True),
    # "the hours listened per year"
    "AS hours FROM listening GROUP BY 1": _unique_and_sorted(key=0, order=0, descending=False),
}


def test_the_docs_show_queries_and_the_headline_one() -> None:
    # GIVEN the queries found in the README and the docs
    sqls = [p.values[0] for p in DOC_QUERIES]
    # THEN there are some (the extraction still finds them), the headline one among them
    assert len(sqls) >= 6, sqls
    assert any("FROM artist_leaderboard" in s for s in sqls)


@pytest.mark.parametrize("sql", DOC_QUERIES)
def test_every_documented_query_returns_what_its_sentence_promises(
    sql: str,
    sample_week: tuple[Path, subprocess.CompletedProcess[str]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN the lake `spotify-pipeline run` leaves after the sample's week
    home, run = sample_week
    assert run.returncode == 0, run.stderr[-2000:]
    for name in ("SPOTIFY_PIPELINE_PLATFORM", "SPOTIFY_PIPELINE_SOURCE", "SPOTIFY_SAMPLE_ANCHOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SPOTIFY_PIPELINE_HOME", str(home))
    monkeypatch.chdir(tmp_path)
    # WHEN the documented query runs, as the docs show it
    code = main(["query", sql, "--json"])
    out, err = capsys.readouterr()
    # THEN it answers, with rows
    assert code == 0, err
    result = json.loads(out)
    tables = set(re.findall(r"\bFROM\s+(\w+)", sql, re.I))
    if not tables <= set(MAY_BE_EMPTY):
        assert result["row_count"] >= 1, sql
    # AND the rows are what its sentence promises
    for piece, check in PROMISES.items():
        if piece in sql:
            check(result["rows"])
