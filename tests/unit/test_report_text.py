"""The report's periods and label measures (pure)."""

from __future__ import annotations

import re

import pytest

from spotify_etl.report import charts, textfit
from spotify_etl.report.periods import period_of
from spotify_etl.report.sections import music
from spotify_etl.report.svg import SIZE, WIDTH


def test_a_page_covers_its_whole_period_whatever_day_names_it() -> None:
    # GIVEN any day of a year THEN the year's page is the calendar year ("wrapped")
    assert period_of("year", "2019-06-01") == period_of("year", "2019-12-31")
    year = period_of("year", "2019-06-01")
    assert (year.start, year.end, year.key, year.value) == (
        "2019-01-01", "2019-12-31", "year-2019", "2019",
    )  # fmt: skip
    # AND a week ends on its day, a month is the calendar month, all time starts at the first listen
    assert (period_of("week", "2026-11-24").start, period_of("week", "2026-11-24").title()) == (
        "2026-11-18", "18 – 24 Nov 2026",
    )  # fmt: skip
    feb = period_of("month", "2024-02-10")
    assert (feb.start, feb.end, feb.title()) == ("2024-02-01", "2024-02-29", "February 2024")
    assert period_of("all", "2026-11-24", "2019-03-02").start == "2019-03-02"


def test_a_period_under_way_is_compared_with_the_same_span_before() -> None:
    # GIVEN listening that stops on 24 Nov 2026
    last = "2026-11-24"
    # THEN 2026 is compared with 2025 up to 24 Nov; a finished year with the whole year before
    assert period_of("year", last).comparison(last) == ("2025-01-01", "2025-11-24")
    assert period_of("year", "2025-03-01").comparison(last) == ("2024-01-01", "2024-12-31")
    # AND a week with the week before; a month with the previous month's same days
    assert period_of("week", last).comparison(last) == ("2026-11-11", "2026-11-17")
    assert period_of("month", last).comparison(last) == ("2026-10-01", "2026-10-24")
    assert period_of("month", "2026-03-05").comparison(last) == ("2026-02-01", "2026-02-28")


@pytest.mark.parametrize(
    ("kind", "compared", "said"),
    [
        ("month", ("2026-11-01", "2026-11-29"), "Nov 2026 to 29 Nov"),  # 29 of November's 30
        ("month", ("2026-11-01", "2026-11-30"), "Nov 2026"),
        ("month", ("2026-02-01", "2026-02-28"), "Feb 2026"),  # a whole February
        ("year", ("2025-01-01", "2025-11-24"), "2025 to 24 Nov"),
        ("year", ("2025-01-01", "2025-12-31"), "2025"),
        ("week", ("2026-11-11", "2026-11-17"), "the week before"),
    ],
)
def test_the_period_compared_with_is_named_whole_only_when_it_is(
    kind: str, compared: tuple[str, str], said: str
) -> None:
    # GIVEN a page compared with a previous period, whole or cut where listening stops
    figures = {"listening": {"compared": list(compared)}, "page": {"kind": kind}}
    # THEN the page names it as it is
    assert music._compared(figures) == said


def test_labels_are_measured_by_their_rendered_width_not_counted() -> None:
    # GIVEN labels of the same length in characters
    latin, wide, emoji = "Midnight", "日本のシティポ", "🌙🌙🌙🌙"
    # THEN wide (East Asian) characters and emoji measure wider than Latin letters
    assert textfit.width(wide, 10) > textfit.width(latin, 10)
    assert textfit.width(emoji, 10) > textfit.width("abcd", 10)
    # AND accents and joiners take no room of their own
    assert textfit.width("e\u0301", 10) == textfit.width("e", 10)
    # AND a label cut to fit ends in an ellipsis and fits, never splitting a mark from its letter
    cut = textfit.fit("ire Electric 東京 Waves and more", 80, 13)
    assert cut.endswith("…") and textfit.width(cut, 13) <= 80
    assert textfit.fit("Cafe\u0301 Café Café", 40, 13)[-2] != "\u0301"
    assert textfit.fit("short", 200, 13) == "short"


def _texts(figure: str) -> list[tuple[float, float, str, str]]:
    return [
        (float(x), float(y), anchor, re.sub(r"<title>.*?</title>", "", body))
        for x, y, anchor, body in re.findall(
            r'<text x="([\d.]+)" y="([\d.]+)" text-anchor="(\w+)">(.*?)</text>', figure
        )
    ]


def _span(x: float, anchor: str, text: str) -> tuple[float, float]:
    w = textfit.width(text, SIZE)
    left = {"start": x, "middle": x - w / 2, "end": x - w}[anchor]
    return left, left + w


@pytest.mark.parametrize(
    "figure",
    [
        charts.bars("t", [("Fire Electric 東京 Waves — Golden Electric", 29), ("b", 3)], "min"),
        charts.columns("t", [f"2025-{m:02d}" for m in range(1, 13)] * 2, list(range(1, 25)), "h"),
        charts.lines("t", [f"Day {d}" for d in range(28)], [("x", list(range(28)))], "n"),
        charts.diverging("t", [f"Sat {d}" for d in range(14)], [3] * 14, [120] * 14),
        charts.heatmap("t", ["Mon", "Tue"], [f"{h:02d}" for h in range(24)], [[1] * 24] * 2, "m"),
    ],
    ids=["bars", "columns", "lines", "diverging", "heatmap"],
)
def test_no_estimated_label_leaves_the_canvas_or_meets_another(figure: str) -> None:
    # GIVEN a chart's texts, by the width the estimate gives them
    texts = _texts(figure)
    assert texts
    boxes = [(*_span(x, a, t), y) for x, y, a, t in texts]
    # THEN each stays on the 420-unit canvas and none overlaps another on its line
    for left, right, _ in boxes:
        assert left >= 0 and right <= WIDTH, (left, right)
    for i, (l1, r1, y1) in enumerate(boxes):
        for l2, r2, y2 in boxes[i + 1 :]:
            if abs(y1 - y2) < SIZE:
                assert r1 <= l2 or r2 <= l1, (texts[i], (l2, r2, y2))
