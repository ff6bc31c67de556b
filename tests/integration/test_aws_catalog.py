"""The AWS platform's catalog listing (Glue) and its query errors (Athena): which are the SQL's
fault and which the platform's. botocore's Stubber answers as the services do."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from spotify_etl.platforms.aws import AwsClients, AwsPlatform
from spotify_etl.platforms.base import PlatformError, QueryError
from spotify_etl.settings import load

REGION = "eu-west-1"
NAMES = {
    "RAW_BUCKET": "sp-test-raw",
    "CURATED_BUCKET": "sp-test-curated",
    "ATHENA_RESULTS_BUCKET": "sp-test-athena-results",
    "TRANSFORM_FUNCTION": "sp-test-transform",
    "GLUE_DATABASE": "sp_test_curated",
    "GLUE_CRAWLER": "sp-test-curated",
    "ATHENA_WORKGROUP": "sp-test-analytics",
    "SPOTIFY_PIPELINE_SOURCE": "sample",
    "SPOTIFY_PIPELINE_PLATFORM": "aws",
}


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[AwsPlatform, Stubber, Stubber]]:
    """The AWS platform with stubbed Glue and Athena clients (no request leaves the process)."""
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    glue = boto3.client("glue", region_name=REGION)
    athena = boto3.client("athena", region_name=REGION)
    clients = AwsClients(s3=None, lambda_=None, glue=glue, athena=athena)
    platform = AwsPlatform(load(NAMES), clients, sleep=lambda s: None)
    with Stubber(glue) as glue_stub, Stubber(athena) as athena_stub:
        yield platform, glue_stub, athena_stub
        glue_stub.assert_no_pending_responses()
        athena_stub.assert_no_pending_responses()


def _table(name: str, kind: str, columns: dict[str, str], keys: dict[str, str]) -> dict[str, Any]:
    return {
        "Name": name,
        "TableType": kind,
        "StorageDescriptor": {"Columns": [{"Name": n, "Type": t} for n, t in columns.items()]},
        "PartitionKeys": [{"Name": n, "Type": t} for n, t in keys.items()],
    }


def test_tables_lists_glue_tables_and_athena_views_with_their_columns(
    stubbed: tuple[AwsPlatform, Stubber, Stubber],
) -> None:
    # GIVEN a Glue database holding a crawled table and an Athena view (a VIRTUAL_VIEW), on
    # two pages
    platform, glue, _ = stubbed
    tracks = _table(
        "tracks", "EXTERNAL_TABLE", {"track_id": "string", "genres": "array<string>"},
        {"snapshot_date": "string"},
    )  # fmt: skip
    board = _table("artist_leaderboard", "VIRTUAL_VIEW", {"entries": "BIGINT"}, {})
    database = {"DatabaseName": NAMES["GLUE_DATABASE"]}
    glue.add_response("get_tables", {"TableList": [tracks], "NextToken": "2"}, database)
    glue.add_response("get_tables", {"TableList": [board]}, {**database, "NextToken": "2"})
    # WHEN the catalog is listed
    found = platform.tables()
    # THEN each table and view is there by name, of its kind, with its columns then its
    # partition keys, and their types
    assert found == [
        {
            "name": "artist_leaderboard",
            "kind": "view",
            "columns": [{"name": "entries", "type": "bigint"}],
        },
        {
            "name": "tracks",
            "kind": "table",
            "columns": [
                {"name": "track_id", "type": "string"},
                {"name": "genres", "type": "array<string>"},
                {"name": "snapshot_date", "type": "string"},
            ],
        },
    ]


@pytest.mark.parametrize(
    ("category", "error"), [(2, QueryError), (1, PlatformError), (None, PlatformError)]
)
def test_a_failed_athena_query_is_the_users_error_only_when_athena_says_so(
    stubbed: tuple[AwsPlatform, Stubber, Stubber], category: int | None, error: type[Exception]
) -> None:
    # GIVEN Athena failing the query, with an error category (2: the user's SQL) or none
    platform, _, athena = stubbed
    athena.add_response("start_query_execution", {"QueryExecutionId": "q-1"})
    athena_error: dict[str, Any] = {"ErrorMessage": "TABLE_NOT_FOUND: line 1:15: no 'track'"}
    if category is not None:
        athena_error["ErrorCategory"] = category
    status = {"State": "FAILED", "AthenaError": athena_error}
    athena.add_response(
        "get_query_execution", {"QueryExecution": {"QueryExecutionId": "q-1", "Status": status}}
    )
    # WHEN the query runs
    with pytest.raises(PlatformError, match="q-1 FAILED: TABLE_NOT_FOUND") as info:
        platform.query("SELECT * FROM track")
    # THEN only a user-category failure is a QueryError (the command line exits 2 for it)
    assert type(info.value) is error
