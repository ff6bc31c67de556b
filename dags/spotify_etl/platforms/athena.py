"""Athena for the AWS platform: one statement run in the Terraform-owned workgroup, polled with
a growing delay, its results paged into a preview; a failed query surfaces Athena's error, as
the SQL's fault (QueryError) when Athena says the user's SQL caused it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from spotify_etl.platforms.base import PlatformError, QueryError

QUERY_TIMEOUT = 900
DONE_QUERY_STATES = ("SUCCEEDED", "FAILED", "CANCELLED")
USER_ERROR_CATEGORY = 2  # AthenaError.ErrorCategory: 1 system, 2 user, 3 other


def run_query(
    athena: Any,
    workgroup: str,
    database: str,
    sql: str,
    max_rows: int | None,
    *,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> dict[str, Any]:
    """Run one Athena statement; return columns, the first `max_rows` rows (None: all) and
    the row count.

    Raises:
        QueryError: Athena refused the SQL (a user error: syntax, an unknown table or column).
        PlatformError: Athena could not run it (access, a timeout, a system error).
    """
    try:
        qid = athena.start_query_execution(
            QueryString=sql,
            WorkGroup=workgroup,
            QueryExecutionContext={"Database": database},
        )["QueryExecutionId"]
    except Exception as exc:
        raise PlatformError(f"Athena refused the query: {exc}") from None
    deadline, delay = clock() + QUERY_TIMEOUT, 0.5
    while True:
        execution = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]
        state = execution["Status"]["State"]
        if state in DONE_QUERY_STATES:
            break
        if clock() > deadline:
            athena.stop_query_execution(QueryExecutionId=qid)
            raise PlatformError(f"query {qid} still {state} after {QUERY_TIMEOUT}s; stopped")
        sleep(delay)
        delay = min(delay * 1.5, 5.0)
    if state != "SUCCEEDED":
        status = execution["Status"]
        error = status.get("AthenaError") or {}
        reason = error.get("ErrorMessage") or status.get("StateChangeReason", "no reason given")
        kind = QueryError if error.get("ErrorCategory") == USER_ERROR_CATEGORY else PlatformError
        raise kind(f"query {qid} {state}: {reason}")
    columns: list[str] = []
    rows: list[list[Any]] = []
    count = 0
    pages = athena.get_paginator("get_query_results").paginate(QueryExecutionId=qid)
    for number, page in enumerate(pages):
        result = page["ResultSet"]
        if not columns:
            columns = [c["Name"] for c in result.get("ResultSetMetadata", {}).get("ColumnInfo", [])]
        data = result.get("Rows", [])
        if number == 0 and data and [d.get("VarCharValue") for d in data[0]["Data"]] == columns:
            data = data[1:]  # the header row of a SELECT
        for row in data:
            count += 1
            if max_rows is None or len(rows) < max_rows:
                rows.append([cell.get("VarCharValue") for cell in row["Data"]])
    output = execution.get("ResultConfiguration", {}).get("OutputLocation")
    scanned = execution.get("Statistics", {}).get("DataScannedInBytes", 0)
    return {
        "query_id": qid,
        "engine": "athena",
        "columns": columns,
        "rows": rows,
        "row_count": count,
        "output_location": output,
        "data_scanned_bytes": scanned,
    }


def glue_tables(glue: Any, database: str) -> list[dict[str, Any]]:
    """The Glue database's tables and views (Athena views are Glue tables of type
    VIRTUAL_VIEW), each with its columns then its partition keys, and their Hive types."""
    found = []
    for page in glue.get_paginator("get_tables").paginate(DatabaseName=database):
        for table in page["TableList"]:
            columns = [
                *table.get("StorageDescriptor", {}).get("Columns", []),
                *table.get("PartitionKeys", []),
            ]
            found.append(
                {
                    "name": table["Name"],
                    "kind": "view" if table.get("TableType") == "VIRTUAL_VIEW" else "table",
                    "columns": [{"name": c["Name"], "type": c["Type"].lower()} for c in columns],
                }
            )
    return sorted(found, key=lambda t: str(t["name"]))
