"""The command line: options, exit codes, one-line errors, no Airflow import where not needed."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from spotify_etl.cli.main import build_parser, main
from spotify_etl.platforms.local import LocalPlatform
from spotify_etl.spotify.sample import SampleSource
from tests.conftest import SAMPLE_DATE, SAMPLE_PLAYLISTS


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in [k for k in os.environ if k.startswith(("SPOTIF", "AIRFLOW_CONN_"))]:
        monkeypatch.delenv(name)  # whatever this machine or an earlier test set
    monkeypatch.setenv("SPOTIFY_PIPELINE_HOME", str(tmp_path / "lake"))
    monkeypatch.chdir(tmp_path)  # no .env of the developer's is read
    return tmp_path / "lake"


@pytest.mark.parametrize("command", ["run", "extract", "transform", "query", "tables", "auth"])
def test_help_documents_every_option(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    # WHEN --help is asked
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    # THEN it exits 0 and every option has a help text
    assert info.value.code == 0
    (subparsers,) = [
        a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)
    ]
    sub = subparsers.choices[command]
    for action in sub._actions:
        assert action.help, f"{command} {action.option_strings} has no help"
    assert "usage: spotify-pipeline" in capsys.readouterr().out


def test_extract_then_transform_with_explicit_folders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN explicit raw and curated folders
    raw, curated = tmp_path / "r", tmp_path / "c"
    # WHEN extracting then transforming a date
    assert main(["extract", "--date", SAMPLE_DATE, "--source", "sample", "--out", str(raw)]) == 0
    assert main(["transform", "--date", SAMPLE_DATE, "--raw", str(raw), "--out", str(curated)]) == 0
    # THEN the curated tables exist and progress went to stderr
    assert (curated / "tracks" / f"snapshot_date={SAMPLE_DATE}" / "part-00000.parquet").is_file()
    err = capsys.readouterr().err
    assert "[5/5]" in err  # the sample user's five own playlists


def test_extract_one_playlist_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "extract",
                "--date",
                SAMPLE_DATE,
                "--playlist",
                "spotify:playlist:1h0CEZCm6IbFTbxThn6Xcs",
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )
    assert '"playlists": 1' in capsys.readouterr().out


def test_query_answers_from_local_catalog(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a transformed and crawled local lake
    assert main(["extract", "--date", SAMPLE_DATE]) == 0
    assert main(["transform", "--date", SAMPLE_DATE]) == 0
    LocalPlatform(clean_env).crawl()
    capsys.readouterr()
    # WHEN querying in Athena SQL
    assert main(["query", "SELECT count(*) AS n FROM tracks"]) == 0
    # THEN the count is printed as a table
    out = capsys.readouterr().out
    assert out.splitlines()[:3] == ["n  ", "---", "195"]


def test_query_from_file_as_json(
    clean_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # (named, the friend's hidden playlist is read too: its contents are not visible)
    named = [
        a
        for p in sorted((SampleSource().root / "playlists").iterdir())
        for a in ("--playlist", p.name)
    ]
    assert main(["extract", "--date", SAMPLE_DATE, *named]) == 0
    assert main(["transform", "--date", SAMPLE_DATE]) == 0
    LocalPlatform(clean_env).crawl()
    sql_file = tmp_path / "q.sql"
    sql_file.write_text("SELECT count(*) AS n FROM playlists WHERE NOT items_accessible")
    capsys.readouterr()
    assert main(["query", "--file", str(sql_file), "--json"]) == 0
    assert '"rows": [\n    [\n      1\n    ]\n  ]' in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "env", "code", "message"),
    [
        (["query"], {}, 2, 'error: give either "SQL" or --file F.sql'),
        (["query", "SELECT 1", "--file", "x.sql"], {}, 2, "error: give either"),
        (["query", "--file", "/nonexistent.sql"], {}, 2, "error: cannot read /nonexistent.sql"),
        (
            ["extract"],
            {"SPOTIFY_PIPELINE_PLATFORM": "azure"},
            2,
            "error: SPOTIFY_PIPELINE_PLATFORM='azure' is not allowed",
        ),
        (["extract", "--playlist", "nonsense"], {}, 2, "error: SPOTIFY_PLAYLISTS entry 'nonsense'"),
        (["transform", "--date", "2020-01-01"], {}, 2, "error: no lake at"),
        (["query", "SELECT 1"], {}, 2, "error: no lake at"),
        (["tables"], {}, 2, "error: no lake at"),
        (["report"], {}, 2, "error: no lake at"),
    ],
)
def test_user_errors_are_one_line_without_traceback(
    argv: list[str], env: dict[str, str], code: int, message: str,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    # WHEN the command fails
    assert main(argv) == code
    # THEN one line names the problem
    err = capsys.readouterr().err.strip()
    assert err.startswith(message), err
    assert "Traceback" not in err and len(err.splitlines()) == 1


@pytest.mark.parametrize(
    "argv", [["run", "--date", "2026-02-30"], ["extract", "--source", "ftp"], ["nope"]]
)
def test_bad_arguments_exit_2_with_usage(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_non_run_commands_do_not_import_airflow(tmp_path: Path) -> None:
    # WHEN extract, transform and query run in a fresh interpreter
    code = (
        "import sys; from spotify_etl.cli.main import main; "
        f"main(['extract', '--date', '{SAMPLE_DATE}', '--out', sys.argv[1] + '/r']); "
        f"main(['transform', '--date', '{SAMPLE_DATE}', "
        "'--raw', sys.argv[1] + '/r', '--out', sys.argv[1] + '/c']); "
        "main(['query', 'SELECT 1']); "
        "print('airflow' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True
    )
    # THEN Airflow was never imported
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_extract_never_imports_polars(tmp_path: Path) -> None:
    # GIVEN a fresh interpreter (the console script's), and the layout in its own stdlib module
    code = (
        "import sys; from spotify_etl.cli.main import main; "
        f"code = main(['extract', '--date', '{SAMPLE_DATE}', '--source', 'sample', "
        f"'--out', {str(tmp_path / 'raw')!r}]); "
        "print(code, sorted(m for m in ('polars', 'duckdb', 'airflow') if m in sys.modules))"
    )
    # WHEN `spotify-pipeline extract` runs
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # THEN it succeeds without loading polars (nor duckdb or Airflow): it starts fast
    assert done.stdout.strip().splitlines()[-1] == "0 []"


def test_report_open_hands_the_page_to_the_default_browser(tmp_path: Path) -> None:
    # GIVEN a "browser" that records what it is asked to open ($BROWSER, as webbrowser reads it)
    recorder = tmp_path / "browser"
    seen = tmp_path / "seen"
    recorder.write_text(f'#!/bin/sh\necho "$1" >> {seen}\n')
    recorder.chmod(0o755)
    env = {**os.environ, "BROWSER": str(recorder), "SPOTIFY_PIPELINE_HOME": str(tmp_path / "lake")}
    run = [sys.executable, "-m", "spotify_etl.cli"]
    for argv in (["extract", "--date", SAMPLE_DATE], ["transform", "--date", SAMPLE_DATE]):
        subprocess.run([*run, *argv], env=env, check=True, capture_output=True)
    subprocess.run(
        [sys.executable, "-c", "from spotify_etl.platforms.local import LocalPlatform as L; "
         f"L(__import__('pathlib').Path({str(tmp_path / 'lake')!r})).crawl()"],
        env=env, check=True,
    )  # fmt: skip
    # WHEN the report is written with --open
    done = subprocess.run(
        [*run, "report", "--date", SAMPLE_DATE, "--open"], env=env, capture_output=True,
        text=True, check=False, timeout=120,
    )  # fmt: skip
    # THEN the page's file URI went to the browser
    assert done.returncode == 0, done.stderr
    page = Path(done.stdout.strip().splitlines()[-1])
    assert seen.read_text().strip() == page.as_uri()


def test_report_open_without_a_browser_says_where_the_page_is(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import webbrowser

    from spotify_etl.cli.commands import open_in_browser

    def none() -> None:
        raise webbrowser.Error("could not locate runnable browser")

    monkeypatch.setattr(webbrowser, "get", none)
    assert open_in_browser(str(tmp_path / "report.html")) is False
    assert f"open {(tmp_path / 'report.html').as_uri()} yourself" in capsys.readouterr().err


def test_a_single_date_in_a_sample_week_lake_answers_as_that_week(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a lake built by `run` without --date: its week ends on 2026-11-24
    import json

    (tmp_path / ".sample_anchor").write_text("2026-11-24\n")
    monkeypatch.setenv("SPOTIFY_PIPELINE_HOME", str(tmp_path))
    monkeypatch.setenv("SPOTIFY_SAMPLE_ANCHOR", "")  # unset for the settings; restored after
    # WHEN one date of that week is extracted again
    assert main(["extract", "--date", "2026-11-21", "--source", "sample"]) == 0
    # THEN it is that day of the week (Road Trip not yet renamed), not the newest state
    manifest = json.loads(capsys.readouterr().out)
    assert manifest["statuses"] == {"ok": 5, "skipped": 1}
    raw = tmp_path / "raw" / "spotify" / "playlists" / "snapshot_date=2026-11-21"
    road = raw / f"playlist_id={SAMPLE_PLAYLISTS[1]}" / "playlist.json"  # Road Trip
    assert json.loads(road.read_bytes())["name"] == "Road Trip 🚗"
    # AND a DAG run from this lake hands that week to its tasks (through their environment)
    import argparse

    from spotify_etl.cli.commands import load_settings
    from spotify_etl.settings import export_for_tasks

    exported: dict[str, str] = {}
    export_for_tasks(load_settings(argparse.Namespace()), exported)
    assert exported["SPOTIFY_SAMPLE_ANCHOR"] == "2026-11-24"
