"""The table contracts: the design's tables and keys, and docs generated from them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import polars as pl

from spotify_transform.schemas import TABLES, athena_type, duckdb_type

ROOT = Path(__file__).parents[2]


def test_contract_tables_and_keys_match_the_design() -> None:
    keys = {name: table.key for name, table in TABLES.items()}
    assert keys == {
        "playlists": ("playlist_id",),
        "playlist_items": ("playlist_id", "position"),
        "tracks": ("track_id",),
        "albums": ("album_id",),
        "artists": ("artist_id",),
        "track_artists": ("track_id", "artist_id"),
        "saved_tracks": ("track_id",),
        "saved_albums": ("album_id",),
        "top_items": ("kind", "time_range", "rank"),
        "plays": ("played_at",),
        "streams": (),  # a stream is unique by its time, content and length, not one column
        "quarantine": (),
        "import_quarantine": (),
    }
    assert TABLES["plays"].partition == "played_date"
    assert TABLES["albums"].schema["release_date"] == pl.Date()
    assert TABLES["artists"].schema["genres"] == pl.List(pl.String())


def test_every_column_has_a_description_and_a_type_on_both_engines() -> None:
    for table in TABLES.values():
        assert table.description
        for column in table.columns:
            assert column.description, f"{table.name}.{column.name}"
            assert athena_type(column.dtype) and duckdb_type(column.dtype)


def test_data_dictionary_doc_is_generated_from_the_contracts() -> None:
    # GIVEN the generator script
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # THEN the committed page is exactly what it generates (run scripts/gen_docs.py if not)
    assert (ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8") == module.render()


def test_the_table_list_and_the_column_contracts_agree() -> None:
    # GIVEN the list of tables (stdlib, read at DAG parse time) and the column contracts
    from spotify_transform import tables

    # THEN they name the same tables with the same partition keys, and the snapshot tables
    # (one Airflow Asset each) are exactly those partitioned by snapshot_date
    assert tuple(TABLES) == tables.TABLES
    assert {n: t.partition for n, t in TABLES.items()} == {
        n: tables.partition_key(n) for n in tables.TABLES
    }
    snapshot = tuple(n for n, t in TABLES.items() if t.partition == "snapshot_date")
    assert snapshot == tables.SNAPSHOT_TABLES


def test_report_date_prefers_snapshots_then_plays_then_the_run_date() -> None:
    from spotify_etl.assets import report_date

    assert (
        report_date([{"snapshot_date": "2026-11-24"}, {"snapshot_date": "2026-11-25"}], "x")
        == "2026-11-25"
    )
    assert report_date([{"played_dates": ["2026-11-23", "2026-11-24"]}], "x") == "2026-11-24"
    assert report_date([], "2026-11-20") == "2026-11-20"
