"""Athena (Trino) SQL: report queries as files, data-quality checks rendered from the contracts.

Pure: rendering takes values and returns SQL text. Parameters are validated before they are
substituted (ISO dates; `time_zone`: an IANA zone name; `periods`: a list of validated
periods), so rendered SQL is never injectable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from importlib import resources
from typing import Any

_PARAM = re.compile(r"\{\{\s*(\w+)\s*\}\}")
# What the Athena named queries (Terraform) put for the date placeholder: the latest snapshot.
LATEST_SNAPSHOT = "(SELECT max(snapshot_date) FROM playlists)"
DATE_PLACEHOLDER = "'{{ snapshot_date }}'"
# The listener's zone in the views (SPOTIFY_TIMEZONE); Terraform's saved copies put its own.
TIME_ZONE_PLACEHOLDER = "'{{ time_zone }}'"
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


class SqlError(ValueError):
    """A SQL file or parameter is not acceptable."""


def _zone(value: str) -> str:
    from spotify_etl.timezones import is_zone

    if not is_zone(value):
        raise SqlError(f"SQL parameter time_zone={value!r} is not an IANA time zone")
    return value


def _iso(name: str, value: object) -> str:
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise SqlError(f"SQL parameter {name}={value!r} is not a YYYY-MM-DD date") from None


def periods_table(periods: Sequence[Sequence[Any]]) -> str:
    """`(VALUES ...) AS periods(page, starts, ends, prev_starts, prev_ends)`: one row per page
    (a short key, then four ISO dates as text, like `listening.local_date`: the period and the
    one it is compared with)."""
    if not periods:
        raise SqlError("SQL parameter periods is empty")
    rows = []
    for period in periods:
        key, *days = period
        if not isinstance(key, str) or not _KEY.fullmatch(key) or len(days) != 4:
            raise SqlError(f"SQL parameter periods has a bad row {period!r}")
        dates = ", ".join(f"'{_iso('periods', d)}'" for d in days)
        rows.append(f"('{key}', {dates})")
    return f"(VALUES {', '.join(rows)}) AS periods(page, starts, ends, prev_starts, prev_ends)"


def render(sql: str, **params: Any) -> str:
    """Substitute `{{ name }}` placeholders: ISO dates, `time_zone` (an IANA zone name, within
    the quotes the SQL puts around it) and `periods` (rows for `periods_table`).

    Raises:
        SqlError: A placeholder has no value, or a value is not what its name allows.
    """
    values: dict[str, str] = {}
    for name, value in params.items():
        if name == "time_zone":
            values[name] = _zone(str(value))
        elif name == "periods":
            values[name] = periods_table(value)
        else:
            values[name] = _iso(name, value)

    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise SqlError(f"SQL placeholder {{{{ {name} }}}} has no value")
        return values[name]

    return _PARAM.sub(sub, sql)


def dates_up_to(end: str, days: int) -> list[str]:
    """The `days` dates (YYYY-MM-DD) that end on `end`, oldest first: a report's window."""
    last = date.fromisoformat(end)
    return [(last - timedelta(days=n)).isoformat() for n in range(days - 1, -1, -1)]


def load(name: str) -> str:
    """The text of a bundled SQL file, e.g. `reports/top_artists.sql`."""
    return (resources.files("spotify_etl.sql") / name).read_text(encoding="utf-8")


def views(time_zone: str = "UTC") -> dict[str, str]:
    """The analytics views (`sql/views/<name>.sql`, each one CREATE OR REPLACE VIEW), by name,
    in an order that creates every view after the views it reads (`listening` first), with the
    listener's time zone (SPOTIFY_TIMEZONE) in the views that give days and hours."""
    folder = resources.files("spotify_etl.sql") / "views"
    texts = {
        entry.name.removesuffix(".sql"): render(
            entry.read_text(encoding="utf-8"), time_zone=time_zone
        )
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".sql")
    }
    reads = {
        name: {
            other
            for other in texts
            if other != name and re.search(rf"\b(FROM|JOIN)\s+{other}\b", text, re.I)
        }
        for name, text in texts.items()
    }
    ordered: dict[str, str] = {}
    while len(ordered) < len(texts):
        ready = [n for n in texts if n not in ordered and reads[n] <= set(ordered)]
        if not ready:
            circle = sorted(set(texts) - set(ordered))
            raise SqlError(f"views read each other in a circle: {circle}")
        ordered.update((n, texts[n]) for n in ready)
    return ordered


REFERENCES = (
    # (table, column, referenced table, referenced column)
    ("playlist_items", "playlist_id", "playlists", "playlist_id"),
    ("playlist_items", "track_id", "tracks", "track_id"),
    ("track_artists", "track_id", "tracks", "track_id"),
    ("track_artists", "artist_id", "artists", "artist_id"),
    ("tracks", "album_id", "albums", "album_id"),
    ("saved_tracks", "track_id", "tracks", "track_id"),
    ("saved_albums", "album_id", "albums", "album_id"),
)
# The library datasets whose manifest gives a total (top items: none).
LIBRARY_COUNTED = ("saved_tracks", "saved_albums")


def key_checks(
    snapshot_date: str,
    expected_playlists: int | None = None,
    expected_library: Mapping[str, int] | None = None,
    ordered: bool = True,
) -> str:
    """One query over every snapshot table: rows returned are data-quality failures (ordered by
    table, problem and key unless `ordered` is False, for a query that wraps it).

    Checks, per table with a key: no NULL key, no duplicate key within the date's partition;
    referential integrity (items → playlists and tracks, credits → tracks and artists, tracks →
    albums, saved tracks → tracks, saved albums → albums); every complete, readable playlist
    has exactly `item_count` rows in `playlist_items` (no position lost); the `playlists`
    partition holds exactly as many rows as the manifest says playlists were read (when
    known), and is not empty unless that is 0; each complete saved-tracks or saved-albums
    dataset of `expected_library` (its manifest `total` by name) holds exactly that many items:
    its rows plus its entries set aside in `quarantine` (no item lost).
    """
    from spotify_transform.rawzone.layout import library_file_name
    from spotify_transform.schemas import TABLES  # polars: only where checks are rendered

    parts: list[str] = []
    for table in TABLES.values():
        if not table.key or table.partition != "snapshot_date":
            continue
        where = f"snapshot_date = '{snapshot_date}'"
        keys = ", ".join(table.key)
        key_text = " || '|' || ".join(f"CAST({k} AS varchar)" for k in table.key)
        nulls = " OR ".join(f"{k} IS NULL" for k in table.key)
        parts.append(
            f"SELECT '{table.name}' AS table_name, 'duplicate_key' AS problem, "
            f"{key_text} AS key_value, count(*) AS row_count FROM {table.name} "
            f"WHERE {where} GROUP BY {keys} HAVING count(*) > 1"
        )
        parts.append(
            f"SELECT '{table.name}', 'null_key', CAST(NULL AS varchar), count(*) "
            f"FROM {table.name} WHERE {where} AND ({nulls}) HAVING count(*) > 0"
        )
    for child, column, ref, ref_column in REFERENCES:
        parts.append(
            f"SELECT '{child}', 'missing_{ref}', CAST(c.{column} AS varchar), count(*) "
            f"FROM {child} AS c LEFT JOIN {ref} AS r ON r.{ref_column} = c.{column} "
            f"AND r.snapshot_date = c.snapshot_date WHERE c.snapshot_date = '{snapshot_date}' "
            f"AND c.{column} IS NOT NULL AND r.{ref_column} IS NULL GROUP BY c.{column}"
        )
    parts.append(
        "SELECT 'playlist_items', 'rows_differ_from_item_count', p.playlist_id, "
        "count(i.position) FROM playlists AS p LEFT JOIN playlist_items AS i "
        "ON i.playlist_id = p.playlist_id AND i.snapshot_date = p.snapshot_date "
        f"WHERE p.snapshot_date = '{snapshot_date}' AND p.items_accessible "
        "AND p.item_count IS NOT NULL GROUP BY p.playlist_id, p.item_count "
        "HAVING count(i.position) <> p.item_count"
    )
    if expected_playlists is None or expected_playlists > 0:
        # (none expected — every playlist followed, not found or not visible — is none found)
        parts.append(
            "SELECT 'playlists', 'empty_partition', CAST(NULL AS varchar), count(*) "
            f"FROM playlists WHERE snapshot_date = '{snapshot_date}' HAVING count(*) = 0"
        )
    if expected_playlists is not None:
        parts.append(
            f"SELECT 'playlists', 'rows_differ_from_manifest_{int(expected_playlists)}', "
            f"CAST(NULL AS varchar), count(*) FROM playlists WHERE snapshot_date = "
            f"'{snapshot_date}' HAVING count(*) <> {int(expected_playlists)}"
        )
    for dataset in LIBRARY_COUNTED:
        if dataset not in (expected_library or {}):
            continue
        total = int((expected_library or {})[dataset])
        files = f"%/{library_file_name(dataset, '')}%"
        parts.append(
            f"SELECT '{dataset}', 'rows_differ_from_manifest_{total}', CAST(NULL AS varchar), "
            f"r.n + q.n FROM (SELECT count(*) AS n FROM {dataset} WHERE snapshot_date = "
            f"'{snapshot_date}') AS r CROSS JOIN (SELECT count(*) AS n FROM quarantine WHERE "
            f"snapshot_date = '{snapshot_date}' AND position IS NOT NULL AND source_file LIKE "
            f"'{files}') AS q WHERE r.n + q.n <> {total}"
        )
    return "\nUNION ALL\n".join(parts) + ("\nORDER BY 1, 2, 3" if ordered else "")
