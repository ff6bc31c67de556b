"""The local platform: folders for the zones, the Lambda handler in-process, DuckDB for SQL.

Nothing here is a mock: the transform is the very handler the Lambda runs, called with the same
event; the "crawler" registers every curated table as a view over its Parquet files in a DuckDB
catalog file; queries are Athena SQL transpiled by sqlglot and run by DuckDB over the same files.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import logging
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from spotify_etl.platforms.base import PlatformError, QueryError
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


_SHOW_COLUMNS = re.compile(r"\s*SHOW\s+COLUMNS\s+(?:FROM|IN)\s+(\w+)\s*;?\s*", re.I)
_SHOW_VIEWS = re.compile(r"\s*SHOW\s+VIEWS\s*;?\s*", re.I)


def athena_show(sql: str) -> str | None:
    """DuckDB's spelling of Athena's `SHOW COLUMNS FROM t` and `SHOW VIEWS` (the analytics
    views: here the tables are views too), or None for any other SQL."""
    found = _SHOW_COLUMNS.fullmatch(sql)
    if found:
        return f"DESCRIBE {found.group(1)}"
    if _SHOW_VIEWS.fullmatch(sql):
        names = ", ".join(f"'{name}'" for name in views())
        return f"SELECT view_name FROM duckdb_views() WHERE view_name IN ({names}) ORDER BY 1"
    return None


def transpile(sql: str) -> list[str]:
    """Athena (Trino) SQL → DuckDB statements.

    Athena's `SHOW COLUMNS FROM t` and `SHOW VIEWS` become DuckDB's spelling; another statement
    sqlglot does not model (`SHOW TABLES`) passes through as it is, without sqlglot's warning:
    DuckDB runs it or says why not.

    Raises:
        QueryError: The SQL does not parse as Athena SQL (the message points at where), or
            holds no statement.
    """
    import sqlglot
    from sqlglot.errors import ParseError, SqlglotError

    show = athena_show(sql)
    if show:
        return [show]
    try:
        with _quiet("sqlglot"):
            statements = sqlglot.transpile(sql, read="athena", write="duckdb")
    except ParseError as exc:
        raise QueryError(f"SQL does not parse as Athena SQL: {parse_error_text(exc)}") from None
    except SqlglotError as exc:  # e.g. an unterminated string: the tokenizer's error
        raise QueryError(f"SQL does not parse as Athena SQL: {exc}") from None
    statements = [s for s in statements if s.strip()]
    if not statements:
        raise QueryError("no SQL statement given")
    return statements


def parse_error_text(exc: Any) -> str:
    """A sqlglot ParseError as plain text: what, where, and the line with a caret under the
    spot. (sqlglot's own message underlines the spot with terminal escape codes.)"""
    if not getattr(exc, "errors", None):
        return str(exc)
    first = exc.errors[0]
    before = str(first.get("start_context") or "").rsplit("\n", 1)[-1]
    spot = str(first.get("highlight") or "")
    after = str(first.get("end_context") or "").split("\n", 1)[0]
    return (
        f"{first.get('description')} (line {first.get('line')}, column {first.get('col')})\n"
        f"  {before}{spot}{after}\n  {' ' * len(before)}{'^' * max(len(spot), 1)}"
    )


@contextlib.contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    """Hold back a library logger's warnings for the block (they would reach stderr)."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def engine_error(exc: Exception) -> PlatformError:
    """A DuckDB error as the platform's: the SQL's fault (QueryError) or the engine's, with
    DuckDB's whole message ("Did you mean", "Candidate bindings", the line it points at)."""
    import duckdb

    text = "\n".join(line for line in str(exc).splitlines() if line.strip())
    users = (duckdb.ProgrammingError, duckdb.DataError, duckdb.NotSupportedError)
    if isinstance(exc, users):
        return QueryError(f"query failed: {text}")
    return PlatformError(f"query failed: {text}")


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

    def __init__(self, home: Path, time_zone: str = "UTC") -> None:
        self.home = home.resolve()
        self.time_zone = time_zone  # the listener's, in the views (SPOTIFY_TIMEZONE)
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
            for name, text in views(self.time_zone).items():
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
            "time_zone": self.time_zone,
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
    def query(self, sql: str, max_rows: int | None = 20) -> dict[str, Any]:
        """Run Athena SQL on DuckDB; the full result is written as CSV to query-results/."""
        import duckdb

        statements = transpile(sql)
        self._need_catalog()
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
            raise engine_error(exc) from None
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

    def tables(self) -> list[dict[str, Any]]:
        """The catalog's tables (each a view over its Parquet files here, a table to Athena)
        and analytics views, with their columns and DuckDB types."""
        import duckdb

        self._need_catalog()
        with duckdb.connect(str(self.catalog), read_only=True) as con:
            rows = con.execute(
                "SELECT table_name, column_name, lower(data_type) FROM information_schema.columns "
                "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position"
            ).fetchall()
        analytics = set(views())
        found: dict[str, dict[str, Any]] = {}
        for table, column, dtype in rows:
            entry = found.setdefault(
                table,
                {"name": table, "kind": "view" if table in analytics else "table", "columns": []},
            )
            entry["columns"].append({"name": column, "type": dtype})
        return list(found.values())

    def _need_catalog(self) -> None:
        if not self.catalog.exists():
            raise PlatformError(f"no catalog at {self.catalog}: run the pipeline (crawl) first")
