"""The AWS platform against moto in server mode (real HTTP), with the real boto3 code paths.

moto's limits (OFFLINE-NOTES): its Lambda never runs code (a Docker-less backend answers with a
queued result; the default backend without a Docker engine answers FunctionError), its crawler
creates no tables (the tests create them as a crawl would), Athena answers queued rows. Failure
states moto cannot produce (a FAILED crawl or query) use botocore's Stubber on a real client.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final, Literal

import boto3
import pytest
import requests
from botocore.stub import Stubber
from moto.server import ThreadedMotoServer

from spotify_etl.extract.playlists import ExtractRequest, extract
from spotify_etl.platforms.aws import (
    AwsClients,
    AwsPlatform,
    clients_from_airflow,
    clients_from_boto3,
)
from spotify_etl.platforms.base import PlatformError
from spotify_etl.settings import load
from spotify_etl.spotify.sample import SampleSource
from spotify_transform.handler import lambda_handler
from spotify_transform.rawzone.layout import curated_file
from spotify_transform.schemas import TABLES, athena_type
from spotify_transform.storage import ByteStore

REGION: Final = "eu-west-1"
DAY = "2026-11-24"
NAMES = {
    "RAW_BUCKET": "sp-test-raw",
    "CURATED_BUCKET": "sp-test-curated",
    "ATHENA_RESULTS_BUCKET": "sp-test-athena-results",
    "TRANSFORM_FUNCTION": "sp-test-transform",
    "GLUE_DATABASE": "sp_test_curated",
    "GLUE_CRAWLER": "sp-test-curated",
    "ATHENA_WORKGROUP": "sp-test-analytics",
    # On AWS the bundled sample is a deliberate choice (the default there is the live API).
    "SPOTIFY_PIPELINE_SOURCE": "sample",
}


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Fake credentials, every client pointed at a freshly reset moto server."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",  # pragma: allowlist secret
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ENDPOINT_URL": moto_url,
    }.items():
        monkeypatch.setenv(key, value)
    requests.post(f"{moto_url}/moto-api/reset", timeout=10)
    s3 = boto3.client("s3")
    for bucket in ("RAW_BUCKET", "CURATED_BUCKET", "ATHENA_RESULTS_BUCKET"):
        s3.create_bucket(
            Bucket=NAMES[bucket], CreateBucketConfiguration={"LocationConstraint": REGION}
        )
    return moto_url


def platform(**kwargs: Any) -> AwsPlatform:
    settings = load({**NAMES, "SPOTIFY_PIPELINE_PLATFORM": "aws"})
    return AwsPlatform(settings, clients_from_boto3(), sleep=lambda s: time.sleep(0.02), **kwargs)


def test_settings_select_the_aws_platform_with_its_zones(aws: str) -> None:
    p = platform()
    assert (p.raw_root, p.curated_root) == ("s3://sp-test-raw", "s3://sp-test-curated")


def test_extract_and_handler_on_s3_match_the_local_platform(aws: str, tmp_path: Path) -> None:
    # GIVEN the sample extracted into the S3 raw bucket, and into a local folder
    p = platform()
    extract(p.store, SampleSource(), ExtractRequest(DAY, p.raw_root, ("me",), "aws"))
    extract(
        ByteStore(), SampleSource(), ExtractRequest(DAY, str(tmp_path / "raw"), ("me",), "local")
    )
    # WHEN the handler transforms both (S3 through boto3, as in the Lambda)
    on_s3 = lambda_handler(
        {"snapshot_date": DAY, "raw_root": p.raw_root, "curated_root": p.curated_root}
    )
    local = lambda_handler(
        {
            "snapshot_date": DAY,
            "raw_root": str(tmp_path / "raw"),
            "curated_root": str(tmp_path / "cur"),
        }
    )
    # THEN the same rows, and every Parquet file is byte-identical
    assert on_s3["entries"] == local["entries"] == 335
    for table in on_s3["tables"]:
        s3_bytes = p.store.read(curated_file(p.curated_root, table, DAY))
        local_bytes = Path(curated_file(str(tmp_path / "cur"), table, DAY)).read_bytes()
        assert hashlib.sha256(s3_bytes).digest() == hashlib.sha256(local_bytes).digest(), table


def test_reextract_on_s3_replaces_the_partition_whole(aws: str) -> None:
    p = platform()
    extract(p.store, SampleSource(), ExtractRequest(DAY, p.raw_root, ("me",), "one"))
    stray = f"{p.raw_root}/spotify/playlists/snapshot_date={DAY}/playlist_id=gone/playlist.json"
    p.store.write(stray, b"{}")
    extract(p.store, SampleSource(), ExtractRequest(DAY, p.raw_root, ("me",), "two"))
    assert not p.store.exists(stray)
    assert not p.store.list_files(f"{p.raw_root}/spotify/_staging")
    manifest = json.loads(
        p.store.read(f"{p.raw_root}/spotify/playlists/snapshot_date={DAY}/_manifest.json")
    )
    assert manifest["run"]["run_id"] == "two"


def _create_function(moto_url: str) -> None:
    iam = boto3.client("iam")
    role = iam.create_role(
        RoleName="lambda-role",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("handler.py", "def lambda_handler(event, context):\n    return event\n")
    boto3.client("lambda").create_function(
        FunctionName=NAMES["TRANSFORM_FUNCTION"], Runtime="python3.12", Role=role["Role"]["Arn"],
        Handler="handler.lambda_handler", Code={"ZipFile": buffer.getvalue()},
    )  # fmt: skip


def test_invoke_returns_the_function_result(aws: str) -> None:
    # GIVEN moto's Docker-less Lambda with the function's answer queued
    requests.post(f"{aws}/moto-api/config", json={"lambda": {"use_docker": False}}, timeout=10)
    _create_function(aws)
    answer = {"snapshot_date": DAY, "entries": 335, "tables": {}}
    requests.post(
        f"{aws}/moto-api/static/lambda-simple/response",
        json={"results": [json.dumps(answer)], "region": REGION},
        timeout=10,
    )
    # WHEN the platform invokes the transform
    result = platform().invoke_transform({"snapshot_date": DAY})
    # THEN it returns the function's JSON result
    assert result == answer


def test_invoke_surfaces_the_function_error(aws: str) -> None:
    # GIVEN moto's default Lambda backend, which answers FunctionError without a Docker engine
    requests.post(f"{aws}/moto-api/config", json={"lambda": {"use_docker": True}}, timeout=10)
    _create_function(aws)
    # WHEN invoked THEN the error names the function
    with pytest.raises(
        PlatformError, match=f"transform function {NAMES['TRANSFORM_FUNCTION']} failed"
    ):
        platform().invoke_transform({"snapshot_date": DAY})


def test_lambda_client_never_retries_and_outwaits_the_function(aws: str) -> None:
    clients = clients_from_boto3()
    config = clients.lambda_.meta.config
    assert config.read_timeout > 900
    assert config.retries["total_max_attempts"] == 1


def test_lambda_connection_keeps_its_idle_flow_alive(aws: str) -> None:
    # GIVEN the Lambda client after a real request to the (moto) endpoint
    import socket

    client = clients_from_boto3().lambda_
    client.list_functions()
    # THEN its pooled connection's socket has TCP keepalive on (a NAT that drops idle flows
    # cannot cut a 15-minute synchronous invoke)
    manager = client._endpoint.http_session._manager
    (pool,) = [manager.pools[key] for key in manager.pools.keys()]  # noqa: SIM118
    connection = pool._new_conn()  # a connection as the pool opens them, to the endpoint
    connection.connect()
    try:
        assert connection.sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
    finally:
        connection.close()


def _crawls_take(aws: str, transition: dict[str, str | int]) -> None:
    """How long moto's Glue crawls take to finish (`immediate`, or a time in seconds)."""
    requests.post(
        f"{aws}/moto-api/state-manager/set-transition",
        json={"model_name": "glue::crawl", "transition": transition},
        timeout=10,
    )


def _glue_setup(types: dict[str, str] | None = None) -> None:
    # The crawl also (re)creates the analytics views through Athena, in the workgroup.
    boto3.client("athena").create_work_group(
        Name=NAMES["ATHENA_WORKGROUP"],
        Configuration={
            "ResultConfiguration": {"OutputLocation": "s3://sp-test-athena-results/athena/"}
        },
    )
    glue = boto3.client("glue")
    glue.create_database(DatabaseInput={"Name": NAMES["GLUE_DATABASE"]})
    glue.create_crawler(
        Name=NAMES["GLUE_CRAWLER"], Role="arn:aws:iam::123456789012:role/crawler",
        DatabaseName=NAMES["GLUE_DATABASE"], Targets={"S3Targets": [{"Path": "s3://sp-test-curated/tracks/"}]},
    )  # fmt: skip
    for name in ("playlists", "tracks"):
        columns = [
            {"Name": c.name, "Type": (types or {}).get(f"{name}.{c.name}", athena_type(c.dtype))}
            for c in TABLES[name].columns
        ]
        glue.create_table(
            DatabaseName=NAMES["GLUE_DATABASE"],
            TableInput={
                "Name": name,
                "StorageDescriptor": {"Columns": columns},
                "PartitionKeys": [{"Name": "snapshot_date", "Type": "string"}],
            },
        )


def test_crawl_runs_the_crawler_and_checks_the_catalog(aws: str) -> None:
    # GIVEN the Terraform-owned crawler and the tables a crawl produced
    _crawls_take(aws, {"progression": "immediate"})
    _glue_setup()
    # WHEN crawling
    report = platform().crawl()
    # THEN the crawler ran, and tables are reported against the contracts
    assert report["crawler"] == NAMES["GLUE_CRAWLER"]
    assert report["tables"]["tracks"] == {
        "columns": len(TABLES["tracks"].columns),
        "partition_keys": 1,
    }
    assert {"table": "albums", "change": "not yet in the catalog"} in report["schema_changes"]
    crawler = boto3.client("glue").get_crawler(Name=NAMES["GLUE_CRAWLER"])["Crawler"]
    assert crawler["State"] == "READY"


def test_crawl_waits_for_a_run_already_in_progress(aws: str) -> None:
    # GIVEN the crawler already running (someone else started it) and taking a second
    _crawls_take(aws, {"progression": "time", "seconds": 1})
    _glue_setup()
    boto3.client("glue").start_crawler(Name=NAMES["GLUE_CRAWLER"])
    # WHEN our crawl starts THEN it waits for that run, then runs its own
    started = time.monotonic()
    report = platform().crawl()
    assert time.monotonic() - started >= 1.0
    assert report["crawler"] == NAMES["GLUE_CRAWLER"]


def test_crawl_declares_the_library_tables_empty_before_any_library_was_transformed(
    aws: str,
) -> None:
    # GIVEN a catalog the crawler filled with playlist tables only (no library folder yet)
    _crawls_take(aws, {"progression": "immediate"})
    _glue_setup()
    # WHEN crawling
    report = platform().crawl()
    # THEN the library tables are declared, empty, with the contracts' columns, partitioned by
    # the snapshot date under their own folders (the views that read them can be created)
    glue = boto3.client("glue")
    for name in ("saved_tracks", "saved_albums", "top_items"):
        assert {"table": name, "change": "created empty"} in report["schema_changes"]
        table = glue.get_table(DatabaseName=NAMES["GLUE_DATABASE"], Name=name)["Table"]
        columns = table["StorageDescriptor"]["Columns"]
        assert columns == [
            {"Name": c.name, "Type": athena_type(c.dtype)} for c in TABLES[name].columns
        ]
        assert table["PartitionKeys"] == [{"Name": "snapshot_date", "Type": "string"}]
        assert table["StorageDescriptor"]["Location"] == f"s3://sp-test-curated/{name}/"
    assert {"liked_songs_daily", "top_items_moves"} <= set(report["views"])


def test_crawl_fails_on_a_type_conflict_with_the_contracts(aws: str) -> None:
    _crawls_take(aws, {"progression": "immediate"})
    _glue_setup({"tracks.popularity": "string"})
    with pytest.raises(PlatformError, match=r"tracks\.popularity: catalog string, contract bigint"):
        platform().crawl()


def _stubbed(service: Literal["glue", "athena"]) -> tuple[AwsPlatform, Stubber]:
    client = boto3.client(service, region_name=REGION)
    stub = Stubber(client)
    clients = clients_from_boto3()
    clients = AwsClients(
        s3=clients.s3,
        lambda_=clients.lambda_,
        glue=client if service == "glue" else clients.glue,
        athena=client if service == "athena" else clients.athena,
    )
    settings = load({**NAMES, "SPOTIFY_PIPELINE_PLATFORM": "aws"})
    return AwsPlatform(settings, clients, sleep=lambda s: None), stub


def test_crawl_fails_with_the_message_of_a_failed_crawl(aws: str) -> None:
    p, stub = _stubbed("glue")
    crawler = {"Name": NAMES["GLUE_CRAWLER"], "State": "READY"}
    stub.add_response("get_crawler", {"Crawler": crawler})
    stub.add_response("start_crawler", {})
    stub.add_response(
        "get_crawler",
        {
            "Crawler": {
                **crawler,
                "LastCrawl": {
                    "Status": "FAILED",
                    "ErrorMessage": "Access Denied on s3://sp-test-curated",
                },
            }
        },
    )
    with stub, pytest.raises(PlatformError, match="FAILED: Access Denied on s3://sp-test-curated"):
        p.crawl()


def test_query_pages_results_and_returns_a_preview(aws: str) -> None:
    # GIVEN queued Athena results: a header and 3 rows
    columns = [{"Name": n, "Type": "varchar"} for n in ("artist", "entries")]
    rows = [{"Data": [{"VarCharValue": "artist"}, {"VarCharValue": "entries"}]}] + [
        {"Data": [{"VarCharValue": f"a{i}"}, {"VarCharValue": str(10 - i)}]} for i in range(3)
    ]
    requests.post(
        f"{aws}/moto-api/static/athena/query-results",
        json={"results": [{"rows": rows, "column_info": columns}], "region": REGION},
        timeout=10,
    )
    boto3.client("athena").create_work_group(
        Name=NAMES["ATHENA_WORKGROUP"],
        Configuration={
            "ResultConfiguration": {"OutputLocation": "s3://sp-test-athena-results/athena/"}
        },
    )
    # WHEN querying with a 2-row preview
    result = platform().query(
        "SELECT artist, count(*) AS entries FROM playlist_items GROUP BY 1", max_rows=2
    )
    # THEN the header is columns, rows are counted, the preview is cut
    assert result["columns"] == ["artist", "entries"]
    assert result["rows"] == [["a0", "10"], ["a1", "9"]]
    assert result["row_count"] == 3
    assert result["engine"] == "athena"


def test_query_failure_surfaces_athena_error(aws: str) -> None:
    p, stub = _stubbed("athena")
    stub.add_response("start_query_execution", {"QueryExecutionId": "q-1"})
    stub.add_response(
        "get_query_execution",
        {"QueryExecution": {"QueryExecutionId": "q-1", "Status": {"State": "RUNNING"}}},
    )
    failed = {
        "State": "FAILED",
        "AthenaError": {
            "ErrorMessage": "TABLE_NOT_FOUND: line 1:15: Table 'tracks' does not exist"
        },
    }
    stub.add_response(
        "get_query_execution", {"QueryExecution": {"QueryExecutionId": "q-1", "Status": failed}}
    )
    with stub, pytest.raises(PlatformError, match="q-1 FAILED: TABLE_NOT_FOUND"):
        p.query("SELECT * FROM tracks")


def test_clients_from_the_airflow_connection_reach_the_same_services(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the connection aws_default as Airflow reads it from the environment (no keys in it)
    monkeypatch.setenv(
        "AIRFLOW_CONN_AWS_DEFAULT",
        json.dumps({"conn_type": "aws", "extra": {"region_name": REGION, "endpoint_url": aws}}),
    )
    # WHEN clients come from the Amazon provider's hooks
    clients = clients_from_airflow()
    # THEN they talk to the same S3, and the Lambda client keeps our timeout and retry settings
    assert NAMES["RAW_BUCKET"] in [b["Name"] for b in clients.s3.list_buckets()["Buckets"]]
    assert clients.lambda_.meta.config.read_timeout > 900


def test_whole_dag_runs_on_the_aws_platform_under_moto(aws: str, tmp_path: Path) -> None:
    # GIVEN the Terraform-owned resources in moto: buckets, function, crawler, workgroup
    import os
    import subprocess
    import sys

    requests.post(f"{aws}/moto-api/config", json={"lambda": {"use_docker": False}}, timeout=10)
    _crawls_take(aws, {"progression": "immediate"})
    _create_function(aws)
    _glue_setup()  # creates the workgroup too
    # moto's Lambda cannot run code: queue what the function answers for this date
    answer = {
        "snapshot_date": DAY,
        "entries": 335,
        "quarantined": 0,
        "item_types": {"episode": 1, "local": 1, "track": 332, "unavailable": 1},
        "tables": {"tracks": {"rows": 195, "uri": "s3://sp-test-curated/tracks/"}},
    }
    requests.post(
        f"{aws}/moto-api/static/lambda-simple/response",
        json={"results": [json.dumps(answer)], "region": REGION},
        timeout=10,
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "SPOTIF"))}
    env.update(NAMES)
    env.update(
        SPOTIFY_PIPELINE_PLATFORM="aws",
        SPOTIFY_PIPELINE_HOME=str(tmp_path),
        AIRFLOW_CONN_AWS_DEFAULT=json.dumps(
            {"conn_type": "aws", "extra": {"region_name": REGION, "endpoint_url": aws}}
        ),
    )
    # WHEN the very same DAG runs with the aws platform
    cli = str(Path(sys.executable).with_name("spotify-pipeline"))
    done = subprocess.run(
        [cli, "run", "--date", DAY],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    # THEN every task succeeded against S3, Lambda, Glue and Athena
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"spotify_pipeline {DAY}: success" in done.stdout
    p = platform()
    raw = p.store.list_files(f"{p.raw_root}/spotify/playlists/snapshot_date={DAY}")
    # the listing, 13 response bodies (`me` skips the followed playlist), the library (3 pages
    # of Liked Songs, 1 of saved albums, 6 top lists) and the manifest, in the raw bucket
    assert len(raw) == 15 + 10
    invocations = boto3.client("glue").get_crawler(Name=NAMES["GLUE_CRAWLER"])["Crawler"]
    assert invocations["State"] == "READY"
    # AND the raw zone the DAG wrote on S3 is what the real handler transforms
    result = lambda_handler(
        {"snapshot_date": DAY, "raw_root": p.raw_root, "curated_root": p.curated_root}
    )
    assert result["entries"] == 335


def _plays_table() -> None:
    """The `plays` table as a first crawl leaves it: partitioned by played_date."""
    columns = [{"Name": c.name, "Type": athena_type(c.dtype)} for c in TABLES["plays"].columns]
    boto3.client("glue").create_table(
        DatabaseName=NAMES["GLUE_DATABASE"],
        TableInput={
            "Name": "plays",
            "StorageDescriptor": {
                "Columns": columns,
                "Location": "s3://sp-test-curated/plays/",
                "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
            },
            "PartitionKeys": [{"Name": "played_date", "Type": "string"}],
        },
    )


def _instrumented() -> tuple[AwsPlatform, list[str]]:
    """One platform that records every crawler start."""
    p = platform()
    started: list[str] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        started.append(str(params.get("Name") or params.get("name")))

    p.clients.glue.meta.events.register("provide-client-params.glue.StartCrawler", record)
    return p, started


def test_hourly_runs_register_new_played_dates_without_a_crawl(aws: str) -> None:
    # GIVEN a catalogued `plays` table (the daily crawl made it) and the hourly catalog step
    from spotify_etl.pipeline import listening
    from spotify_etl.pipeline.context import Run

    _glue_setup()
    _plays_table()
    p, started = _instrumented()
    run = Run(load({**NAMES, "SPOTIFY_PIPELINE_PLATFORM": "aws"}), p, "2026-11-24")
    # WHEN two hourly runs on one day catalog their plays partitions
    first = listening.catalog(run, ["2026-11-23", "2026-11-24"])
    second = listening.catalog(run, ["2026-11-24"])
    # THEN no crawl started; the first registered both dates, the second found them there
    assert started == []
    assert first["added"] == ["2026-11-23", "2026-11-24"] and not first["crawl_needed"]
    assert second["added"] == [] and second["existing"] == ["2026-11-24"]
    parts = boto3.client("glue").get_partitions(
        DatabaseName=NAMES["GLUE_DATABASE"], TableName="plays"
    )
    locations = sorted(x["StorageDescriptor"]["Location"] for x in parts["Partitions"])
    assert locations == [
        "s3://sp-test-curated/plays/played_date=2026-11-23/",
        "s3://sp-test-curated/plays/played_date=2026-11-24/",
    ]


def test_the_first_listening_run_crawls_once_to_create_the_table(aws: str) -> None:
    # GIVEN a catalog without `plays` yet, and a crawler that finishes at once
    from spotify_etl.pipeline import listening
    from spotify_etl.pipeline.context import Run

    _crawls_take(aws, {"progression": "immediate"})
    _glue_setup()
    p, started = _instrumented()
    run = Run(load({**NAMES, "SPOTIFY_PIPELINE_PLATFORM": "aws"}), p, "2026-11-24")
    # WHEN the catalog step runs THEN it crawls, once
    result = listening.catalog(run, ["2026-11-24"])
    assert result["crawl_needed"] is True and started == [NAMES["GLUE_CRAWLER"]]
