"""The report's chart module: pure SVG, accessible, escaped, and honest about missing data."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from spotify_etl.report import charts

EVIL = '<script>alert("x")</script> & Co'


def _svg(figure: str) -> ET.Element:
    """The figure's chart SVG, parsed as XML (it must be well-formed)."""
    match = re.search(r"<svg role=\"img\".*?</svg>", figure, re.S)
    assert match, figure[:200]
    return ET.fromstring(match.group(0))  # noqa: S314 (our own output, not untrusted input)


@pytest.mark.parametrize(
    "figure",
    [
        charts.bars(EVIL, [(EVIL, 3), ("b", 1)], "plays"),
        charts.lines(EVIL, ["d1", "d2"], [(EVIL, [1, None]), ("b", [0, 2])], "entries"),
        charts.columns(EVIL, [EVIL, "d2"], [0, 4], "plays"),
        charts.diverging(EVIL, [EVIL, "d2"], [2, 0], [0, 5]),
        charts.heatmap(EVIL, [EVIL, "Tue"], ["00", "01"], [[0, 1], [3, 0]], "plays"),
    ],
)
def test_every_chart_is_titled_described_escaped_and_has_its_table(figure: str) -> None:
    # GIVEN a chart whose title and labels hold markup
    svg = _svg(figure)
    # THEN its SVG is an image with a title and a description it points to
    title, desc = svg.find("{*}title"), svg.find("{*}desc")
    if title is None:  # ElementTree without a namespace
        title, desc = svg.find("title"), svg.find("desc")
    assert title is not None and title.text == EVIL
    assert desc is not None and desc.text
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    # AND no markup of the data reaches the page unescaped; the data is there as a table
    assert "<script>" not in figure
    assert "<details><summary>Data as a table</summary><table" in figure


def test_charts_without_data_say_so_instead_of_drawing() -> None:
    # GIVEN no data, a single date, and only zeros
    empty = [
        charts.bars("t", [], "plays", empty="nothing yet"),
        charts.lines("t", ["d1"], [("a", [3])], "entries", empty="nothing yet"),
        charts.columns("t", ["d1", "d2"], [0, 0], "plays", empty="nothing yet"),
        charts.diverging("t", ["d1"], [0], [0], empty="nothing yet"),
        charts.heatmap("t", ["Mon"], ["00"], [[0]], "plays", empty="nothing yet"),
    ]
    # THEN each is a titled note saying why, not an empty frame
    for figure in empty:
        assert "<svg" not in figure and "nothing yet" in figure


def test_numbers_and_axis_ticks_are_readable() -> None:
    # WHEN numbers are formatted THEN thousands are separated and no ".0" is left
    assert [charts.number(v) for v in (1234, 12.5, 3.0, 0)] == ["1,234", "12.5", "3", "0"]
    # AND axis ticks are round steps from 0 that reach the largest value
    assert charts._ticks(140) == [0, 50, 100, 150]
    assert charts._ticks(7) == [0, 2, 4, 6, 8]
    assert charts._ticks(0) == [0, 1]


def test_descriptions_give_the_main_figures() -> None:
    # GIVEN plays per day
    figure = charts.columns("Plays per day", ["Mon 1", "Tue 2", "Wed 3"], [3, 9, 1], "plays")
    # THEN the text alternative names the total and the busiest day
    assert "13 plays over 3 days; the most on Tue 2 (9)." in figure
    # AND a line chart says where each series started and ended
    lines = charts.lines("Sizes", ["a", "b"], [("Gym", [24, 0]), ("Road", [5, 5])], "entries")
    assert "Gym: 24 to 0 entries" in lines and "Road: 5 entries throughout" in lines


def test_series_differ_by_more_than_colour() -> None:
    # GIVEN three series
    figure = charts.lines("t", ["a", "b"], [("x", [1, 2]), ("y", [2, 1]), ("z", [0, 1])], "n")
    # THEN each has its own colour-blind-safe colour and its own dash pattern
    colours = re.findall(r'class="series" points="[^"]*" fill="none" stroke="([^"]+)"', figure)
    dashes = re.findall(r'class="series"[^>]*stroke-dasharray="([^"]*)"', figure)
    assert colours == list(charts.PALETTE[:3]) and len(set(dashes)) == 3


def test_a_missing_value_breaks_the_line_instead_of_bridging_it() -> None:
    # GIVEN a playlist unreadable on the middle day
    figure = charts.lines("t", ["a", "b", "c"], [("x", [1, None, 3])], "entries")
    # THEN two separate pieces of line are drawn, and the table says the day is missing
    assert figure.count('class="series"') == 2
    assert "<td>b</td><td>–</td>" in figure


def test_a_playlist_that_stops_being_extracted_is_an_event() -> None:
    # GIVEN the report's events: a playlist gone on the third date, another renamed
    from spotify_etl.report.changes import playlist_events

    before = {"date": "2026-11-01", "name": "Old", "items": 3, "readable": True, "public": True}
    report = {
        "playlist_events": {
            "shown": [
                {"date": "2026-11-03", "playlist_id": "a", "name": "Old", "gone": True},
                {"date": "2026-11-02", "playlist_id": "b", "name": "New", "items": 3,
                 "readable": True, "public": False, "before": before, "added": 0, "removed": 1},
            ],
            "total": 2,
        }
    }  # fmt: skip
    # WHEN the events are listed THEN each says what happened, newest first
    assert playlist_events(report) == [
        ("2026-11-03", "Old", "no longer extracted"),
        ("2026-11-02", "New", "−1 removed, renamed from “Old”, made private"),
    ]


def test_the_same_input_renders_the_same_html() -> None:
    # GIVEN a chart drawn, then other charts, then the first one again
    first = charts.bars("Most played", [("a", 3), ("b", 1)], "plays")
    charts.lines("Sizes", ["d1", "d2"], [("x", [1, 2])], "entries")
    again = charts.bars("Most played", [("a", 3), ("b", 1)], "plays")
    # THEN it is byte for byte the same (no counter leaks from one render into the next)
    assert again == first
    # AND two different charts on one page still get different ids
    ids = re.findall(r'id="([^"]+)"', first + charts.bars("Other", [("a", 3)], "plays"))
    assert len(ids) == len(set(ids))
