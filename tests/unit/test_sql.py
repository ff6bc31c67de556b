"""SQL rendering (pure) and the checks' logic on DuckDB."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from spotify_etl import sql
from spotify_etl.platforms.local import transpile
from spotify_transform.schemas import TABLES, duckdb_type


def test_render_substitutes_validated_dates() -> None:
    assert (
        sql.render("WHERE d = '{{ snapshot_date }}'", snapshot_date="2026-11-25")
        == "WHERE d = '2026-11-25'"
    )


@pytest.mark.parametrize("value", ["2026-11-25' OR 1=1 --", "yesterday", ""])
def test_render_refuses_anything_but_an_iso_date(value: str) -> None:
    with pytest.raises(sql.SqlError, match="not a YYYY-MM-DD date"):
        sql.render("{{ snapshot_date }}", snapshot_date=value)


def test_render_refuses_unfilled_placeholder() -> None:
    with pytest.raises(sql.SqlError, match="has no value"):
        sql.render("{{ other }}", snapshot_date="2026-11-25")


def test_bundled_report_query_transpiles_to_duckdb() -> None:
    # GIVEN the report written in Athena SQL
    text = sql.render(sql.load("reports/top_artists.sql"), snapshot_date="2026-11-25")
    # WHEN transpiled THEN DuckDB gets its own spelling of Trino's functions
    (statement,) = transpile(text)
    assert "APPROX_COUNT_DISTINCT" in statement.upper()


def _tables(con: duckdb.DuckDBPyConnection, rows: dict[str, list[tuple[Any, ...]]]) -> None:
    """Every contract table (all columns, plus snapshot_date); `rows` give (key…, date) values
    for the first columns of a table, the others NULL."""
    for name, table in TABLES.items():
        if table.partition != "snapshot_date":
            continue
        cols = ", ".join(f"{c.name} {duckdb_type(c.dtype)}" for c in table.columns)
        con.execute(f"CREATE TABLE {name} ({cols}, snapshot_date VARCHAR)")
        for values in rows.get(name, []):
            names = [c.name for c in table.columns][: len(values) - 1]
            placeholders = ", ".join("?" for _ in values)
            con.execute(
                f"INSERT INTO {name} ({', '.join(names)}, snapshot_date) VALUES ({placeholders})",
                values,
            )


def test_key_checks_find_duplicates_and_null_keys() -> None:
    # GIVEN one duplicate playlist and one NULL track key on the date, other tables empty
    con = duckdb.connect()
    day = "2026-11-25"
    _tables(con, {
        "playlists": [("p1", day), ("p1", day), ("p2", "2026-11-24")],
        "tracks": [(None, day), ("t1", day)],
    })  # fmt: skip
    # WHEN the checks run for the date
    (statement,) = transpile(sql.key_checks(day))
    # THEN exactly the two problems come back
    assert con.execute(statement).fetchall() == [
        ("playlists", "duplicate_key", "p1", 2),
        ("tracks", "null_key", None, 1),
    ]


def test_key_checks_report_empty_playlists_partition() -> None:
    con = duckdb.connect()
    _tables(con, {})
    (statement,) = transpile(sql.key_checks("2026-11-25"))
    assert con.execute(statement).fetchall() == [("playlists", "empty_partition", None, 0)]


def test_key_checks_find_broken_references_and_manifest_mismatch() -> None:
    # GIVEN an item pointing at a missing track, a credit at a missing artist, 2 playlists
    con = duckdb.connect()
    day = "2026-11-25"
    _tables(con, {
        "playlists": [("p1", day), ("p2", day)],
        "playlist_items": [
            ("p1", 0, "track", None, None, None, None, None, "gone", day),
            ("p9", 0, "unavailable", None, None, None, None, None, None, day),
        ],
        "tracks": [("t1", "One", "al1", day)],
        "albums": [("al1", day)],
        "artists": [("a1", day)],
        "track_artists": [("t1", "nobody", 0, day)],
    })  # fmt: skip
    # WHEN the checks run, expecting 3 playlists from the manifest
    (statement,) = transpile(sql.key_checks(day, expected_playlists=3))
    # THEN each broken reference and the count mismatch is a row
    assert con.execute(statement).fetchall() == [
        ("playlist_items", "missing_playlists", "p9", 1),
        ("playlist_items", "missing_tracks", "gone", 1),
        ("playlists", "rows_differ_from_manifest_3", None, 2),
        ("track_artists", "missing_artists", "nobody", 1),
    ]


def test_key_checks_find_a_readable_playlist_short_of_its_item_count() -> None:
    # GIVEN a readable playlist of 3 entries with 2 rows, a hidden one with none, a whole one
    con = duckdb.connect()
    day = "2026-11-25"
    _tables(con, {
        "playlists": [
            ("short", *[None] * 8, 3, True, day),
            ("hidden", *[None] * 8, 5, False, day),
            ("whole", *[None] * 8, 1, True, day),
        ],
        "playlist_items": [
            ("short", 0, "track", *[None] * 6, day),
            ("short", 1, "local", *[None] * 6, day),
            ("whole", 0, "unavailable", *[None] * 6, day),
        ],
    })  # fmt: skip
    # WHEN the checks run
    (statement,) = transpile(sql.key_checks(day))
    # THEN the short one is reported with the rows it has; the hidden one is not held to it
    assert con.execute(statement).fetchall() == [
        ("playlist_items", "rows_differ_from_item_count", "short", 2),
    ]


def test_key_checks_hold_the_library_to_the_manifest_totals() -> None:
    # GIVEN 2 saved tracks and an entry of the saved tracks set aside (3 items), one saved album
    # whose album is missing, a repeated top-items rank, and a playlists row
    con = duckdb.connect()
    day = "2026-11-25"
    page = f"spotify/playlists/snapshot_date={day}/library/saved_tracks/page-000000.json"
    _tables(con, {
        "playlists": [("p1", day)],
        "tracks": [("t1", day), ("t2", day)],
        "saved_tracks": [("t1", day), ("t2", day)],
        "saved_albums": [("gone", day)],
        "top_items": [("tracks", "short_term", 1, day), ("tracks", "short_term", 1, day)],
        "quarantine": [(page, None, 2, day), (page, None, None, day)],  # an entry; a whole file
    })  # fmt: skip
    # WHEN the checks run with the manifest's totals, right and wrong
    right = sql.key_checks(day, 1, {"saved_tracks": 3})
    wrong = sql.key_checks(day, 1, {"saved_tracks": 2, "saved_albums": 4})
    # THEN the rows plus the entries set aside meet the total; a wrong total, the broken
    # reference and the repeated key are reported
    (statement,) = transpile(right)
    assert con.execute(statement).fetchall() == [
        ("saved_albums", "missing_albums", "gone", 1),
        ("top_items", "duplicate_key", "tracks|short_term|1", 2),
    ]
    (statement,) = transpile(wrong)
    assert con.execute(statement).fetchall() == [
        ("saved_albums", "missing_albums", "gone", 1),
        ("saved_albums", "rows_differ_from_manifest_4", None, 1),
        ("saved_tracks", "rows_differ_from_manifest_2", None, 3),
        ("top_items", "duplicate_key", "tracks|short_term|1", 2),
    ]


def test_monthly_cost_at_the_schedules_matches_a_hand_computation() -> None:
    # GIVEN a run's per-run figures, the report's scan, the zones' sizes and the default prices
    from spotify_etl.report.cost import monthly_cost
    from spotify_etl.settings import PRICES

    per_run = {"lambda_usd": 0.01, "crawler_usd": 0.146667, "athena_usd": 0.01}
    zones = {"raw": 10_000_000_000, "curated": 2_000_000_000}
    # WHEN the month is estimated
    m = monthly_cost(per_run, 2_000_000_000, zones, dict(PRICES), 3008)
    # THEN (by hand) Lambda: 0.01 × 30 daily + 3 s × 3008/1024 GB × 720 hourly × $0.0000166667
    #   = 0.3 + 0.10575021; crawler: 0.146667 × 30 daily (the hourly run registers partitions);
    #   Athena: 0.002 TB × $5 per report × (30 + 720) refreshes; S3: 10 GB + 2 GB × $0.023
    assert m["lambda_usd"] == pytest.approx(0.40575, abs=1e-6)
    assert m["crawler_usd"] == pytest.approx(4.40001, abs=1e-6)
    assert m["athena_usd"] == pytest.approx(7.5, abs=1e-9)
    assert m["s3_by_zone_usd"] == {"curated": 0.046, "raw": 0.23}
    assert m["total_usd"] == pytest.approx(0.40575 + 4.40001 + 7.5 + 0.276, abs=1e-5)


def test_artists_sharing_a_name_are_told_apart_by_what_a_person_knows() -> None:
    # GIVEN two artists called Velvet (with their most-played tracks) and one called Rain
    from spotify_etl.report.labels import distinct_names

    items = [("Velvet", "Midnight Drive"), ("Rain", "Glass"), ("Velvet", "Satellite")]
    # THEN each Velvet is named with its track, Rain keeps its name, and no ID is shown
    assert distinct_names(items) == ["Velvet — Midnight Drive", "Rain", "Velvet — Satellite"]
    # AND where even the track is shared or unknown, they are numbered
    assert distinct_names([("Velvet", "A"), ("Velvet", "A"), ("Velvet", None)]) == [
        "Velvet — A (1)", "Velvet — A (2)", "Velvet",
    ]  # fmt: skip


def test_render_accepts_only_an_iana_zone_inside_its_quotes() -> None:
    # GIVEN a view that converts to the listener's zone
    text = "SELECT x AT TIME ZONE '{{ time_zone }}'"
    # THEN a zone name is put in its place, and anything else is refused
    assert sql.render(text, time_zone="Europe/Berlin") == "SELECT x AT TIME ZONE 'Europe/Berlin'"
    for bad in ("UTC' OR 1=1 --", "Mars/Olympus", "../../etc/passwd", ""):
        with pytest.raises(sql.SqlError, match="not an IANA time zone"):
            sql.render(text, time_zone=bad)


def test_render_builds_the_pages_periods_from_checked_values() -> None:
    # GIVEN a week and a year, each with the days it is compared with
    rows = [("week-2026-11-24", "2026-11-18", "2026-11-24", "2026-11-11", "2026-11-17"),
            ("year-2025", "2025-01-01", "2025-12-31", "2024-01-01", "2024-12-31")]  # fmt: skip
    text = sql.render("SELECT * FROM {{ periods }}", periods=rows)
    # THEN they become a VALUES table that DuckDB reads as text dates
    found = duckdb.execute(transpile(text)[0]).fetchall()
    assert found == [tuple(r) for r in rows]
    # AND a key or a date that is not one is refused
    for bad in (("x'; --", *rows[0][1:]), (rows[0][0], "2026-11-18'", *rows[0][2:])):
        with pytest.raises(sql.SqlError):
            sql.render("{{ periods }}", periods=[bad])


def test_every_view_is_rendered_with_the_listeners_zone() -> None:
    views = sql.views("America/New_York")
    assert "'America/New_York'" in views["listening"] and "{{" not in "".join(views.values())
    assert "{{ time_zone }}" in sql.load("views/listening.sql")


def test_athena_bills_each_query_at_least_10_mb_rounded_up_to_the_megabyte() -> None:
    # GIVEN queries that scanned nothing, a little, just over 10 MB, and 1 GB
    from spotify_etl.report.cost import billed_bytes

    mb = 1024 * 1024
    # WHEN billed THEN each is rounded up to the next MB, and none below 10 MB
    assert billed_bytes([0]) == 10 * mb
    assert billed_bytes([1, 5 * mb]) == 20 * mb
    assert billed_bytes([10 * mb + 1]) == 11 * mb
    assert billed_bytes([1024 * mb, 0]) == 1034 * mb
    assert billed_bytes([]) == 0
