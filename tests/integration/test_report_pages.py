"""The report's pages for any period: few queries run at once, the listener's time zone, a page
per year, the index, and honest empty states."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from spotify_etl.cli.main import main
from spotify_etl.pipeline import context, snapshot
from spotify_etl.platforms.local import LocalPlatform
from spotify_etl.report.gather import gather, gather_pages
from spotify_etl.report.page import render_html
from spotify_etl.settings import load
from tests.conftest import SAMPLE_DATE

MB = 1024 * 1024


class Counted(LocalPlatform):
    """The local lake, counting the queries run on it and how many ran at once."""

    def __init__(self, home: Path, time_zone: str = "UTC") -> None:
        super().__init__(home, time_zone)
        self.queries: list[str] = []
        self.running = self.most = 0
        self._lock = threading.Lock()

    def query(self, sql: str, max_rows: int | None = 20) -> dict[str, Any]:
        with self._lock:
            self.queries.append(sql)
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(0.05)  # long enough for the others to start, as Athena's take seconds
            return super().query(sql, max_rows)
        finally:
            with self._lock:
                self.running -= 1


@pytest.fixture
def lake(sample_week: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path) -> Path:
    """A copy of the sample week's lake (the session's stays as the other tests expect it)."""
    home, result = sample_week
    assert result.returncode == 0, result.stdout + result.stderr
    copy = tmp_path / "lake"
    shutil.copytree(home, copy, ignore=shutil.ignore_patterns("query-results", "airflow*"))
    return copy


def test_every_page_of_a_refresh_comes_from_at_most_ten_queries_run_at_once(lake: Path) -> None:
    # GIVEN the sample's lake: a week of snapshots and two years of imported listening
    platform = Counted(lake)
    # WHEN a refresh gathers its pages (the week, each year, all time)
    pages = gather_pages(load({"SPOTIFY_PIPELINE_HOME": str(lake)}), platform, SAMPLE_DATE)
    # THEN they all come from at most ten queries, most of them running at the same time
    assert [p["page"]["key"] for p in pages] == [
        f"week-{SAMPLE_DATE}", "year-2024", "year-2025", "year-2026", "all",
    ]  # fmt: skip
    assert len(platform.queries) <= 10 and platform.most >= 5, (
        len(platform.queries), platform.most,
    )  # fmt: skip
    # AND the page says so, and what Athena would bill for them: at most 100 MB (each query
    # at least 10 MB; the sample's curated zone is far smaller than that)
    week = pages[0]
    assert week["queries"] == len(platform.queries)
    assert week["athena_billed"] == 10 * MB * len(platform.queries) <= 100 * MB
    assert f"{len(platform.queries)} queries run at once" in render_html(week)


def test_a_week_page_alone_is_as_cheap(lake: Path) -> None:
    # WHEN only the week's page is gathered THEN it too takes at most ten queries
    platform = Counted(lake)
    gather(load({"SPOTIFY_PIPELINE_HOME": str(lake)}), platform, SAMPLE_DATE)
    assert len(platform.queries) <= 10


def _local_hours(platform: LocalPlatform) -> dict[str, tuple[str, int]]:
    rows = platform.query(
        "SELECT CAST(played_at AS varchar), local_date, hour(local_played_at) FROM listening "
        "WHERE source = 'api' ORDER BY played_at DESC LIMIT 5",
        max_rows=None,
    )["rows"]
    return {str(r[0]): (str(r[1]), int(r[2])) for r in rows}


def test_the_listeners_time_zone_takes_effect_at_the_next_crawl(lake: Path) -> None:
    # GIVEN the lake crawled in UTC, and a listener in Tokyo (UTC+9, no daylight saving)
    utc = _local_hours(LocalPlatform(lake))
    daily = "SELECT played_date, sum(streams) FROM listening_daily GROUP BY 1"
    utc_days = dict(LocalPlatform(lake).query(daily, max_rows=None)["rows"])
    settings = load({"SPOTIFY_PIPELINE_HOME": str(lake), "SPOTIFY_TIMEZONE": "Asia/Tokyo"})
    # WHEN the report is gathered before the next crawl
    before = gather(settings, LocalPlatform(lake, "Asia/Tokyo"), SAMPLE_DATE)
    # THEN it shows the zone the views hold, and warns that the new one waits for the crawl
    assert before["time_zone"] == "UTC" and before["time_zone_setting"] == "Asia/Tokyo"
    assert "SPOTIFY_TIMEZONE is now Asia/Tokyo, which the next crawl" in render_html(before)
    # WHEN the lake is crawled with the new zone
    tokyo = LocalPlatform(lake, "Asia/Tokyo")
    tokyo.crawl()
    # THEN every listen's day and hour are Tokyo's: nine hours later than UTC's
    for played_at, (day, hour) in _local_hours(tokyo).items():
        utc_day, utc_hour = utc[played_at]
        assert hour == (utc_hour + 9) % 24
        assert day == utc_day if utc_hour + 9 < 24 else day > utc_day
    # AND the views that give days follow: the streams per day of the UTC crawl and of the
    # Tokyo one differ, their total does not (whole numbers: exact)
    tz_days = dict(tokyo.query(daily, max_rows=None)["rows"])
    assert tz_days != utc_days
    assert sum(tz_days.values()) == sum(utc_days.values())
    # AND the report no longer warns, and names the zone of its hours
    after = gather(settings, tokyo, SAMPLE_DATE)
    page = render_html(after)
    assert after["time_zone"] == "Asia/Tokyo" and "SPOTIFY_TIMEZONE is now" not in page
    assert "minutes by weekday and hour (Asia/Tokyo)" in page
    # AND a crawl in UTC again brings the UTC days back
    LocalPlatform(lake).crawl()
    assert _local_hours(LocalPlatform(lake)) == utc
    assert dict(LocalPlatform(lake).query(daily, max_rows=None)["rows"]) == utc_days


def test_a_page_for_any_period_and_an_index_that_links_them(
    lake: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SPOTIFY_PIPELINE_HOME", str(lake))
    reports = lake / "reports"
    # WHEN the year's page is asked for with any day of the year
    assert main(["report", "--period", "year", "--date", "2025-06-01"]) == 0
    # THEN it is that year's "wrapped", at the year's folder
    year = reports / "period=year" / "year=2025" / "report.html"
    assert capsys.readouterr().out.strip() == str(year)
    kept = json.loads(year.with_name("report.json").read_text())
    assert (kept["page"]["start"], kept["page"]["end"]) == ("2025-01-01", "2025-12-31")
    assert "Your 2025 in music" in year.read_text()
    # AND a month and all time have pages of their own
    assert main(["report", "--period", "month", "--date", "2025-02-14"]) == 0
    assert main(["report", "--period", "all", "--date", SAMPLE_DATE]) == 0
    month = reports / "period=month" / "month=2025-02" / "report.html"
    assert "Your February 2025 in music" in month.read_text()
    # AND the index links every page the folder holds, and every link leads to a page
    index = reports / "index.html"
    hrefs = re.findall(r'href="([^"]+)"', index.read_text())
    assert {"period=year/year=2025/report.html", "period=month/month=2025-02/report.html",
            f"snapshot_date={SAMPLE_DATE}/report.html"} <= set(hrefs)  # fmt: skip
    for page in (index, year, reports / f"snapshot_date={SAMPLE_DATE}" / "report.html"):
        for href in re.findall(r'href="([^"#]+)"', page.read_text()):
            if not href.startswith("https://"):
                assert (page.parent / href).resolve().is_file(), (page, href)
    capsys.readouterr()
    # AND a year without any listening or snapshot, before the lake's or after, is refused,
    # naming what the lake holds
    for day in ("2019-06-01", "2030-06-01"):
        assert main(["report", "--period", "year", "--date", day]) == 2
        assert f"no data for {day}" in capsys.readouterr().err
    # WHEN all time is written again to another day
    assert main(["report", "--period", "all", "--date", "2026-11-20"]) == 0
    assert main(["report", "--period", "year", "--date", "2025-06-01"]) == 0
    # THEN a page links the newest all time only, and the index both, told apart by their day
    nav = json.loads(year.with_name("report.json").read_text())["pages"]
    assert [x["label"] for x in nav if x.get("kind") == "all"] == ["All time"]
    listed = index.read_text()
    assert "All time, to 24 Nov 2026" in listed and "All time, to 20 Nov 2026" in listed


def test_the_sample_run_writes_the_week_every_year_and_the_index(
    sample_week: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    home, _ = sample_week
    years = sorted(p.name for p in (home / "reports" / "period=year").iterdir())
    assert years == ["year=2024", "year=2025", "year=2026"]
    assert (home / "reports" / "index.html").is_file()
    assert (home / "reports" / f"snapshot_date={SAMPLE_DATE}" / "report.html").is_file()


def test_a_period_without_listening_says_so_and_how_to_import(tmp_path: Path) -> None:
    # GIVEN a lake with one snapshot and no listening at all
    run = context.for_cli(load({"SPOTIFY_PIPELINE_HOME": str(tmp_path)}), SAMPLE_DATE)
    snapshot.extract(run)
    snapshot.merge(run, [snapshot.transform(run, [0])])
    snapshot.crawl(run)
    # WHEN its report is written
    page = Path(snapshot.report(run)["html"]).read_text()
    # THEN the page says there is no listening, and how to bring it in
    assert "No listening in 18 – 24 Nov 2026." in page
    assert "spotify-pipeline import my_spotify_data.zip" in page
    assert "Download your data" in page


def test_the_long_view_stops_at_the_pages_day(lake: Path) -> None:
    # GIVEN the sample's two years of listening, and a day in the middle of them
    platform, day = LocalPlatform(lake), "2025-06-30"
    # WHEN the week ending on that day is gathered
    page = gather(load({"SPOTIFY_PIPELINE_HOME": str(lake)}), platform, day)
    long_view = page["long_view"]
    # THEN no month, year or first listen after the day is in it
    assert long_view["months"] and max(m["month"] for m in long_view["months"]) == "2025-06"
    firsts = [a["first_day"] for y in long_view["first_listens"].values() for a in y["shown"]]
    assert firsts and max(firsts) <= day
    # AND 2025's top artist has the minutes SQL gives for 2025 up to that day, not the year's
    top = long_view["top_artists_years"]["2025"][0]
    minutes = platform.query(
        "SELECT round(sum(ms_played) / 60000.0, 1) FROM listening_credits WHERE local_date "
        f"BETWEEN '2025-01-01' AND '{day}' GROUP BY artist_key ORDER BY 1 DESC LIMIT 1"
    )["rows"][0][0]
    assert top["minutes"] == pytest.approx(minutes)
