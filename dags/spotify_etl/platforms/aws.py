"""The AWS platform: S3 for the zones, the deployed Lambda for the transform, the Terraform-owned
Glue crawler for the catalog, Athena in the Terraform-owned workgroup for SQL.

The platform takes its boto3 clients as arguments. Inside Airflow they come from the Amazon
provider's hooks (connection `aws_default`: no static keys in code or config); on the command
line from a plain boto3 session, so `extract`, `transform` and `query` never import Airflow.

- transform: one synchronous invoke; the read timeout is above Lambda's 15-minute maximum and
  botocore retries are off, so a slow invoke is never run twice behind Airflow's back. The
  function's own error (and its log tail) is surfaced.
- crawl: never creates or reconfigures the crawler; if it is running, waits for that run, then
  starts ours and waits with a bounded, growing delay; a FAILED/CANCELLED last crawl fails with
  its message; then the Glue tables' column types are compared with the contracts.
- query: Athena in the workgroup (results location and encryption enforced there), polled with
  backoff, results paged, a small preview returned; a failed query surfaces Athena's error
  (`athena.py`, with the catalog's table listing).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from spotify_etl.platforms.base import PlatformError
from spotify_etl.settings import Settings
from spotify_etl.sql import views
from spotify_transform.rawzone.layout import (
    curated_table_root,
    partition_folder,
    s3_reports_root,
)
from spotify_transform.storage import ByteStore
from spotify_transform.uris import join

LAMBDA_READ_TIMEOUT = 960  # seconds: above the 900-second maximum function timeout
CRAWL_TIMEOUT = 1800
PARQUET_INPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUTPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"


@dataclass(frozen=True)
class AwsClients:
    """The boto3 clients the platform uses."""

    s3: Any
    lambda_: Any
    glue: Any
    athena: Any


def _lambda_config() -> Any:
    from botocore.config import Config

    # A synchronous invoke waits up to 15 minutes on an idle connection: TCP keepalive stops a
    # NAT that drops idle flows (MWAA's, after ~350 s) from cutting it, which would time out the
    # read and have Airflow run the transform twice.
    return Config(
        read_timeout=LAMBDA_READ_TIMEOUT,
        connect_timeout=10,
        tcp_keepalive=True,
        retries={"total_max_attempts": 1, "mode": "standard"},
    )


def clients_from_airflow(conn_id: str = "aws_default") -> AwsClients:
    """Clients from the Amazon provider's hooks (inside Airflow tasks)."""
    from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

    def client(kind: str, config: Any = None) -> Any:
        return AwsBaseHook(aws_conn_id=conn_id, client_type=kind, config=config).get_conn()

    return AwsClients(
        s3=client("s3"),
        lambda_=client("lambda", _lambda_config()),
        glue=client("glue"),
        athena=client("athena"),
    )


def clients_from_boto3() -> AwsClients:
    """Clients from the default boto3 session (command line; credentials from the environment
    or the instance/profile role)."""
    import boto3

    session = boto3.Session()
    return AwsClients(
        s3=session.client("s3"),
        lambda_=session.client("lambda", config=_lambda_config()),
        glue=session.client("glue"),
        athena=session.client("athena"),
    )


class AwsPlatform:
    """S3 + Lambda + Glue + Athena, with names from the settings (Terraform outputs)."""

    name = "aws"

    def __init__(
        self,
        settings: Settings,
        clients: AwsClients,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.names = dict(settings.aws)
        self.time_zone = settings.timezone  # the listener's, in the views (SPOTIFY_TIMEZONE)
        self.clients = clients
        self.store = ByteStore(clients.s3)
        self.raw_root = f"s3://{self.names['RAW_BUCKET']}"
        self.curated_root = f"s3://{self.names['CURATED_BUCKET']}"
        self.reports_root = s3_reports_root(self.curated_root)
        self._sleep = sleep
        self._clock = clock

    # ------------------------------------------------------------------ transform
    def invoke_transform(self, event: dict[str, Any]) -> dict[str, Any]:
        """Invoke the function synchronously; return its result or raise with its error."""
        function = self.names["TRANSFORM_FUNCTION"]
        try:
            response = self.clients.lambda_.invoke(
                FunctionName=function,
                InvocationType="RequestResponse",
                LogType="Tail",
                Payload=json.dumps(event).encode(),
            )
        except Exception as exc:  # botocore errors carry no secrets; keep the class and text
            raise PlatformError(f"cannot invoke {function}: {type(exc).__name__}: {exc}") from None
        payload = response["Payload"].read()
        if response.get("FunctionError"):
            try:
                error = json.loads(payload)
                what = f"{error.get('errorType', 'Error')}: {error.get('errorMessage', '')}"
            except ValueError:
                what = payload.decode("utf-8", "replace")[:500]
            tail = base64.b64decode(response.get("LogResult") or b"").decode("utf-8", "replace")
            tail = "\n".join(tail.strip().splitlines()[-10:])
            raise PlatformError(
                f"transform function {function} failed ({response['FunctionError']}) {what}"
                + (f"\nlog tail:\n{tail}" if tail else "")
            )
        if response.get("StatusCode") != 200:
            raise PlatformError(
                f"transform function {function} answered {response.get('StatusCode')}"
            )
        result: dict[str, Any] = json.loads(payload)
        return result

    # ------------------------------------------------------------------ crawl
    def _crawler(self) -> dict[str, Any]:
        crawler: dict[str, Any] = self.clients.glue.get_crawler(Name=self.names["GLUE_CRAWLER"])[
            "Crawler"
        ]
        return crawler

    def _wait_ready(self, timeout: float) -> dict[str, Any]:
        deadline, delay = self._clock() + timeout, 5.0
        while True:
            crawler = self._crawler()
            if crawler["State"] == "READY":
                return crawler
            if self._clock() > deadline:
                raise PlatformError(
                    f"crawler {crawler['Name']} still {crawler['State']} after {timeout:.0f}s"
                )
            self._sleep(delay)
            delay = min(delay * 1.5, 30.0)

    def crawl(self) -> dict[str, Any]:
        """Run the Terraform-owned crawler once; check the catalog against the contracts."""
        name = self.names["GLUE_CRAWLER"]
        glue = self.clients.glue
        self._wait_ready(CRAWL_TIMEOUT)  # someone else's run: let it finish first
        try:
            glue.start_crawler(Name=name)
        except glue.exceptions.CrawlerRunningException:
            self._wait_ready(CRAWL_TIMEOUT)
            glue.start_crawler(Name=name)
        self._sleep(5.0)
        crawler = self._wait_ready(CRAWL_TIMEOUT)
        last = crawler.get("LastCrawl") or {}
        if last.get("Status") in ("FAILED", "CANCELLED"):
            raise PlatformError(
                f"crawler {name} {last['Status']}: {last.get('ErrorMessage', 'no message')}"
            )
        tables, changes = self.compare_catalog()
        created = self.ensure_tables(set(tables))
        changes += [{"table": name, "change": "created empty"} for name in created]
        for view_sql in views(self.time_zone).values():  # the analytics views, as Athena views
            self.query(view_sql, max_rows=0)
        return {
            "crawler": name,
            "last_crawl": last.get("Status"),
            "tables": tables,
            "views": sorted(views()),
            "time_zone": self.time_zone,
            "schema_changes": changes,
        }

    def ensure_tables(self, catalogued: set[str]) -> list[str]:
        """Declare, empty, every contract table the crawler has not created (it creates a table
        only once its folder holds data): the views read them all, e.g. `listening` reads
        `streams` before any export was imported."""
        from spotify_transform.schemas import TABLES, athena_type  # polars: crawl only

        created = []
        for name, table in TABLES.items():
            if name in catalogued:
                continue
            location = curated_table_root(self.curated_root, name).rstrip("/") + "/"
            self.clients.glue.create_table(
                DatabaseName=self.names["GLUE_DATABASE"],
                TableInput={
                    "Name": name,
                    "TableType": "EXTERNAL_TABLE",
                    "Parameters": {"classification": "parquet"},
                    "PartitionKeys": [{"Name": table.partition, "Type": "string"}],
                    "StorageDescriptor": {
                        "Columns": [
                            {"Name": c.name, "Type": athena_type(c.dtype)} for c in table.columns
                        ],
                        "Location": location,
                        "InputFormat": PARQUET_INPUT,
                        "OutputFormat": PARQUET_OUTPUT,
                        "SerdeInfo": {"SerializationLibrary": PARQUET_SERDE},
                    },
                },
            )
            created.append(name)
        return created

    def register_partitions(self, table: str, values: list[str]) -> dict[str, Any]:
        """Register partitions of an already catalogued table directly in Glue, without a
        crawl (a crawl costs at least 10 minutes of 2 DPUs; an hourly one, ~$110 a month).

        Returns which partitions were added and which were there; `crawl_needed` when the
        table is not in the catalog yet (the first run: a crawl creates it).

        Raises:
            PlatformError: Glue refused a partition (its per-partition error is named).
        """
        glue, db = self.clients.glue, self.names["GLUE_DATABASE"]
        try:
            found = glue.get_table(DatabaseName=db, Name=table)["Table"]
        except glue.exceptions.EntityNotFoundException:
            return {"table": table, "added": [], "existing": [], "crawl_needed": True}
        key = found["PartitionKeys"][0]["Name"]
        wanted = sorted(set(values))
        existing: set[str] = set()
        for start in range(0, len(wanted), 1000):
            got = glue.batch_get_partition(
                DatabaseName=db,
                TableName=table,
                PartitionsToGet=[{"Values": [v]} for v in wanted[start : start + 1000]],
            )
            existing |= {p["Values"][0] for p in got.get("Partitions", [])}
        missing = [v for v in wanted if v not in existing]
        descriptor = dict(found["StorageDescriptor"])
        base = str(descriptor.get("Location") or curated_table_root(self.curated_root, table))
        base = base.rstrip("/")
        for start in range(0, len(missing), 100):
            inputs = [
                {
                    "Values": [v],
                    "StorageDescriptor": {
                        **descriptor,
                        "Location": f"{join(base, partition_folder(key, v))}/",
                    },
                }
                for v in missing[start : start + 100]
            ]
            answer = glue.batch_create_partition(
                DatabaseName=db, TableName=table, PartitionInputList=inputs
            )
            errors = [
                e for e in answer.get("Errors", [])
                if e.get("ErrorDetail", {}).get("ErrorCode") != "AlreadyExistsException"
            ]  # fmt: skip
            if errors:
                first = errors[0]
                raise PlatformError(
                    f"Glue refused partition {first.get('PartitionValues')} of {table}: "
                    f"{first.get('ErrorDetail', {}).get('ErrorMessage')}"
                )
        return {
            "table": table,
            "added": missing,
            "existing": sorted(existing),
            "crawl_needed": False,
        }

    def compare_catalog(self) -> tuple[dict[str, dict[str, int]], list[dict[str, Any]]]:
        """Compare the Glue tables' columns with the contracts.

        Raises:
            PlatformError: A column has another type than the contract says.
        """
        database = self.names["GLUE_DATABASE"]
        found: dict[str, dict[str, str]] = {}
        partitions: dict[str, int] = {}
        for page in self.clients.glue.get_paginator("get_tables").paginate(DatabaseName=database):
            for table in page["TableList"]:
                columns = table.get("StorageDescriptor", {}).get("Columns", [])
                found[table["Name"]] = {c["Name"]: c["Type"].lower() for c in columns}
                partitions[table["Name"]] = len(table.get("PartitionKeys", []))
        from spotify_transform.schemas import TABLES, athena_type  # polars: crawl only

        conflicts: list[str] = []
        changes: list[dict[str, Any]] = []
        tables: dict[str, dict[str, int]] = {}
        for name, table in TABLES.items():
            if name not in found:
                changes.append({"table": name, "change": "not yet in the catalog"})
                continue
            expected = {c.name: athena_type(c.dtype) for c in table.columns}
            actual = found[name]
            conflicts += [
                f"{name}.{col}: catalog {actual[col]}, contract {typ}"
                for col, typ in expected.items()
                if col in actual and actual[col].replace(" ", "") != typ.replace(" ", "")
            ]
            added = sorted(set(actual) - set(expected))
            missing = sorted(set(expected) - set(actual))
            if added or missing:
                changes.append({"table": name, "added": added, "missing": missing})
            tables[name] = {"columns": len(actual), "partition_keys": partitions[name]}
        if conflicts:
            raise PlatformError(
                "catalog types conflict with the contracts: " + "; ".join(conflicts)
            )
        return tables, changes

    # ------------------------------------------------------------------ query
    def query(self, sql: str, max_rows: int | None = 20) -> dict[str, Any]:
        """Run one Athena statement in the workgroup; return columns, preview and row count."""
        from spotify_etl.platforms.athena import run_query

        return run_query(
            self.clients.athena, self.names["ATHENA_WORKGROUP"], self.names["GLUE_DATABASE"],
            sql, max_rows, sleep=self._sleep, clock=self._clock,
        )  # fmt: skip

    def tables(self) -> list[dict[str, Any]]:
        """The Glue database's tables and views, with their columns and types."""
        from spotify_etl.platforms.athena import glue_tables

        return glue_tables(self.clients.glue, self.names["GLUE_DATABASE"])
