"""The local platform: folders for the zones, the Lambda handler in-process, DuckDB for SQL.

Nothing here is a mock: the transform is the very handler the Lambda runs, called with the same
event; the "crawler" registers every curated table as a view over its Parquet files in a DuckDB
catalog file; queries are Athena SQL transpiled by sqlglot and run by DuckDB over the same files.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import shutil
import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from spotify_etl.platforms.base import PlatformError
from spotify_etl.sql import views
from spotify_transform.rawzone.layout import LocalZones, curated_glob, curated_table_root
from spotify_transform.storage import ByteStore


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def transpile(sql: str) -> list[str]:
    """Athena (Trino) SQL → DuckDB statements.

    Raises:
        PlatformError: The SQL does not parse as Athena SQL.
    """
    import sqlglot
    from sqlglot.errors import ParseError

    try:
        statements = sqlglot.transpile(sql, read="athena", write="duckdb")
    except ParseError as exc:
        raise PlatformError(f"SQL does not parse as Athena SQL: {exc}") from None
    statements = [s for s in statements if s.strip()]
    if not statements:
        raise PlatformError("no SQL statement given")
    return statements


CATALOG_LOCK_TIMEOUT_S = 600.0


@contextlib.contextmanager
def catalog_writer(catalog: Path, timeout_s: float = CATALOG_LOCK_TIMEOUT_S) -> Iterator[Path]:
    """Exclusive right to rebuild `catalog`, across processes; yields a private working copy.

    DuckDB lets one process open a database file read-write and then refuses every other
    process, readers included ("Could not set lock on file"). So no one ever opens the catalog
    itself read-write: a writer takes `catalog.duckdb.lock` (flock; writers queue, bounded by
    `timeout_s`), rebuilds a copy, and renames it over the catalog in one step. Readers open the
    catalog read-only and see the old file or the new one, never a lock.

    Raises:
        PlatformError: Another writer held the lock for longer than `timeout_s`.
    """
    catalog.parent.mkdir(parents=True, exist_ok=True)
    lock_path = catalog.with_name(catalog.name + ".lock")
    with lock_path.open("a") as lock:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise PlatformError(
                        f"{catalog} is being rebuilt by another task for over {timeout_s:.0f} s"
                        f" (lock {lock_path})"
                    ) from None
                time.sleep(0.05)
        work = catalog.with_name(f".{catalog.name}.tmp-{uuid.uuid4().hex[:8]}")
        try:
            if catalog.exists():
                shutil.copyfile(catalog, work)
            yield work
            if work.exists():  # a writer that wrote nothing leaves the catalog as it was
                work.replace(catalog)
        finally:
            for leftover in (work, work.with_name(work.name + ".wal")):
                leftover.unlink(missing_ok=True)
            fcntl.flock(lock, fcntl.LOCK_UN)


class LocalPlatform:
    """Zones under `home`: raw/, curated/, catalog.duckdb, query-results/, reports/."""

    name = "local"

    def __init__(self, home: Path) -> None:
        self.home = home.resolve()
        zones = LocalZones(self.home)
        self.store = ByteStore()
        self.raw_root = zones.raw
        self.curated_root = zones.curated
        self.reports_root = zones.reports
        self.catalog = zones.catalog
        self.results = zones.query_results

    # ------------------------------------------------------------------ transform
    def invoke_transform(self, event: dict[str, Any]) -> dict[str, Any]:
        """Call the Lambda handler in-process with the same event the Lambda gets."""
        from spotify_transform.handler import lambda_handler

        return lambda_handler(event, None)

    # ------------------------------------------------------------------ crawl
    def _view_sql(self, table: str) -> tuple[str, int]:
        from spotify_transform.schemas import TABLES, duckdb_type  # polars: crawl only

        spec = TABLES[table]
        root = Path(curated_table_root(self.curated_root, table))
        partitions = sorted(
            p.name
            for p in root.glob(f"{spec.partition}=*")
            if p.is_dir() and any(p.glob("*.parquet"))
        )
        if not partitions:
            cols = ", ".join(
                f"CAST(NULL AS {duckdb_type(c.dtype)}) AS {c.name}" for c in spec.columns
            )
            return f"SELECT {cols}, CAST(NULL AS VARCHAR) AS {spec.partition} WHERE false", 0
        glob = curated_glob(self.curated_root, table).replace("'", "''")
        # Partition values stay strings, as the Glue crawler types them for Athena.
        return (
            f"SELECT * FROM read_parquet('{glob}', hive_partitioning = true, "
            f"hive_types = {{'{spec.partition}': VARCHAR}}, union_by_name = true)",
            len(partitions),
        )

    def crawl(self) -> dict[str, Any]:
        """(Re)register every curated table as a view; report partitions and schema changes."""
        import duckdb

        from spotify_transform.schemas import TABLES

        self.home.mkdir(parents=True, exist_ok=True)
        with catalog_writer(self.catalog) as work, duckdb.connect(str(work)) as con:
            before = self._columns(con)
            tables: dict[str, dict[str, int]] = {}
            for table in TABLES:
                select, partitions = self._view_sql(table)
                con.execute(f'CREATE OR REPLACE VIEW "{table}" AS {select}')
                tables[table] = {"partitions": partitions}
            after = self._columns(con)
            # The analytics views, written in Athena SQL, on top of the tables.
            for name, text in views().items():
                for statement in transpile(text):
                    try:
                        con.execute(statement)
                    except duckdb.Error as exc:
                        raise PlatformError(f"view {name}: {str(exc).splitlines()[0]}") from None
        changes: list[dict[str, Any]] = []
        for table, cols in after.items():
            tables[table]["columns"] = len(cols)
            old = before.get(table)
            if old is None:
                changes.append({"table": table, "change": "created"})
                continue
            added = sorted(set(cols) - set(old))
            removed = sorted(set(old) - set(cols))
            retyped = sorted(c for c in set(cols) & set(old) if cols[c] != old[c])
            if added or removed or retyped:
                changes.append(
                    {"table": table, "added": added, "removed": removed, "retyped": retyped}
                )
        return {
            "catalog": str(self.catalog),
            "tables": tables,
            "views": sorted(views()),
            "schema_changes": changes,
        }

    def register_partitions(self, table: str, values: list[str]) -> dict[str, Any]:
        """Locally a table's view reads every partition folder when queried: only a table that
        had none yet (an empty view) needs the catalog rebuilt."""
        if self._reads_files(table):
            return {"table": table, "added": sorted(set(values)), "existing": []}
        result = self.crawl()
        return {"table": table, "added": sorted(set(values)), "existing": [], "crawl": result}

    def _reads_files(self, table: str) -> bool:
        """Whether the catalog's view of `table` already reads its Parquet files."""
        import duckdb

        if not self.catalog.exists():
            return False
        with duckdb.connect(str(self.catalog), read_only=True) as con:
            found = con.execute(
                "SELECT sql FROM duckdb_views() WHERE view_name = ?", [table]
            ).fetchone()
        return bool(found and "read_parquet" in str(found[0]))

    @staticmethod
    def _columns(con: Any) -> dict[str, dict[str, str]]:
        rows = con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position"
        ).fetchall()
        from spotify_transform.schemas import TABLES

        out: dict[str, dict[str, str]] = {}
        for table, column, dtype in rows:
            if table in TABLES:  # the contract tables; the analytics views are rebuilt each crawl
                out.setdefault(table, {})[column] = dtype
        return out

    # ------------------------------------------------------------------ query
    def query(self, sql: str, max_rows: int = 20) -> dict[str, Any]:
        """Run Athena SQL on DuckDB; the full result is written as CSV to query-results/."""
        import duckdb

        statements = transpile(sql)
        if not self.catalog.exists():
            raise PlatformError(f"no catalog at {self.catalog}: run the pipeline (crawl) first")
        try:
            with duckdb.connect(str(self.catalog), read_only=True) as con:
                # Athena runs in UTC: hour(), day_of_week() and timestamp text must not follow
                # this machine's time zone.
                con.execute("SET TimeZone = 'UTC'")
                for statement in statements[:-1]:
                    con.execute(statement)
                cursor = con.execute(statements[-1])
                columns = [d[0] for d in cursor.description or []]
                rows = cursor.fetchall() if columns else []
        except duckdb.Error as exc:
            raise PlatformError(f"query failed: {str(exc).splitlines()[0]}") from None
        self.results.mkdir(parents=True, exist_ok=True)
        query_id = uuid.uuid4().hex
        output = self.results / f"{query_id}.csv"
        with output.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(columns)
            writer.writerows(rows)
        return {
            "query_id": query_id,
            "engine": "duckdb",
            "columns": columns,
            "rows": [[_jsonable(v) for v in row] for row in rows[:max_rows]],
            "row_count": len(rows),
            "output_location": str(output),
        }
