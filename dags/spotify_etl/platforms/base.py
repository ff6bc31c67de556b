"""What a platform offers the DAG: one byte store, the zones, transform, crawl and query.

The DAG talks only to this protocol, so the same DAG file runs on the local platform (folders,
the handler in-process, DuckDB) and on AWS (S3, Lambda, Glue, Athena).
"""

from __future__ import annotations

from typing import Any, Protocol

from spotify_transform.storage import ByteStore


class PlatformError(Exception):
    """A platform operation failed; the message says what and where."""


class QueryError(PlatformError):
    """The query engine refused the SQL itself (syntax, an unknown table or column, a bad
    cast): the user's to fix, so the command line exits 2. The message is the engine's whole
    text, suggestions ("Did you mean …") included."""


class Platform(Protocol):
    """A place where the pipeline stores, transforms, catalogs and queries."""

    name: str
    store: ByteStore
    raw_root: str
    curated_root: str
    reports_root: str
    # The listener's IANA zone (SPOTIFY_TIMEZONE) that `crawl` builds the listening views with.
    time_zone: str

    def invoke_transform(self, event: dict[str, Any]) -> dict[str, Any]:
        """Run the transform function with `event`; return its small JSON result."""
        ...

    def crawl(self) -> dict[str, Any]:
        """Catalog the curated zone; report tables, partitions and schema changes."""
        ...

    def register_partitions(self, table: str, values: list[str]) -> dict[str, Any]:
        """Make new partitions of a catalogued table queryable without a full crawl."""
        ...

    def query(self, sql: str, max_rows: int | None = 20) -> dict[str, Any]:
        """Run one Athena (Trino) SQL statement; return columns, the first `max_rows` rows
        (None: every row) and the row count.

        Raises:
            QueryError: The engine refused the SQL.
            PlatformError: The engine or the catalog could not run it.
        """
        ...

    def tables(self) -> list[dict[str, Any]]:
        """Every table and view of the catalog, by name: `{"name", "kind": "table" | "view",
        "columns": [{"name", "type"}, ...]}` (partition keys included, as they are queried)."""
        ...
