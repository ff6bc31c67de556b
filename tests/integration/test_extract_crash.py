"""A crash at any storage step of an extract never leaves a silent mix (docs/data-contracts.md).

Each storage call of a re-extraction is failed in turn, on disk and on S3 (moto in server mode,
real HTTP): after the crash the date is the old complete version, the new complete version, or a
state the transform refuses by name ("half-replaced"); then the next run (or `repair`, for a
past date that is only replayed) gives exactly what a clean run gives.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import orjson
import pytest
import requests
from moto.server import ThreadedMotoServer

from spotify_etl.extract.playlists import ExtractRequest, extract
from spotify_etl.spotify.responses import Response
from spotify_etl.spotify.sample import SampleSource
from spotify_transform.errors import TransformError
from spotify_transform.jobs.playlists import read_raw_set
from spotify_transform.rawzone.commit import repair
from spotify_transform.rawzone.layout import raw_partition
from spotify_transform.storage import ByteStore, StorageError
from tests.builders import manifest_json
from tests.conftest import SAMPLE_DATE, SAMPLE_PLAYLISTS

CHANGED = "5ABHKGoOzxkaa28ttQV9sE"
NEW_IDS = SAMPLE_PLAYLISTS[:4]  # the new version lacks the hidden playlist: a stale file to drop
OPERATIONS = (
    "read",
    "exists",
    "list_files",
    "list_dirs",
    "write",
    "copy",
    "delete",
    "delete_prefix",
)


class Crash(Exception):
    """The process died here."""


class FailingStore(ByteStore):
    """A byte store whose `fail_at`-th storage call (1-based) crashes; 0 never does."""

    def __init__(self, s3_client: Any | None = None, fail_at: int = 0) -> None:
        super().__init__(s3_client)
        self.fail_at = fail_at
        self.calls = 0
        self.depth = 0


def _counted(name: str) -> Callable[..., Any]:
    inner = getattr(ByteStore, name)

    def wrapper(self: FailingStore, *args: Any, **kwargs: Any) -> Any:
        if self.depth == 0:  # one storage operation, not the calls it makes of its own
            self.calls += 1
            if self.calls == self.fail_at:
                raise Crash(f"crash at storage call {self.calls}: {name}{args!r}")
        self.depth += 1
        try:
            return inner(self, *args, **kwargs)
        finally:
            self.depth -= 1

    return wrapper


for _name in OPERATIONS:
    setattr(FailingStore, _name, _counted(_name))


class ChangedSample(SampleSource):
    """The sample a day later: one playlist has a new snapshot id (its pages unchanged)."""

    def playlist(self, playlist_id: str) -> Response:
        response = super().playlist(playlist_id)
        if playlist_id == CHANGED:
            changed = response.body.replace(b"sampleSnapshot==", b"changedSnapshot==")
            assert changed != response.body
            return Response.of(changed)
        return response


def _new(store: ByteStore, root: str) -> dict[str, Any]:
    return manifest_json(
        extract(store, ChangedSample(), ExtractRequest(SAMPLE_DATE, root, NEW_IDS, "new"))
    )


def _contents(store: ByteStore, root: str) -> dict[str, bytes]:
    """What the transform would read of the date: every listed file, verified."""
    raw = read_raw_set(store, root, SAMPLE_DATE)
    out = {}
    for slot in raw.grouped.values():
        for _, path in [*slot["playlist"], *slot["pages"]]:
            data = store.read(path)
            assert raw.expected[path].matches(data)
            out[path.rsplit("/", 2)[-2] + "/" + path.rsplit("/", 1)[-1]] = data
    return out


def _debris(store: ByteStore, root: str) -> list[str]:
    """Staging copies and swap markers anywhere in the raw zone."""
    found = [f for f in store.list_files(root) if "_staging" in f or f.endswith("/_swap.json")]
    if not root.startswith("s3://"):  # local staging folders are hidden (a leading dot)
        found += [str(p) for p in Path(root).glob("spotify/playlists/.staging-*")]
    return found


def _crash_everywhere(make_root: Callable[[], str], client: Any | None) -> int:
    """Fail each storage call of the new extract in turn; check state and recovery each time."""
    reference_root = make_root()
    counter = FailingStore(client)
    _new(counter, reference_root)
    new = _contents(ByteStore(client), reference_root)
    old_root = make_root()
    old = _contents(ByteStore(client), old_root)
    assert new != old and counter.calls > 20
    for k in range(1, counter.calls + 1):
        root = make_root()
        with pytest.raises(Crash):
            _new(FailingStore(client, fail_at=k), root)
        store = ByteStore(client)
        # THEN the date is the old version, the new one, or refused by name
        try:
            seen = _contents(store, root)
        except TransformError as exc:
            assert "half-replaced" in str(exc), (k, exc)
        else:
            assert seen in (old, new), f"crash at call {k} left a mix"
        # AND the next run gives exactly what a clean run gives, and leaves no debris
        _new(store, root)
        assert _contents(store, root) == new, k
        assert _debris(store, root) == [], k
    return counter.calls


def test_a_crash_at_any_step_of_a_local_extract_is_never_a_mix(tmp_path: Path) -> None:
    # GIVEN a date already extracted (the old version) on disk
    template = tmp_path / "template"
    extract(
        ByteStore(), SampleSource(), ExtractRequest(SAMPLE_DATE, str(template), SAMPLE_PLAYLISTS)
    )
    roots = iter(range(10_000))

    def make_root() -> str:
        root = tmp_path / f"run-{next(roots)}"
        shutil.copytree(template, root)
        return str(root)

    # WHEN each storage call of the re-extraction crashes in turn THEN (see the helper)
    assert _crash_everywhere(make_root, None) > 20


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


def test_a_crash_at_any_step_of_an_s3_extract_is_never_a_mix(s3_client: Any) -> None:
    # GIVEN a date already extracted (the old version) in a bucket, one fresh bucket per try
    buckets = iter(range(10_000))

    def make_root() -> str:
        bucket = f"raw-crash-{next(buckets)}"
        s3_client.create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
        root = f"s3://{bucket}"
        extract(
            ByteStore(s3_client),
            SampleSource(),
            ExtractRequest(SAMPLE_DATE, root, SAMPLE_PLAYLISTS),
        )
        return root

    # WHEN each storage call of the re-extraction crashes in turn THEN (see the helper)
    assert _crash_everywhere(make_root, s3_client) > 20


def test_repair_rolls_a_half_replaced_date_forward_from_its_staging(tmp_path: Path) -> None:
    # GIVEN a date whose re-extraction crashed after the old manifest was removed (a past date
    # that a live run only replays: no new extract can rebuild it)
    root = str(tmp_path / "raw")
    extract(ByteStore(), SampleSource(), ExtractRequest(SAMPLE_DATE, root, SAMPLE_PLAYLISTS))
    reference = str(tmp_path / "reference")
    shutil.copytree(root, reference)
    _new(ByteStore(), reference)
    store = FailingStore(None)
    _new(store, str(tmp_path / "count"))
    for k in range(1, store.calls + 1):
        trial = str(tmp_path / f"trial-{k}")
        shutil.copytree(root, trial)
        with pytest.raises(Crash):
            _new(FailingStore(None, fail_at=k), trial)
        try:
            read_raw_set(ByteStore(), trial, SAMPLE_DATE)
        except TransformError:
            break  # the first half-replaced state
    else:
        pytest.fail("no crash point left the date half-replaced")
    # WHEN it is repaired
    assert repair(ByteStore(), trial, SAMPLE_DATE) == "rolled forward"
    # THEN it is the new complete version, and nothing is left over
    assert _contents(ByteStore(), trial) == _contents(ByteStore(), reference)
    assert _debris(ByteStore(), trial) == []
    assert repair(ByteStore(), trial, SAMPLE_DATE) is None


def test_repair_without_a_staging_copy_says_extract_again(tmp_path: Path) -> None:
    # GIVEN a half-replaced date whose staging copy is gone
    root = str(tmp_path / "raw")
    extract(ByteStore(), SampleSource(), ExtractRequest(SAMPLE_DATE, root, SAMPLE_PLAYLISTS))
    partition = Path(raw_partition(root, SAMPLE_DATE))
    (partition / "_manifest.json").unlink()
    (partition / "_swap.json").write_bytes(orjson.dumps({"staging": str(tmp_path / "gone")}))
    # WHEN repaired THEN it fails saying what to do
    with pytest.raises(StorageError, match=r"half-replaced .* extract the date again"):
        repair(ByteStore(), root, SAMPLE_DATE)


def test_per_key_delete_errors_from_s3_are_raised(s3_client: Any) -> None:
    # GIVEN an S3 answer of 200 that lists a per-key error (as DeleteObjects does)
    from botocore.stub import Stubber

    client = boto3.client("s3", region_name="eu-west-1", aws_access_key_id="x",
                          aws_secret_access_key="y")  # fmt: skip  # pragma: allowlist secret
    stubber = Stubber(client)
    stubber.add_response(
        "delete_objects",
        {"Deleted": [], "Errors": [{"Key": "a/b.json", "Code": "AccessDenied", "Message": "no"}]},
    )
    # WHEN deleting THEN the error is raised naming the key
    with stubber, pytest.raises(StorageError, match=r"a/b.json \(AccessDenied: no\)"):
        ByteStore(client).delete(["s3://bucket/a/b.json"])
