"""Athena (Trino) SQL: report queries as files, data-quality checks rendered from the contracts.

Pure: rendering takes values and returns SQL text. Parameters are validated before they are
substituted (only ISO dates are accepted), so rendered SQL is never injectable.
"""

from __future__ import annotations

import re
from datetime import date
from importlib import resources

from spotify_transform.schemas import TABLES

_PARAM = re.compile(r"\{\{\s*(\w+)\s*\}\}")


class SqlError(ValueError):
    """A SQL file or parameter is not acceptable."""


def render(sql: str, **params: str) -> str:
    """Substitute `{{ name }}` placeholders with ISO-date parameters.

    Raises:
        SqlError: A placeholder has no value, or a value is not a YYYY-MM-DD date.
    """
    for name, value in params.items():
        try:
            date.fromisoformat(value)
        except ValueError:
            raise SqlError(f"SQL parameter {name}={value!r} is not a YYYY-MM-DD date") from None

    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in params:
            raise SqlError(f"SQL placeholder {{{{ {name} }}}} has no value")
        return params[name]

    return _PARAM.sub(sub, sql)


def load(name: str) -> str:
    """The text of a bundled SQL file, e.g. `reports/top_artists.sql`."""
    return (resources.files("spotify_etl.sql") / name).read_text(encoding="utf-8")


def key_checks(snapshot_date: str) -> str:
    """One query over every snapshot table: rows returned are data-quality failures.

    Checks, per table with a key: no NULL key, no duplicate key within the date's partition;
    and the `playlists` partition is not empty.
    """
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
    parts.append(
        "SELECT 'playlists', 'empty_partition', CAST(NULL AS varchar), count(*) "
        f"FROM playlists WHERE snapshot_date = '{snapshot_date}' HAVING count(*) = 0"
    )
    return "\nUNION ALL\n".join(parts) + "\nORDER BY 1, 2, 3"
