"""The run report: figures from the curated views, a self-contained page with drawn charts."""

from __future__ import annotations

import html
import json
import re
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from spotify_etl.cli.main import main
from spotify_etl.pipeline import context, snapshot
from spotify_etl.pipeline.context import Run
from spotify_etl.platforms.local import LocalPlatform
from spotify_etl.report.page import render_html
from spotify_etl.settings import load
from spotify_transform.storage import ByteStore
from tests.browser import view
from tests.conftest import ARTIFACTS, SAMPLE_DATE


def _run(home: Path) -> Run:
    return context.for_cli(load({"SPOTIFY_PIPELINE_HOME": str(home)}), SAMPLE_DATE)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    run = _run(tmp_path)
    snapshot.extract(run)
    snapshot.merge(run, [snapshot.transform(run, [0])])
    snapshot.crawl(run)
    return tmp_path


def test_report_json_holds_the_runs_figures(home: Path) -> None:
    # WHEN the report of the sample date is written
    where = snapshot.report(_run(home))
    report = json.loads(Path(where["json"]).read_text())
    # THEN rows, quarantine, API calls, artists, decades and a zero local cost are in it
    assert report["rows"]["playlist_items"] == 335  # every position, whatever it holds
    assert report["quarantined"] == {}  # nothing in the sample is malformed
    assert report["non_track_entries"] == [
        {"playlist": "Late Night Coding ☕", "item_type": "episode", "entries": 1},
        {"playlist": "Late Night Coding ☕", "item_type": "unavailable", "entries": 1},
        {"playlist": "Road Trip 2019 🚗", "item_type": "local", "entries": 1},
    ]
    # /me/playlists, /me, 5 playlists, 8 pages; the library: 3 pages of Liked Songs, 1 of
    # saved albums, 6 top lists
    assert report["api"]["calls"] == 15 + 10
    # (two artists are called Velvet: each keeps its own row, told apart by the track of
    # theirs in most entries — something a person knows; the ID stays in the data)
    top = report["top_artists"][0]
    assert (top["entries"], top["playlists"]) == (23, 4)
    assert top["artist"] == f"Velvet — {top['top_track']}" and top["artist_id"]
    velvets = [a for a in report["top_artists"] if a["name"] == "Velvet"]
    assert len(velvets) == 2 and velvets[0]["artist"] != velvets[1]["artist"]
    assert all(a["artist_id"][-4:] not in a["artist"] for a in velvets)
    assert sum(d["entries"] for d in report["release_decades"]) > 0
    assert report["cost_estimate"]["total_usd"] == 0.0
    assert where["html"].endswith("reports/snapshot_date=2026-11-24/report.html")


def test_report_page_is_self_contained(home: Path) -> None:
    # GIVEN the report of a single date (no history yet)
    where = snapshot.report(_run(home))
    page = Path(where["html"]).read_text()
    # THEN nothing is fetched from anywhere and no script runs: the only absolute links are
    # plain links a reader may follow, to open.spotify.com
    assert not re.search(r'src="', page)
    assert set(re.findall(r'href="((?:https?:)?//[^/"]*)', page)) <= {"https://open.spotify.com"}
    assert "<script" not in page
    # AND Unicode names are kept as they are
    names = [a["artist"] for a in json.loads(Path(where["json"]).read_text())["top_artists"]]
    assert any(not n.isascii() for n in names)
    assert all(html.escape(n) in page for n in names)
    # AND a chart without data says why instead of drawing an empty frame
    assert "The history fills in as snapshots accumulate" in page
    assert page.count('class="bar"') == 10 + 7  # top artists, release decades


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


# Every text of the charts and their legends measured where Chromium drew it: each inside its
# chart, none over another, and (on screen) every text of the page at 11 px or more.
MEASURE = """(() => {
  const out = {checked: 0, clipped: [], overlapping: [], small: [], legends: []};
  const own = t => [...t.childNodes].filter(n => n.nodeType === 3).map(n => n.data).join('');
  const onScreen = matchMedia('screen').matches;
  for (const svg of document.querySelectorAll('figure.chart > svg')) {
    if (!svg.getClientRects().length) continue;
    const box = svg.getBoundingClientRect();
    const scale = svg.getScreenCTM().a;
    const name = svg.querySelector('title').textContent;
    const texts = [...svg.querySelectorAll('text')].map(t => ({t, r: t.getBoundingClientRect()}));
    for (const {t, r} of texts) {
      out.checked++;
      if (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5
          || r.bottom > box.bottom + 0.5) out.clipped.push(`${name}: ${own(t)}`);
      const px = parseFloat(getComputedStyle(t).fontSize) * scale;
      if (px < 11) out.small.push(`${name}: ${own(t)} ${px.toFixed(1)} px`);
    }
    for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
      const a = texts[i].r, b = texts[j].r;
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 0.5 && h > 0.5)
        out.overlapping.push(`${name}: ${own(texts[i].t)} / ${own(texts[j].t)}`);
    }
  }
  for (const ul of document.querySelectorAll('figure.chart .legend')) {
    if (!ul.getClientRects().length) continue;
    const fig = ul.closest('figure').getBoundingClientRect();
    const items = [...ul.children].map(li => ({li, r: li.getBoundingClientRect()}));
    for (const {li, r} of items) {
      out.checked++;
      const label = li.lastElementChild || li;
      const cut = label.scrollWidth > label.clientWidth + 1 && !li.title;
      const line = parseFloat(getComputedStyle(li).lineHeight) || 20;
      // inside its figure, its name whole (or cut with a tooltip), on one line
      if (r.left < fig.left - 0.5 || r.right > fig.right + 0.5 || cut || r.height > line + 4)
        out.legends.push(li.textContent);
    }
    for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) {
      const a = items[i].r, b = items[j].r;
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 0.5 && h > 0.5)
        out.legends.push(`${items[i].li.textContent} / ${items[j].li.textContent}`);
    }
  }
  if (onScreen) {
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      const el = n.parentElement;
      if (!n.data.trim() || el.closest('svg') || !el.getClientRects().length) continue;
      out.checked++;
      const px = parseFloat(getComputedStyle(el).fontSize);
      if (px < 11) out.small.push(`${n.data.trim().slice(0, 40)} ${px} px`);
    }
  }
  return out;
})()"""
WEEK_PAGE = f"reports/snapshot_date={SAMPLE_DATE}/report.html"
YEAR_PAGE = "reports/period=year/year=2025/report.html"
PROBES = {
    "charts": "document.querySelectorAll('figure.chart > svg').length",
    "described": "[...document.querySelectorAll('figure.chart > svg[role=img]')]"
    ".filter(s => s.querySelector('title')?.textContent && s.querySelector('desc')?.textContent)"
    ".length",
    # every chart's title is visible above it, not only in its description
    "titled": "[...document.querySelectorAll('figure.chart > svg')]"
    ".filter(s => { const t = s.previousElementSibling; return t && t.matches('.chart-title')"
    " && t.getBoundingClientRect().height > 0 && t.getBoundingClientRect().bottom"
    " <= s.getBoundingClientRect().top + 1; }).length",
    "drawn": "[...document.querySelectorAll('rect.bar, rect.cell, polyline.series')]"
    ".filter(e => { const b = e.getBBox(); return b.width > 0 && b.height >= 0; }).length",
    "tables": "document.querySelectorAll('figure.chart details table').length",
    "overflow": "document.documentElement.scrollWidth - window.innerWidth",
    "scripts": "document.scripts.length",
    # every text of the page, also chart titles, descriptions and closed data tables
    "all_text": "document.documentElement.textContent",
    # how far down the first music figure is (the period's cards), and the health section
    "music_top": "document.querySelector('#music .stats, #music p').getBoundingClientRect().top"
    " + scrollY",
    "health_top": "document.getElementById('health').getBoundingClientRect().top + scrollY",
    "links": "[...document.querySelectorAll('a[href^=\"https://open.spotify.com/\"]')].length",
    "texts": MEASURE,
}
PRINT_PROBES = {
    "charts": "document.querySelectorAll('figure.chart > svg').length",
    "details_shown": "[...document.querySelectorAll('details')]"
    ".filter(d => getComputedStyle(d).display !== 'none').length",
    "overflow": "Math.max(0, document.documentElement.scrollWidth - window.innerWidth)",
    "rows_table": "document.querySelector('details.keep table').getBoundingClientRect().height > 0",
    "texts": MEASURE,
}


def _fonts_for_every_glyph() -> None:
    """The sample's names hold Japanese, Arabic and emoji: without fonts for them Chromium
    draws boxes of another width, and measuring the labels would prove nothing."""
    missing = []
    for what, pattern in (("Japanese", ":lang=ja"), ("Arabic", ":lang=ar")):
        if not subprocess.run(["fc-list", pattern], capture_output=True, text=True).stdout:
            missing.append(what)
    families = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True).stdout
    if "emoji" not in families.lower():
        missing.append("emoji")
    assert not missing, (
        f"no font for {', '.join(missing)} text: install Debian's fonts-noto-cjk and "
        "fonts-noto-color-emoji (./scripts/test does, as root)"
    )


def _readable(v: Any, width: int, printed: bool = False) -> None:
    """No chart text cut off at its chart's edge, none drawn over another, none under 11 px on
    screen; legends keep each name whole (or cut it with an ellipsis and a tooltip)."""
    texts = v.print_values["texts"] if printed else v.values["texts"]
    assert texts["checked"] > 100, texts
    assert texts["clipped"] == [], (width, printed, texts["clipped"])
    assert texts["overlapping"] == [], (width, printed, texts["overlapping"])
    assert texts["legends"] == [], (width, printed, texts["legends"])
    if not printed:
        assert texts["small"] == [], (width, texts["small"])


def _sql_week(home: Path, start: str, end: str) -> dict[str, Any]:
    """The period's figures straight from SQL on the same lake (the listener's days)."""
    platform = LocalPlatform(home)
    where = f"local_date BETWEEN '{start}' AND '{end}'"
    minutes, listens = platform.query(
        f"SELECT sum(ms_played) / 60000.0, count_if(counted) FROM listening WHERE {where}"
    )["rows"][0]
    top = platform.query(
        f"SELECT max(track_name) FROM listening WHERE {where} AND content_type = 'track' "
        "GROUP BY coalesce(track_id, track_name) ORDER BY sum(ms_played) DESC LIMIT 1"
    )["rows"][0][0]
    days = sorted(
        r[0]
        for r in platform.query(
            f"SELECT DISTINCT local_date FROM listening WHERE {where} AND counted", max_rows=None
        )["rows"]
    )
    streak = best = 0
    for i, d in enumerate(days):
        after = i and (date.fromisoformat(d) - date.fromisoformat(days[i - 1])).days == 1
        streak = streak + 1 if after else 1
        best = max(best, streak)
    return {"minutes": minutes, "listens": listens, "top": top, "streak": best}


@pytest.mark.parametrize(
    ("page", "start", "end", "title"),
    [
        (WEEK_PAGE, "2026-11-18", SAMPLE_DATE, "Your week in music"),
        (YEAR_PAGE, "2025-01-01", "2025-12-31", "Your 2025 in music"),
    ],
    ids=["week", "year"],
)
def test_the_pages_as_a_person_sees_them(
    sample_week: tuple[Path, subprocess.CompletedProcess[str]],
    page: str,
    start: str,
    end: str,
    title: str,
) -> None:
    # GIVEN the pages `spotify-pipeline run` left after the sample's week (session fixture),
    # and fonts for every script the sample's names are written in
    home, result = sample_week
    assert result.returncode == 0, result.stdout + result.stderr
    _fonts_for_every_glyph()
    expected = _sql_week(home, start, end)
    kept = json.loads((home / page).with_name("report.json").read_text())
    # WHEN headless Chromium opens it at desktop and at phone width, and prints it
    views = view(
        (home / page).as_uri(), ARTIFACTS / "report" / Path(page).parent.name,
        widths=(1280, 390), evaluate=PROBES, print_evaluate=PRINT_PROBES, timeout=120,
    )  # fmt: skip
    for v in views:
        # THEN it made no request but the page itself and logged nothing, not even a warning
        assert len(v.requests) == 1 and v.requests[0].startswith("file://"), v.requests
        assert v.console == [] and v.errors == []
        assert v.values["scripts"] == 0
        # AND every chart is drawn, titled where a reader sees it, described, with its data
        assert v.values["charts"] == 7
        assert v.values["described"] == v.values["titled"] == v.values["tables"] == 7
        assert v.values["drawn"] >= 50
        # AND every label is whole and readable: nothing cut off, overlapping or tiny
        _readable(v, v.width)
        # AND nothing is wider than the screen (tables scroll inside their box)
        assert v.values["overflow"] <= 0, v.width
        # AND music comes first: the period's figures open the page, the health comes last
        assert v.values["music_top"] < 400, v.values["music_top"]
        assert v.values["health_top"] > v.values["music_top"]
        # AND the figures are those SQL gives on the same lake, formatted
        text = v.text
        for shown in (
            title,
            f"{expected['minutes']:,.0f}\nminutes listened",
            f"{expected['listens']:,}\nlistens (30 s or more)",
            f"{expected['streak']} days\nlongest daily streak",
            expected["top"],
            "Velvet",
            "✓ Complete",
            "renamed from “Road Trip 🚗”",
            "+5 added (since 2026-11-23)",
            "Friday Night Mix: skipped",
        ):
            assert shown in text, (v.width, shown)
        assert v.values["links"] >= 20  # tracks, artists, albums open in Spotify
        for seen in (text, v.values["all_text"]):
            assert not re.search(r"\bNone\b|\bnull\b|\bnan\b|\{'|\{\"", seen), v.width
        # AND its screenshot is kept for people to look at
        assert v.screenshot.is_file() and v.screenshot.stat().st_size > 50_000
    assert kept["listening"]["top_tracks"][0]["track"] == expected["top"]
    assert round(kept["listening"]["now"]["minutes"], 3) == round(expected["minutes"], 3)
    assert kept["listening"]["streak"]["days"] == expected["streak"]
    assert [v.width for v in views] == [1280, 390]
    assert views[1].height > views[0].height  # one column on the phone
    # AND printed (A4), it keeps every chart, drops the data tables' toggles, no chart or table
    # is wider than the paper, and no label is cut off or overlaps another
    printed = views[0]
    assert printed.pdf is not None and printed.pdf.stat().st_size > 20_000
    assert 3 <= printed.pdf_pages <= 12, printed.pdf_pages
    # (only the rows per table stay, opened: the charts' own descriptions describe them)
    texts = printed.print_values.pop("texts")
    assert printed.print_values == {
        "charts": 7, "details_shown": 1, "overflow": 0, "rows_table": True,
    }  # fmt: skip
    printed.print_values["texts"] = texts
    _readable(printed, printed.width, printed=True)


def test_every_saved_athena_query_runs_as_saved(home: Path) -> None:
    # GIVEN the report templates as Terraform saves them (terraform/envs/*/main.tf renders the
    # date placeholder as the latest snapshot, with this very text, and the time zone
    # placeholder as its variable time_zone, by default UTC)
    from spotify_etl import sql

    main_tf = (Path(__file__).parents[2] / "terraform" / "envs" / "dev" / "main.tf").read_text()
    assert f'"{sql.DATE_PLACEHOLDER}", "{sql.LATEST_SNAPSHOT}"' in main_tf
    assert f'"{sql.TIME_ZONE_PLACEHOLDER}", "\'${{var.time_zone}}\'"' in main_tf
    folder = Path(sql.__file__).parent / "reports"
    platform = LocalPlatform(home)
    for report in sorted(folder.glob("*.sql")):
        saved = report.read_text().replace(sql.DATE_PLACEHOLDER, sql.LATEST_SNAPSHOT)
        saved = saved.replace(sql.TIME_ZONE_PLACEHOLDER, "'UTC'")
        # WHEN each runs as saved THEN it has no placeholder left and answers
        assert "{{" not in saved, report.name
        assert platform.query(saved)["columns"], report.name


class AthenaShapedResults(LocalPlatform):
    """The local lake, answering as Athena's GetQueryResults does: every value as its text
    (`VarCharValue`: booleans 'true'/'false', numbers as digits), NULL as no value."""

    def query(self, sql: str, max_rows: int | None = 20) -> dict[str, Any]:
        result = super().query(sql, max_rows)

        def text(v: Any) -> str | None:
            if v is None:
                return None
            return str(v).lower() if isinstance(v, bool) else str(v)

        return {**result, "rows": [[text(v) for v in row] for row in result["rows"]]}


def test_report_reads_athena_text_values_as_the_local_ones(
    sample_week: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    # GIVEN the week's lake, queried once natively and once with Athena-shaped text results
    from spotify_etl.report.gather import gather

    home, _ = sample_week
    settings = load({"SPOTIFY_PIPELINE_HOME": str(home)})
    native = gather(settings, LocalPlatform(home), SAMPLE_DATE)
    texts = gather(settings, AthenaShapedResults(home), SAMPLE_DATE)
    # THEN visibility and readability are the same booleans (not the truthy text 'false')
    assert texts["playlists_now"] == native["playlists_now"]
    assert texts["playlist_events"] == native["playlist_events"]
    assert {x["public"] for x in texts["playlists_now"]} == {True, False}
    # AND the page renders the same changes from them
    page = render_html(texts)
    assert "made private" in page and "renamed from “Road Trip 🚗”" in page
    assert texts["checks"] == native["checks"] and texts["listening"] == native["listening"]


def _many_playlists(home: Path, playlists: int, days: int) -> str:
    """A lake whose `playlists` table holds `playlists` playlists on each of `days` dates (the
    last one renamed on the last date, the first gone from it); returns the last date."""
    import polars as pl

    from spotify_etl.sql import dates_up_to
    from spotify_transform.rawzone.layout import curated_file
    from spotify_transform.schemas import TABLES

    dates = dates_up_to("2026-11-28", days)
    for n, day in enumerate(dates):
        last = n == days - 1

        def name(i: int, last: bool = last) -> str:
            return f"Mix {i:04d}" + (" (2026)" if last and i == playlists - 1 else "")

        rows = [
            {"playlist_id": f"pl{i:020d}", "name": name(i),
             "description": None, "owner_id": "me", "owner_name": "Me", "public": True,
             "collaborative": False, "followers": None, "snapshot_id": f"s{i}",
             "item_count": 10 + i, "items_accessible": True}
            for i in range(1 if last else 0, playlists)
        ]  # fmt: skip
        target = Path(curated_file(str(home / "curated"), "playlists", day))
        target.parent.mkdir(parents=True, exist_ok=True)
        pl.DataFrame(rows, schema=TABLES["playlists"].schema).write_parquet(target)
    LocalPlatform(home).crawl()
    return dates[-1]


def test_a_report_of_many_playlists_shows_every_one_of_the_date(tmp_path: Path) -> None:
    # GIVEN 300 playlists on each of 28 dates (8,400 history rows: more than the 5,000 the report
    # once read, which cut its own date off)
    from spotify_etl.report.gather import gather

    day = _many_playlists(tmp_path, 300, 28)
    # WHEN the report gathers its figures
    r = gather(load({"SPOTIFY_PIPELINE_HOME": str(tmp_path)}), LocalPlatform(tmp_path), day)
    # THEN every playlist of the date is there, and each query returned only what the page shows
    assert len(r["playlists_now"]) == 299
    assert len(r["playlist_dates"]) == 28
    sizes = r["playlist_sizes"]
    assert sizes["playlists"] == 300 and {x["playlist_id"] for x in sizes["series"]} == {
        f"pl{i:020d}" for i in range(294, 300)
    }
    # AND the date's rename and disappearance are events, at their dates
    events = {(e["date"], e["name"], e["gone"]) for e in r["playlist_events"]["shown"]}
    assert events == {(day, "Mix 0299 (2026)", False), (day, "Mix 0000", True)}
    page = render_html(r)
    assert "renamed from “Mix 0299”" in page and "no longer extracted" in page
    assert "the 6 largest of 300" in page


def test_a_report_query_that_would_be_cut_fails_by_name(tmp_path: Path) -> None:
    # GIVEN an engine whose answer to one report query is longer than the report reads
    from spotify_etl.report import gather as report_gather

    day = _many_playlists(tmp_path, 3, 2)

    class Cut(LocalPlatform):
        def query(self, sql: str, max_rows: int | None = 20) -> dict[str, Any]:
            result = super().query(sql, max_rows)
            if "from playlist_steps" in sql.lower():  # the playlists section
                return {**result, "row_count": report_gather.MAX_REPORT_ROWS + 1}
            return result

    # WHEN the report gathers THEN it fails naming the query, rather than show a short page
    with pytest.raises(report_gather.ReportTruncated, match="playlists_on_date"):
        report_gather.gather(load({"SPOTIFY_PIPELINE_HOME": str(tmp_path)}), Cut(tmp_path), day)


def test_a_date_with_no_readable_playlist_passes_its_checks_and_says_so(tmp_path: Path) -> None:
    # GIVEN a listener whose named playlists are all gone (404): nothing readable on the date
    settings = load(
        {
            "SPOTIFY_PIPELINE_HOME": str(tmp_path),
            "SPOTIFY_PLAYLISTS": "000000000000000000Gone,111111111111111111Gone",
        }
    )
    run = context.for_cli(settings, SAMPLE_DATE)
    extracted = snapshot.extract(run)
    assert extracted["playlists_with_metadata"] == 0
    snapshot.merge(run, [snapshot.transform(run, [0])])
    snapshot.crawl(run)
    # WHEN the date is checked THEN zero expected is zero found: it passes
    assert snapshot.check(run, extracted["playlists_with_metadata"])["checks_failed"] == 0
    # AND the report passes every check and says why no playlist is shown
    where = snapshot.report(run)
    report = json.loads(Path(where["json"]).read_text())
    assert report["checks"]["failed"] == []
    page = Path(where["html"]).read_text()
    assert "No playlist could be read on this date (2 not found)" in page


def test_a_refresh_keeps_the_figures_of_the_run_and_reports_on_a_snapshot_date(
    home: Path,
) -> None:
    # GIVEN the date's report written by its daily run, with the run's figures
    run = _run(home)
    merged = snapshot.merge(run, [snapshot.transform(run, [0])])
    crawled = {**snapshot.crawl(run), "schema_changes": [{"table": "plays", "change": "created"}]}
    daily = snapshot.report(run, {"extract": {}, "transform": merged, "crawl": crawled})
    before = json.loads(Path(daily["json"]).read_text())
    assert before["item_types"] and before["entries_in"] == 335
    # WHEN plays of the next day (no snapshot yet) trigger the refresh
    next_day = context.for_cli(load({"SPOTIFY_PIPELINE_HOME": str(home)}), "2026-11-25")
    refreshed = snapshot.refresh_report(next_day)
    # THEN it rewrote the snapshot date's page, not an empty one of the next day…
    assert refreshed["json"] == daily["json"]
    assert not (home / "reports" / "snapshot_date=2026-11-25").exists()
    # …keeping what the run recorded: entries by kind, the transform's counts, schema changes
    after = json.loads(Path(refreshed["json"]).read_text())
    for key in ("item_types", "entries_in", "schema_changes", "checks"):
        assert after[key] == before[key], key
    assert "Schema changes found by the crawl: 1." in Path(refreshed["html"]).read_text()


def test_a_refresh_with_no_snapshot_in_the_lake_says_so(tmp_path: Path) -> None:
    with pytest.raises(snapshot.NoSnapshot, match="no snapshot date"):
        snapshot.refresh_report(_run(tmp_path))


def test_the_report_says_what_is_deferred_and_when_it_resumes(tmp_path: Path) -> None:
    # GIVEN a lake whose rolling budget other runs nearly spent (20 of 50 calls, and the
    # listening pulls keep 24)
    from spotify_transform.rawzone import budget as ledger

    now = datetime.now(UTC)
    ledger.write_run(ByteStore(), str(tmp_path / "raw"), ledger.new_key(now), "earlier",
                     {ledger.minute(now): 20})  # fmt: skip
    settings = load({"SPOTIFY_PIPELINE_HOME": str(tmp_path), "SPOTIFY_DAILY_CALL_BUDGET": "50"})
    run = context.for_cli(settings, SAMPLE_DATE)
    # WHEN the date is extracted, transformed and reported
    extracted = snapshot.extract(run)
    snapshot.merge(run, [snapshot.transform(run, [0])])
    snapshot.crawl(run)
    where = snapshot.report(run)
    # THEN the extract stayed within the budget and committed what did not fit as deferred
    assert extracted["api_calls"] <= 50 - 20 - 24 and extracted["deferred"] > 0
    assert extracted["resume_at"]
    # AND the report says what waits, why, and when it resumes
    page = Path(where["html"]).read_text()
    assert "Deferred:" in page and "the call budget (50 calls a day) was spent" in page
    assert f"the next run after {extracted['resume_at']}" in page
    # AND the run's warning opens the page, before the music, as a banner
    banner = page.index('<aside class="warnings"')
    assert banner < page.index('id="music"') and "Deferred" in page[banner : page.index("</aside>")]


def test_the_listening_pull_makes_no_call_while_the_quota_stop_holds(tmp_path: Path) -> None:
    # GIVEN Spotify's QUOTA_EXCEEDED recorded an hour ago, for 14 hours
    from spotify_etl.pipeline import listening
    from spotify_transform.rawzone import budget as ledger

    now = datetime.now(UTC)
    until = now + timedelta(hours=13)
    ledger.set_quota(ByteStore(), str(tmp_path / "raw"), until, now - timedelta(hours=1))
    run = context.for_cli(load({"SPOTIFY_PIPELINE_HOME": str(tmp_path)}), SAMPLE_DATE)
    # WHEN the hourly pull runs
    pulled = listening.extract(run)
    # THEN it calls nothing, says until when, and the next pull resumes from the cursor
    assert (pulled["api_calls"], pulled["plays"]) == (0, 0)
    assert pulled["deferred_until"] == until.isoformat(timespec="seconds")
