"""`query`, `tables` and `report` on a local lake: the engine's whole error text and exit 2 for
SQL errors, no escape codes or parser warnings, JSON with every row, the catalog's tables and
views, a report date without data, and where the lake is looked for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spotify_etl.cli.main import main
from spotify_etl.platforms.base import PlatformError, QueryError
from spotify_etl.platforms.local import LocalPlatform
from spotify_etl.sql import views
from spotify_transform.schemas import TABLES
from tests.conftest import SAMPLE_DATE

CLEARED = (
    "SPOTIFY_PIPELINE_PLATFORM", "SPOTIFY_PIPELINE_SOURCE", "SPOTIFY_PLAYLISTS",
    "SPOTIPY_CLIENT_ID", "SPOTIFY_REFRESH_TOKEN", "SPOTIFY_SAMPLE_ANCHOR",
)  # fmt: skip


def _environment(monkeypatch: pytest.MonkeyPatch, home: Path | None) -> None:
    for name in CLEARED:
        monkeypatch.delenv(name, raising=False)
    if home is None:
        monkeypatch.delenv("SPOTIFY_PIPELINE_HOME", raising=False)
    else:
        monkeypatch.setenv("SPOTIFY_PIPELINE_HOME", str(home))


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A local lake holding the sample's SAMPLE_DATE, crawled."""
    home = tmp_path_factory.mktemp("lake")
    with pytest.MonkeyPatch.context() as monkeypatch:
        _environment(monkeypatch, home)
        monkeypatch.chdir(home)
        assert main(["extract", "--date", SAMPLE_DATE, "--source", "sample"]) == 0
        assert main(["transform", "--date", SAMPLE_DATE]) == 0
    LocalPlatform(home).crawl()
    return home


@pytest.fixture
def in_lake(lake: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Commands run with SPOTIFY_PIPELINE_HOME at the lake, from a folder without a .env."""
    _environment(monkeypatch, lake)
    monkeypatch.chdir(tmp_path)
    return lake


@pytest.mark.parametrize(
    ("sql", "suggestion"),
    [
        ("SELECT * FROM track", 'Did you mean "tracks"?'),
        ("SELECT nam FROM tracks", 'Candidate bindings: "name"'),
    ],
)
def test_sql_errors_keep_the_engines_whole_message_and_exit_2(
    in_lake: Path, sql: str, suggestion: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # WHEN a query names a table or column that does not exist
    code = main(["query", sql])
    # THEN it is a user error (exit 2) whose message keeps DuckDB's suggestion and pointer
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: query failed: ")
    assert suggestion in err
    assert "LINE 1:" in err and "Traceback" not in err


@pytest.mark.parametrize("sql", ["SELECT (1", "SELECT 'unterminated"])
def test_parse_errors_are_plain_text_and_exit_2(
    in_lake: Path, sql: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # WHEN the SQL does not parse (sqlglot underlines the spot with terminal escape codes)
    code = main(["query", sql])
    # THEN it exits 2 with the parser's message and no escape code, and no traceback
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: SQL does not parse as Athena SQL: ")
    assert "\x1b" not in err and "Traceback" not in err


def test_a_parse_error_points_at_the_spot_with_a_caret(
    in_lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # WHEN the SQL misses a closing parenthesis
    assert main(["query", "SELECT (1"]) == 2
    # THEN the message says what and where, and a caret points under the spot
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        "error: SQL does not parse as Athena SQL: Expecting ) (line 1, column 9)",
        "  SELECT (1",
        "          ^",
    ]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SHOW TABLES", "tracks"),
        ("DESCRIBE tracks", "track_id"),
        ("SHOW COLUMNS FROM tracks", "track_id"),
        ("SHOW COLUMNS IN tracks", "track_id"),
        ("SHOW VIEWS", "artist_leaderboard"),
    ],
)
def test_catalog_statements_answer_without_a_parser_warning(
    in_lake: Path, sql: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # WHEN an Athena catalog statement is queried
    code = main(["query", sql, "--max-rows", "100"])
    # THEN it answers, and nothing (no sqlglot warning) is printed on stderr
    out, err = capsys.readouterr()
    assert code == 0
    assert err == ""
    assert expected in out


def test_show_views_lists_the_analytics_views_only(
    in_lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # WHEN SHOW VIEWS is queried (locally every table is a view over its files)
    assert main(["query", "SHOW VIEWS", "--json"]) == 0
    # THEN the answer is the analytics views, as on Athena
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [r[0] for r in rows] == sorted(views())


def test_json_prints_every_row_and_says_when_rows_were_left_out(
    in_lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a query whose result is longer than the table's default 20 rows
    sql = "SELECT track_id FROM tracks"
    # WHEN printed as JSON
    assert main(["query", sql, "--json"]) == 0
    whole = json.loads(capsys.readouterr().out)
    # THEN every row is there, and nothing is said to be left out
    assert whole["row_count"] > 20
    assert len(whole["rows"]) == whole["row_count"]
    assert whole["truncated"] is False
    # AND with --max-rows the rows are cut, the count stays the whole result's, and it says so
    assert main(["query", sql, "--json", "--max-rows", "5"]) == 0
    cut = json.loads(capsys.readouterr().out)
    assert len(cut["rows"]) == 5
    assert cut["row_count"] == whole["row_count"]
    assert cut["truncated"] is True


def test_the_table_names_the_rows_not_shown(
    in_lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # WHEN a long result is printed as a table
    assert main(["query", "SELECT track_id FROM tracks"]) == 0
    lines = capsys.readouterr().out.splitlines()
    # THEN 20 rows are shown under the header, and the last line says how many are not
    assert len(lines) == 2 + 20 + 1
    assert lines[-1].startswith("(195 rows, 175 not shown; full result: ")


@pytest.mark.parametrize("value", ["-5", "many"])
def test_max_rows_must_be_a_whole_number_of_0_or_more(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # WHEN --max-rows is negative or not a number
    with pytest.raises(SystemExit) as info:
        main(["query", "SELECT 1", "--max-rows", value])
    # THEN argparse refuses it in one line and exits 2
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --max-rows: {value!r} is not a whole number of 0 or more" in err


def test_tables_lists_every_table_and_view_with_its_columns(
    in_lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # WHEN the catalog is listed as JSON
    assert main(["tables", "--json"]) == 0
    found = {t["name"]: t for t in json.loads(capsys.readouterr().out)}
    # THEN it holds every contract table and every analytics view, each of its kind
    assert set(found) == set(TABLES) | set(views())
    assert {n for n, t in found.items() if t["kind"] == "view"} == set(views())
    # AND a table's columns are its contract's, then its partition key, with their types
    tracks = [c["name"] for c in found["tracks"]["columns"]]
    assert tracks == [*TABLES["tracks"].schema.names(), "snapshot_date"]
    assert {"name": "snapshot_date", "type": "varchar"} in found["tracks"]["columns"]
    # AND as text each table is a heading with its columns below, and a total
    assert main(["tables"]) == 0
    out = capsys.readouterr().out
    assert "\nartist_leaderboard (view, 6 columns)\n  snapshot_date" in out
    assert out.rstrip().endswith(f"{len(TABLES)} tables, {len(views())} views")


def test_report_for_a_date_without_data_names_the_dates_with_some(
    in_lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # WHEN the report is asked for a date the lake holds no snapshot of
    code = main(["report", "--date", "2026-01-01"])
    # THEN it exits 2 with one line naming the dates that have data, and writes no page
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: no data for 2026-01-01; dates with data: {SAMPLE_DATE} (1)"
    assert not list((in_lake / "reports").glob("*2026-01-01*"))


def test_commands_run_elsewhere_say_where_they_looked_for_the_lake(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN another folder, without SPOTIFY_PIPELINE_HOME
    _environment(monkeypatch, None)
    monkeypatch.chdir(tmp_path)
    for argv in (["query", "SELECT 1"], ["tables"], ["report"], ["transform"]):
        # WHEN a command that reads the lake runs there
        code = main(argv)
        # THEN it says where it looked and how to point at a lake, in one line
        err = capsys.readouterr().err.strip()
        assert code == 2, argv
        assert err == (
            f"error: no lake at {tmp_path.resolve() / '.lake'} (SPOTIFY_PIPELINE_HOME, default: "
            "./.lake in the current folder): run the pipeline first or set "
            "SPOTIFY_PIPELINE_HOME to your lake"
        )


SAMPLE_EXPORT = (
    Path(__file__).parents[2] / "dags/spotify_etl/sample_data/export/my_spotify_data.zip"
)


@pytest.mark.parametrize(
    "argv",
    [["extract", "--date", SAMPLE_DATE, "--source", "sample"], ["import", str(SAMPLE_EXPORT)]],
)
def test_a_command_that_starts_a_new_lake_says_so_once(
    argv: list[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN a folder without a lake
    _environment(monkeypatch, None)
    monkeypatch.chdir(tmp_path)
    notice = f"starting a new lake at {tmp_path.resolve() / '.lake'}"
    # WHEN a command that writes into the lake runs there
    assert main(argv) == 0
    # THEN stderr says where a new lake starts, once
    assert capsys.readouterr().err.splitlines().count(notice) == 1
    # AND the same command into that lake says nothing of the kind
    assert main(argv) == 0
    assert "starting a new lake" not in capsys.readouterr().err


def test_the_local_platform_tells_sql_errors_from_its_own(tmp_path: Path, lake: Path) -> None:
    # WHEN the SQL is at fault THEN the error is a QueryError (the user's to fix)
    with pytest.raises(QueryError, match='Did you mean "tracks"'):
        LocalPlatform(lake).query("SELECT * FROM track")
    # AND a lake without a catalog is the platform's error, not the SQL's
    with pytest.raises(PlatformError) as info:
        LocalPlatform(tmp_path / "empty").query("SELECT 1")
    assert not isinstance(info.value, QueryError)
