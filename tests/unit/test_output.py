"""What the command line prints: query tables aligned by display width, values as SQL shows
them, long cells cut, JSON that says when rows were left out, and the lake's dates."""

from __future__ import annotations

from typing import Any

import pytest

from spotify_etl.cli import output


@pytest.mark.parametrize(
    ("text", "width"),
    [
        ("abc", 3),
        ("日本語", 6),  # East Asian wide: two columns each
        ("Ｆｕｌｌ", 8),  # fullwidth
        ("Road Trip 🚗", 12),  # an emoji takes two
        ("❤️", 2),  # a narrow symbol made an emoji by U+FE0F
        ("👩‍💻", 2),  # two emoji joined by U+200D draw as one
        ("e\u0301", 1),  # a combining accent takes none
    ],
)
def test_display_width_counts_terminal_columns(text: str, width: int) -> None:
    # WHEN the width of the text is measured THEN it is the columns a terminal draws
    assert output.display_width(text) == width


def test_table_aligns_wide_characters_by_display_width() -> None:
    # GIVEN names in Japanese, with an emoji and in ASCII
    rows = [["夜のドライブ", 3], ["Road Trip 🚗", 12], ["Chill", 100]]
    # WHEN printed as a table
    lines = output.table(["name", "n"], rows).splitlines()
    # THEN the second column starts at the same display column on every line
    starts = [output.display_width(line.rstrip()[: -len(line.split()[-1])]) for line in lines]
    assert len(set(starts)) == 1, lines
    assert lines[2] == "夜のドライブ  3  "


def test_table_shows_values_as_sql_does() -> None:
    # GIVEN an array, booleans, NULLs (also inside an array) and a map
    rows: list[list[Any]] = [[["a", "b"], True, None], [[1, None], False, {"k": 1}]]
    # WHEN printed as a table
    lines = output.table(["genres", "explicit", "extra"], rows).splitlines()
    # THEN arrays are [a, b], booleans true/false, NULL is spelled out
    assert lines[2].split() == ["[a,", "b]", "true", "NULL"]
    assert lines[3].split() == ["[1,", "NULL]", "false", "{k=1}"]


def test_table_cuts_long_cells_and_escapes_control_characters() -> None:
    # GIVEN a 300-character cell, and one with a line break and a terminal escape
    rows = [["x" * 300], ["two\nlines \x1b[31mred"]]
    # WHEN printed as a table
    lines = output.table(["raw"], rows).splitlines()
    # THEN the long cell is cut to MAX_CELL_WIDTH columns ending in "…"
    assert lines[2].rstrip() == "x" * (output.MAX_CELL_WIDTH - 1) + "…"
    # AND the other stays on one line, its control characters shown, not obeyed
    assert len(lines) == 4
    assert lines[3].rstrip() == "two\\nlines \\x1b[31mred"
    # AND a wide-character cell is cut by display width too
    cut = output.fit("日本語" * 30, output.MAX_CELL_WIDTH)
    assert output.display_width(cut) <= output.MAX_CELL_WIDTH and cut.endswith("…")


def test_strip_ansi_removes_terminal_escapes() -> None:
    # GIVEN sqlglot's way of underlining the spot of a parse error
    text = "Expecting ). Line 1, Col: 9.\n  SELECT (\x1b[4m1\x1b[0m"
    # WHEN stripped THEN the text is left, the escapes are gone
    assert output.strip_ansi(text) == "Expecting ). Line 1, Col: 9.\n  SELECT (1"


@pytest.mark.parametrize(
    ("max_rows", "rows", "truncated"), [(None, 3, False), (2, 2, True), (5, 3, False)]
)
def test_query_json_says_when_rows_were_left_out(
    max_rows: int | None, rows: int, truncated: bool
) -> None:
    # GIVEN a result of three rows
    result = {"columns": ["n"], "rows": [[1], [2], [3]], "row_count": 3}
    # WHEN printed as JSON with or without --max-rows
    shown = output.query_json(result, max_rows)
    # THEN every row is there unless --max-rows cut them, and then `truncated` says so
    assert len(shown["rows"]) == rows
    assert shown["row_count"] == 3
    assert shown["truncated"] is truncated


@pytest.mark.parametrize(
    ("dates", "message"),
    [
        (
            [f"2026-11-{d}" for d in range(18, 25)],
            "no data for 2026-01-01; dates with data: 2026-11-18 … 2026-11-24 (7)",
        ),
        (
            ["2026-10-01", "2026-11-18", "2026-11-19"],
            "no data for 2026-01-01; dates with data: 2026-10-01, 2026-11-18 … 2026-11-19 (3)",
        ),
        (
            [f"2026-{m:02d}-01" for m in range(1, 13)],
            "no data for 2026-01-01; dates with data: …, "
            + ", ".join(f"2026-{m:02d}-01" for m in range(3, 13))
            + " (12)",
        ),
        ([], "no data for 2026-01-01: the lake holds no snapshot yet; run the pipeline first"),
    ],
)
def test_no_data_lists_the_dates_that_have_some(dates: list[str], message: str) -> None:
    # WHEN a date has no data THEN the line names the dates that do, in runs, the latest ten
    assert output.no_data("2026-01-01", dates) == message


def test_catalog_listing_shows_each_table_with_its_columns() -> None:
    # GIVEN a table and a view
    tables = [
        {"name": "tracks", "kind": "table", "columns": [{"name": "track_id", "type": "varchar"}]},
        {"name": "top", "kind": "view", "columns": [{"name": "n", "type": "bigint"}]},
    ]
    # WHEN listed
    text = output.catalog_listing(tables)
    # THEN each is named with its kind, then its columns and their types
    assert text.splitlines() == [
        "tracks (table, 1 column)",
        "  track_id  varchar",
        "",
        "top (view, 1 column)",
        "  n  bigint",
        "",
        "1 table, 1 view",
    ]
