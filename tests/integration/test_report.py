"""The run report: figures from the curated views, a self-contained page with drawn charts."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from spotify_etl import pipeline
from spotify_etl.cli import main
from spotify_etl.report import render_html
from spotify_etl.settings import load
from tests.conftest import SAMPLE_DATE


@pytest.fixture
def home(tmp_path: Path) -> Path:
    settings = load({"SPOTIFY_PIPELINE_HOME": str(tmp_path)})
    pipeline.run_extract(settings, SAMPLE_DATE)
    pipeline.run_transform(settings, SAMPLE_DATE)
    pipeline.run_crawl(settings)
    return tmp_path


def test_report_json_holds_the_runs_figures(home: Path) -> None:
    # WHEN the report of the sample date is written
    where = pipeline.run_report(load({"SPOTIFY_PIPELINE_HOME": str(home)}), SAMPLE_DATE)
    report = json.loads(Path(where["json"]).read_text())
    # THEN rows, quarantine, API calls, artists, decades and a zero local cost are in it
    assert report["rows"]["playlist_items"] == 335  # every position, whatever it holds
    assert report["quarantined"] == {}  # nothing in the sample is malformed
    assert report["non_track_entries"] == [
        {"playlist": "Late Night Coding ☕", "item_type": "episode", "entries": 1},
        {"playlist": "Late Night Coding ☕", "item_type": "unavailable", "entries": 1},
        {"playlist": "Road Trip 2019 🚗", "item_type": "local", "entries": 1},
    ]
    assert report["api"]["calls"] == 14
    # (two artists are called Velvet: each keeps its own row, told apart by its ID's end)
    top = report["top_artists"][0]
    assert (top["entries"], top["playlists"]) == (23, 4)
    assert top["artist"] == f"Velvet (…{top['artist_id'][-4:]})"
    velvets = [a for a in report["top_artists"] if a["artist"].startswith("Velvet")]
    assert len(velvets) == 2 and velvets[0]["artist"] != velvets[1]["artist"]
    assert sum(d["entries"] for d in report["release_decades"]) > 0
    assert report["cost_estimate"]["total_usd"] == 0.0
    assert where["html"].endswith("reports/snapshot_date=2026-11-24/report.html")


def test_report_page_is_self_contained_with_six_charts(home: Path) -> None:
    where = pipeline.run_report(load({"SPOTIFY_PIPELINE_HOME": str(home)}), SAMPLE_DATE)
    page = Path(where["html"]).read_text()
    assert page.count("<svg") == 6
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing fetched from anywhere
    names = [a["artist"] for a in json.loads(Path(where["json"]).read_text())["top_artists"]]
    assert any(not n.isascii() for n in names)
    assert all(html.escape(n) in page for n in names)  # Unicode names kept as they are
    assert page.count('class="bar"') >= 20


def test_render_html_escapes_names() -> None:
    report = {
        "snapshot_date": "2026-11-24", "platform": "local", "rows": {"tracks": 1},
        "entries_in": 1, "quarantined": {}, "item_types": {},
        "api": {"calls": 1, "http_429": 0, "statuses": {}, "shapes": {}}, "schema_changes": [],
        "playlist_changes": [],
        "top_artists": [
            {"artist": "<script>x</script>", "entries": 1, "playlists": 1, "artist_id": "a"}
        ],
        "release_decades": [], "listening_daily": [], "bytes_scanned": 0,
        "cost_estimate": {
            "athena_usd": 0.0, "lambda_usd": 0.0, "crawler_usd": 0.0, "total_usd": 0.0,
        },
    }  # fmt: skip
    page = render_html(report)
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_cli_report_prints_the_page_path(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SPOTIFY_PIPELINE_HOME", str(home))
    assert main(["report", "--date", SAMPLE_DATE]) == 0
    assert capsys.readouterr().out.strip().endswith("report.html")


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        if path := shutil.which(name):
            return path
    raise AssertionError(
        "Debian's chromium is needed to render the report; .ci/run installs it "
        "(apt-get install chromium)"
    )


def test_report_renders_in_headless_chromium_with_drawn_charts(home: Path, tmp_path: Path) -> None:
    # GIVEN the report page
    where = pipeline.run_report(load({"SPOTIFY_PIPELINE_HOME": str(home)}), SAMPLE_DATE)
    # WHEN headless Chromium (no network) lays it out
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]  # fmt: skip
    probe = (
        "<script>window.onload=()=>{const b=[...document.querySelectorAll('rect.bar')];"
        "document.title='bars:'+b.filter(r=>r.getBBox().width>0).length+"
        "'/svgs:'+document.querySelectorAll('svg').length;}</script>"
    )
    page = tmp_path / "probe.html"
    page.write_text(Path(where["html"]).read_text().replace("</body>", probe + "</body>"))
    dom = subprocess.run(
        [_chromium(), *flags, "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            _chromium(),
            *flags,
            f"--screenshot={shot}",
            "--window-size=800,2400",
            Path(where["html"]).as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    # THEN all six charts exist and their bars have real, non-zero drawn widths
    m = re.search(r"<title>bars:(\d+)/svgs:(\d+)</title>", dom)
    assert m, dom[:500]
    assert int(m.group(2)) == 6
    assert int(m.group(1)) >= 20
    assert shot.stat().st_size > 10_000


def test_every_saved_athena_query_runs_as_saved(home: Path) -> None:
    # GIVEN the report templates as Terraform saves them (terraform/envs/*/main.tf renders the
    # date placeholder as the latest snapshot, with this very text)
    from spotify_etl import sql
    from spotify_etl.platforms.local import LocalPlatform

    main_tf = (Path(__file__).parents[2] / "terraform" / "envs" / "dev" / "main.tf").read_text()
    assert f'"{sql.DATE_PLACEHOLDER}", "{sql.LATEST_SNAPSHOT}"' in main_tf
    folder = Path(sql.__file__).parent / "reports"
    platform = LocalPlatform(home)
    for report in sorted(folder.glob("*.sql")):
        saved = sql.as_saved_query(report.read_text())
        # WHEN each runs as saved THEN it has no placeholder left and answers
        assert "{{" not in saved, report.name
        assert platform.query(saved)["columns"], report.name
