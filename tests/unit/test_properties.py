"""Property-based tests of the transform (hypothesis): API-shaped partitions of both shapes, with
tracks repeated across playlists in different shapes and with different figures, local files,
episodes, unavailable entries and missing optional fields.

Properties: no crash; every position of a readable playlist is exactly one `playlist_items` row;
the curated files are byte-identical for any shard count and batch size; a re-run is identical.
"""

from __future__ import annotations

import hashlib
import json
import random
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spotify_transform.handler import run_request as run
from spotify_transform.jobs.playlists import TransformRequest
from spotify_transform.rawzone.layout import raw_partition
from spotify_transform.storage import ByteStore
from tests import synthetic as syn
from tests.builders import ME

DAY = "2026-01-02"
CATALOG = syn.make_catalog(random.Random(11), 6, 5, 12)  # few tracks: repeats are the rule
KINDS = ("track", "track", "track", "episode", "local", "unavailable")


@st.composite
def entry_objects(draw: st.DrawFn, shape: syn.Shape) -> dict[str, Any] | None:
    """One entry's object: a catalogue track (its figures and optional fields varied), an
    episode, a local file or nothing (unavailable)."""
    kind = draw(st.sampled_from(KINDS))
    rng = random.Random(draw(st.integers(0, 2**16)))
    if kind == "episode":
        return syn.episode_body(rng)
    if kind == "local":
        return syn.local_file_body(
            f"Take {rng.randint(1, 9)}", "Band", "Tapes", rng.randint(1, 600)
        )
    if kind == "unavailable":
        return None
    body = syn.track_body(draw(st.sampled_from(CATALOG.tracks)), shape, rng)
    if shape == "legacy":
        body["popularity"] = draw(st.integers(0, 100))
    for optional in draw(st.sets(st.sampled_from(["external_ids", "is_playable", "explicit"]))):
        body.pop(optional, None)
    return body


@st.composite
def partitions(draw: st.DrawFn) -> list[tuple[str, syn.Shape, list[dict[str, Any]]]]:
    """1-6 playlists, each of one shape, with 0-120 entries."""
    out = []
    for n in range(draw(st.integers(1, 6))):
        shape: syn.Shape = draw(st.sampled_from(["2026", "legacy"]))
        size = draw(st.integers(0, 120))
        objs = draw(st.lists(entry_objects(shape), min_size=size, max_size=size))
        entries = [syn.entry(o, shape, "2025-03-04T05:06:07Z", ME) for o in objs]
        out.append((f"pl{n:020d}", shape, entries))
    return out


def _write(root: Path, playlists: list[tuple[str, syn.Shape, list[dict[str, Any]]]]) -> None:
    """The partition as the extractor lays it out (a hand-made one: no manifest)."""
    base = Path(raw_partition(str(root), DAY))
    for pid, shape, entries in playlists:
        folder = base / f"playlist_id={pid}"
        folder.mkdir(parents=True)
        meta = syn.playlist_body(pid, name=pid, description="", owner_id=ME, owner_name="T",
                                 shape=shape, snapshot_id=f"s-{pid}", entries=entries)  # fmt: skip
        (folder / "playlist.json").write_text(json.dumps(meta))
        for offset in range(0, max(len(entries), 1), 50):
            page = syn.items_page(pid, entries[offset : offset + 50], offset, 50, len(entries))
            (folder / f"items-{offset:06d}.json").write_text(json.dumps(page))


def _files(curated: Path) -> dict[str, str]:
    return {
        p.relative_to(curated).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(curated.rglob("*.parquet"))
        if "_staging" not in p.parts
    }


def _transform(raw: Path, curated: Path, shards: int, batch_bytes: int) -> dict[str, Any]:
    store = ByteStore()
    common = {"max_quarantine_ratio": 1.0, "batch_bytes": batch_bytes}
    if shards == 1:
        return run(store, TransformRequest(DAY, str(raw), str(curated), **common))  # type: ignore[arg-type]
    for shard in range(shards):
        request = TransformRequest(
            DAY,
            str(raw),
            str(curated),
            stage="shard",
            shard=shard,
            shards=shards,
            **common,  # type: ignore[arg-type]
        )
        run(store, request)
    merge = TransformRequest(DAY, str(raw), str(curated), stage="merge", shards=shards, **common)  # type: ignore[arg-type]
    return run(store, merge)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(playlists=partitions())
def test_transform_is_the_same_however_it_is_split_and_accounts_for_every_position(
    playlists: list[tuple[str, syn.Shape, list[dict[str, Any]]]],
) -> None:
    import polars as pl

    # GIVEN an API-shaped partition
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _write(root / "raw", playlists)
        # WHEN it is transformed whole, in 2, 7 and 64 shards, with tiny and default batches,
        # and whole once more
        runs = {
            (shards, batch): _transform(root / "raw", root / f"c-{shards}-{batch}", shards, batch)
            for shards, batch in [(1, 64 << 20), (2, 64 << 20), (7, 2_000), (64, 64 << 20)]
        }
        again = _transform(root / "raw", root / "c-again", 1, 64 << 20)
        # THEN every split gives byte-identical files, and so does the re-run
        reference = _files(root / f"c-1-{64 << 20}")
        for shards, batch in runs:
            assert _files(root / f"c-{shards}-{batch}") == reference, (shards, batch)
        assert _files(root / "c-again") == reference
        assert again["entries"] == sum(len(e) for _, _, e in playlists)
        # AND every position of every playlist is exactly one playlist_items row
        items = pl.read_parquet(next((root / "c-again" / "playlist_items").rglob("*.parquet")))
        got = sorted(items.select("playlist_id", "position").iter_rows())
        assert got == sorted((pid, n) for pid, _, e in playlists for n in range(len(e)))
        # AND the kinds are told apart: a local file or episode is never a track
        keys = zip(items["playlist_id"], items["position"], strict=True)
        kinds = dict(zip(keys, items["item_type"], strict=True))
        for pid, _, entries in playlists:
            for n, e in enumerate(entries):
                obj = e.get("item") or e.get("track")
                want = (
                    "unavailable" if obj is None
                    else "local" if obj.get("is_local")
                    else "episode" if obj.get("type") == "episode"
                    else "track"
                )  # fmt: skip
                assert kinds[(pid, n)] == want
