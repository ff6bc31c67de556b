"""SQL rendering (pure) and the checks' logic on DuckDB."""

from __future__ import annotations

import duckdb
import pytest

from spotify_etl import sql
from spotify_etl.platforms.local import transpile


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


def test_key_checks_find_duplicates_and_null_keys() -> None:
    # GIVEN tables with one duplicate playlist and one NULL track key, other tables empty
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE playlists AS SELECT * FROM (VALUES ('p1', '2026-11-25'), "
        "('p1', '2026-11-25'), ('p2', '2026-11-24')) t(playlist_id, snapshot_date)"
    )
    con.execute(
        "CREATE TABLE tracks AS SELECT * FROM "
        "(VALUES (NULL, '2026-11-25'), ('t1', '2026-11-25')) t(track_id, snapshot_date)"
    )
    for table, cols in {
        "playlist_items": "playlist_id VARCHAR, position BIGINT",
        "albums": "album_id VARCHAR",
        "artists": "artist_id VARCHAR",
        "track_artists": "track_id VARCHAR, artist_id VARCHAR",
    }.items():
        con.execute(f"CREATE TABLE {table} ({cols}, snapshot_date VARCHAR)")
    # WHEN the checks run for the date
    (statement,) = transpile(sql.key_checks("2026-11-25"))
    rows = con.execute(statement).fetchall()
    # THEN exactly the two problems come back
    assert rows == [("playlists", "duplicate_key", "p1", 2), ("tracks", "null_key", None, 1)]


def test_key_checks_report_empty_playlists_partition() -> None:
    con = duckdb.connect()
    for table, cols in {
        "playlists": "playlist_id VARCHAR",
        "playlist_items": "playlist_id VARCHAR, position BIGINT",
        "tracks": "track_id VARCHAR",
        "albums": "album_id VARCHAR",
        "artists": "artist_id VARCHAR",
        "track_artists": "track_id VARCHAR, artist_id VARCHAR",
    }.items():
        con.execute(f"CREATE TABLE {table} ({cols}, snapshot_date VARCHAR)")
    (statement,) = transpile(sql.key_checks("2026-11-25"))
    assert con.execute(statement).fetchall() == [("playlists", "empty_partition", None, 0)]
