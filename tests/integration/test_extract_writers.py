"""One writer per snapshot date: a second extract of a date being extracted is refused by name,
never allowed to delete the first's staging; a retry of the same run, or a run after a holder
that died, goes ahead; an extract that finds a half-done swap finishes it before anything else.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer

from spotify_etl.extract.playlists import ExtractRequest, extract
from spotify_etl.spotify.responses import Response
from spotify_etl.spotify.sample import SampleSource
from spotify_transform.jobs.playlists import read_raw_set
from spotify_transform.rawzone import lock
from spotify_transform.rawzone.layout import raw_partition, writer_lock
from spotify_transform.storage import ByteStore
from tests.conftest import SAMPLE_DATE, SAMPLE_PLAYLISTS


class PausingSample(SampleSource):
    """The sample, pausing at its second playlist until the test lets it go on."""

    def __init__(self) -> None:
        super().__init__()
        self.reached, self.go_on = threading.Event(), threading.Event()

    def playlist(self, playlist_id: str) -> Response:
        if playlist_id == SAMPLE_PLAYLISTS[1]:
            self.reached.set()
            assert self.go_on.wait(30)
        return super().playlist(playlist_id)


def _files(root: Path) -> dict[str, bytes]:
    partition = Path(raw_partition(str(root), SAMPLE_DATE))
    return {str(p.relative_to(partition)): p.read_bytes() for p in partition.rglob("*.json")}


def test_a_second_extract_of_a_date_being_extracted_is_refused_by_name(tmp_path: Path) -> None:
    # GIVEN the DAG's extract of a date, paused half-way through its playlists
    root = str(tmp_path / "raw")
    first = PausingSample()
    errors: list[BaseException] = []

    def dag_run() -> None:
        try:
            extract(ByteStore(), first, ExtractRequest(SAMPLE_DATE, root, SAMPLE_PLAYLISTS, "dag"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    worker = threading.Thread(target=dag_run)
    worker.start()
    assert first.reached.wait(30)
    staging = sorted(Path(root, "spotify", "playlists").glob(".staging-*"))
    # WHEN the command line extracts the same date
    with pytest.raises(lock.DateBeingWritten, match=r"being extracted by run 'dag'") as refused:
        extract(ByteStore(), SampleSource(), ExtractRequest(SAMPLE_DATE, root, SAMPLE_PLAYLISTS))
    # THEN it is refused, naming the other run and the way out, and the first's staging is intact
    assert "lapses at" in str(refused.value)
    assert sorted(Path(root, "spotify", "playlists").glob(".staging-*")) == staging != []
    # AND the first run finishes whole, and its lease is gone
    first.go_on.set()
    worker.join(30)
    assert errors == []
    assert len(read_raw_set(ByteStore(), root, SAMPLE_DATE).expected) > 0
    assert not Path(writer_lock(root, SAMPLE_DATE)).exists()
    # AND the command line's extract now goes ahead
    extract(ByteStore(), SampleSource(), ExtractRequest(SAMPLE_DATE, root, SAMPLE_PLAYLISTS))


def test_a_retry_of_the_same_run_and_a_run_after_a_dead_holder_go_ahead(tmp_path: Path) -> None:
    # GIVEN a lease left by a run that was killed (never released)
    store, root = ByteStore(), str(tmp_path / "raw")
    now = datetime(2026, 12, 6, 12, tzinfo=UTC)
    with (
        pytest.raises(RuntimeError),
        lock.writer(store, root, SAMPLE_DATE, "dag", clock=lambda: now),
    ):
        Path(writer_lock(root, SAMPLE_DATE)).write_bytes(
            lock.Lease(store, writer_lock(root, SAMPLE_DATE), "killed", lambda: now).body()
        )
        raise RuntimeError("killed")  # the lease now names "killed", so it is not released
    # WHEN another run comes before the lease lapses THEN it is refused
    with (
        pytest.raises(lock.DateBeingWritten),
        lock.writer(store, root, SAMPLE_DATE, "other", clock=lambda: now),
    ):
        pass
    # WHEN the same run retries (an Airflow retry keeps its run id) THEN it goes ahead
    with lock.writer(store, root, SAMPLE_DATE, "killed", clock=lambda: now):
        Path(writer_lock(root, SAMPLE_DATE)).write_bytes(
            lock.Lease(store, writer_lock(root, SAMPLE_DATE), "killed2", lambda: now).body()
        )
    # WHEN another run comes after the lease lapsed THEN it takes it over, and releases it
    later = now + lock.LEASE + timedelta(seconds=1)
    with lock.writer(store, root, SAMPLE_DATE, "other", clock=lambda: later):
        assert b'"other"' in Path(writer_lock(root, SAMPLE_DATE)).read_bytes()
    assert not Path(writer_lock(root, SAMPLE_DATE)).exists()


def test_an_extract_finishes_a_half_done_swap_before_it_replaces_the_date(tmp_path: Path) -> None:
    # GIVEN a date whose last extract stopped after removing the old manifest (half-replaced)
    from tests.integration.test_extract_crash import Crash, FailingStore, _new

    root = tmp_path / "raw"
    extract(ByteStore(), SampleSource(), ExtractRequest(SAMPLE_DATE, str(root), SAMPLE_PLAYLISTS))
    for k in range(1, 200):
        trial = tmp_path / f"trial-{k}"
        shutil.copytree(root, trial)
        with pytest.raises(Crash):
            _new(FailingStore(None, fail_at=k), str(trial))
        partition = Path(raw_partition(str(trial), SAMPLE_DATE))
        if (partition / "_swap.json").exists() and not (partition / "_manifest.json").exists():
            break
    else:
        pytest.fail("no crash point left the date half-replaced")

    class Offline(SampleSource):
        def _get(self, *parts: str) -> Response:
            raise ConnectionError("the network went away")

    # WHEN the next extract finds it, then fails before its own commit
    with pytest.raises(ConnectionError):
        extract(ByteStore(), Offline(), ExtractRequest(SAMPLE_DATE, str(trial), ("me",)))
    # THEN the date is whole again (rolled forward from the staging the marker named), not
    # half-replaced with its staging deleted
    assert (partition / "_manifest.json").exists() and not (partition / "_swap.json").exists()
    assert len(read_raw_set(ByteStore(), str(trial), SAMPLE_DATE).expected) > 0


@pytest.fixture(scope="module")
def s3_client() -> Iterator[Any]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    requests.post(f"{url}/moto-api/reset", timeout=10)
    yield boto3.client(
        "s3",
        endpoint_url=url,
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # pragma: allowlist secret
    )
    server.stop()


@pytest.mark.parametrize("where", ["local", "s3"])
def test_of_two_racing_creates_exactly_one_wins(where: str, tmp_path: Path, s3_client: Any) -> None:
    # GIVEN an empty place for a lease, on disk or in a bucket (conditional PUT over real HTTP)
    if where == "s3":
        s3_client.create_bucket(
            Bucket="locks", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
        uri, store = "s3://locks/_writers/d.json", ByteStore(s3_client)
    else:
        uri, store = str(tmp_path / "_writers" / "d.json"), ByteStore()
    # WHEN eight writers create it at once
    barrier = threading.Barrier(8)
    won: list[bool] = []

    def create(n: int) -> None:
        barrier.wait()
        won.append(store.create(uri, f'{{"n": {n}}}'.encode()))

    threads = [threading.Thread(target=create, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    # THEN exactly one wrote, and the file is that one's whole body
    assert sorted(won) == [False] * 7 + [True]
    assert store.read(uri).startswith(b'{"n": ')
