"""The raw zone and its manifest, written from the sample source (docs/data-contracts.md)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import orjson
import pytest

from spotify_etl.extract.playlists import ExtractRequest, extract
from spotify_etl.spotify.responses import PlaylistNotFound, Response
from spotify_etl.spotify.sample import SampleSource
from spotify_transform.storage import ByteStore
from tests.builders import manifest_json
from tests.conftest import SAMPLE_DATE, SAMPLE_PLAYLISTS

SAMPLE = SampleSource().root
VISIBLE = [
    "0vvXsWCC9xrXsKd4FyS8kM",
    "1h0CEZCm6IbFTbxThn6Xcs",
    "3cEYpjA9oz9GiPac4AsH4n",
    "5ABHKGoOzxkaa28ttQV9sE",
]
HIDDEN = "6UeSakyzhiEt4NB3UAd6NQ"


def _manifest(raw_root: str, day: str = SAMPLE_DATE) -> dict[str, Any]:
    path = Path(raw_root) / "spotify" / "playlists" / f"snapshot_date={day}" / "_manifest.json"
    data: dict[str, Any] = orjson.loads(path.read_bytes())
    return data


def test_extract_lands_response_bodies_byte_for_byte(raw_root: str) -> None:
    # GIVEN the sample extracted for a date (fixture)
    partition = Path(raw_root) / "spotify" / "playlists" / f"snapshot_date={SAMPLE_DATE}"
    # THEN the layout is the contract's and every file is the response body, unchanged
    landed = sorted(
        p.relative_to(partition).as_posix() for p in partition.rglob("*") if p.is_file()
    )
    expected = sorted(
        f"playlist_id={pid}/{p.name}"
        for pid in SAMPLE_PLAYLISTS
        for p in (SAMPLE / "playlists" / pid).glob("*.json")
    )
    assert landed == sorted([*expected, "_manifest.json"])
    answers = SampleSource(on=SAMPLE_DATE)  # the bodies as the sample answers on that date
    for rel in expected:
        pid, name = rel.split("/")
        body = (SAMPLE / "playlists" / pid.split("=")[1] / name).read_bytes()
        assert (partition / rel).read_bytes() == answers.dated(body)


def test_extract_manifest_records_statuses_files_and_calls(raw_root: str) -> None:
    # GIVEN the manifest of the sample extraction
    manifest = _manifest(raw_root)
    by_id = {p["playlist_id"]: p for p in manifest["playlists"]}
    # THEN statuses, shapes, snapshot ids, totals and file digests are recorded
    assert manifest["statuses"] == {"ok": 4, "not_visible": 1}
    assert by_id[HIDDEN]["status"] == "not_visible"
    assert by_id["0vvXsWCC9xrXsKd4FyS8kM"]["shape"] == "legacy"
    assert by_id["3cEYpjA9oz9GiPac4AsH4n"]["shape"] == "2026"
    assert by_id["3cEYpjA9oz9GiPac4AsH4n"]["item_total"] == 140
    partition = Path(raw_root) / "spotify" / "playlists" / f"snapshot_date={SAMPLE_DATE}"
    for entry in manifest["playlists"]:
        for f in entry["files"]:
            data = (partition / f"playlist_id={entry['playlist_id']}" / f["name"]).read_bytes()
            assert f["bytes"] == len(data)
            assert f["sha256"] == hashlib.sha256(data).hexdigest()
    # 5 playlists + ceil(n/50) pages of the 4 visible ones (3+3+1+1)
    assert manifest["run"]["api_calls"] == 5 + 8
    assert manifest["run"]["run_id"] == "test"


def test_extract_copies_unchanged_playlists_from_previous_date(
    raw_root: str, store: ByteStore
) -> None:
    # GIVEN the sample extracted yesterday (fixture) and unchanged snapshot ids today
    source = SampleSource()
    # WHEN the next date is extracted
    manifest = manifest_json(
        extract(store, source, ExtractRequest("2026-11-25", raw_root, SAMPLE_PLAYLISTS, "t2"))
    )
    # THEN unchanged playlists cost one call each and their pages are copied, complete
    assert manifest["statuses"] == {"unchanged": 4, "not_visible": 1}
    assert source.api_calls == 5
    today = Path(raw_root) / "spotify" / "playlists" / "snapshot_date=2026-11-25"
    yesterday = Path(raw_root) / "spotify" / "playlists" / f"snapshot_date={SAMPLE_DATE}"
    for pid in VISIBLE:
        names = sorted(p.name for p in (yesterday / f"playlist_id={pid}").iterdir())
        assert sorted(p.name for p in (today / f"playlist_id={pid}").iterdir()) == names


def test_extract_again_replaces_the_date_folder_whole(raw_root: str, store: ByteStore) -> None:
    # GIVEN an extracted date with a stray file in it
    partition = Path(raw_root) / "spotify" / "playlists" / f"snapshot_date={SAMPLE_DATE}"
    stray = partition / "playlist_id=gone000000000000000000" / "playlist.json"
    stray.parent.mkdir()
    stray.write_text("{}")
    # WHEN the same date is extracted again
    extract(store, SampleSource(), ExtractRequest(SAMPLE_DATE, raw_root, SAMPLE_PLAYLISTS, "again"))
    # THEN the folder holds exactly the new set, and no staging folder is left
    assert not stray.exists()
    assert _manifest(raw_root)["run"]["run_id"] == "again"
    assert [p.name for p in partition.parent.iterdir()] == [f"snapshot_date={SAMPLE_DATE}"]


def test_extract_failure_leaves_previous_partition_intact(
    raw_root: str, store: ByteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an extracted date
    partition = Path(raw_root) / "spotify" / "playlists" / f"snapshot_date={SAMPLE_DATE}"
    before = sorted(p.relative_to(partition) for p in partition.rglob("*"))

    # WHEN a re-extraction dies half-way
    def boom(self: SampleSource, playlist_id: str, offset: int, limit: int) -> Response:
        raise RuntimeError("connection reset")

    monkeypatch.setattr(SampleSource, "items_page", boom)
    with pytest.raises(RuntimeError):
        extract(store, SampleSource(), ExtractRequest(SAMPLE_DATE, raw_root, ("me",), "dies"))
    # THEN the old partition is untouched and the staging folder is gone
    assert sorted(p.relative_to(partition) for p in partition.rglob("*")) == before
    assert [p.name for p in partition.parent.iterdir()] == [f"snapshot_date={SAMPLE_DATE}"]


def test_extract_reports_unknown_playlist_and_goes_on(tmp_path: Path, store: ByteStore) -> None:
    # GIVEN one known and one unknown playlist ID
    ids = ("1h0CEZCm6IbFTbxThn6Xcs", "nope00000000000000000A")
    # WHEN extracted
    manifest = manifest_json(
        extract(store, SampleSource(), ExtractRequest(SAMPLE_DATE, str(tmp_path), ids))
    )
    # THEN the unknown one is not_found with a message, the other is ok
    by_id = {p["playlist_id"]: p for p in manifest["playlists"]}
    assert by_id["nope00000000000000000A"]["status"] == "not_found"
    assert "404" in by_id["nope00000000000000000A"]["message"]
    assert by_id["1h0CEZCm6IbFTbxThn6Xcs"]["status"] == "ok"


def test_sample_source_answers_404_for_unknown_playlist() -> None:
    # WHEN an unknown playlist is requested THEN it behaves like the API (404)
    with pytest.raises(PlaylistNotFound):
        SampleSource().playlist("unknown000000000000000")


def test_manifest_records_the_capability_probe(raw_root: str) -> None:
    # GIVEN the sample's first readable playlist is in the 2026 shape (no popularity, markets)
    caps = _manifest(raw_root)["capabilities"]
    # THEN the probe names the shape and the optional fields that came back
    assert caps["shape"] == "2026"
    assert caps["fields"]["track.popularity"] is False
    assert caps["fields"]["track.available_markets"] is False
    assert caps["fields"]["track.external_ids"] is True
    assert caps["fields"]["entry.item"] is True


def test_probe_sees_legacy_fields() -> None:
    from spotify_etl.extract.probe import probe

    meta = orjson.loads((SAMPLE / "playlists" / VISIBLE[0] / "playlist.json").read_bytes())
    page = orjson.loads((SAMPLE / "playlists" / VISIBLE[0] / "items-000000.json").read_bytes())
    caps = probe(meta, page)
    assert caps["shape"] == "legacy"
    assert caps["fields"]["track.popularity"] is True
    assert caps["fields"]["playlist.followers"] is True
    assert caps["fields"]["entry.item"] is False


def test_extract_me_reads_owned_playlists_and_skips_followed_ones(
    tmp_path: Path, store: ByteStore
) -> None:
    # GIVEN the sample user's listing: five own playlists (one empty) and one a friend owns
    source = SampleSource()
    # WHEN `me` is extracted
    manifest = manifest_json(
        extract(store, source, ExtractRequest(SAMPLE_DATE, str(tmp_path), ("me",)))
    )
    by_id = {p["playlist_id"]: p for p in manifest["playlists"]}
    # THEN the followed one is `skipped` without a call, the five others are read whole
    assert manifest["statuses"] == {"ok": 5, "skipped": 1}
    assert by_id[HIDDEN]["files"] == [] and "followed" in by_id[HIDDEN]["message"]
    listing = manifest["listing"]
    assert {k: v for k, v in listing.items() if k != "files"} == {
        "user_id": "31l7sampleuserxq2bz4dkfa",
        "listed": 6,
        "null_entries": 0,
        "null_ids": 0,
        "repeated": 0,
        "followed": 1,
        "complete": True,
        "message": None,
    }
    # AND the listing itself landed, byte for byte, in the date's commit
    (page,) = listing["files"]
    stored = tmp_path / "spotify" / "playlists" / f"snapshot_date={SAMPLE_DATE}" / "listing"
    assert (stored / page["name"]).read_bytes() == source.dated(
        (source.root / "me" / "playlists.json").read_bytes()
    )
    # 1 /me/playlists + 1 /me + 5 playlists + their pages (3+3+1+1; the empty one has none)
    assert source.api_calls == 1 + 1 + 5 + 8
    # AND the next day, with every listed snapshot id unchanged, one call does it all
    tomorrow = SampleSource()
    again = manifest_json(
        extract(store, tomorrow, ExtractRequest("2026-11-25", str(tmp_path), ("me",)))
    )
    assert again["statuses"] == {"unchanged": 5, "skipped": 1}
    assert tomorrow.api_calls == 1


def test_sort_listing_counts_null_entries_and_null_ids_and_never_reads_them() -> None:
    # GIVEN a real-looking listing page with a null entry, a null id, a repeat, a collaborative
    # playlist of someone else's and a followed one
    from spotify_etl.extract.listing import Listed, sort_listing

    me = {"id": "me"}
    page = {
        "items": [
            None,
            {"id": None, "owner": me},
            {"id": "own", "owner": me, "snapshot_id": "s1"},
            {"id": "own", "owner": me, "snapshot_id": "s1"},
            {"id": "collab", "owner": {"id": "friend"}, "collaborative": True},
            {"id": "follow", "owner": {"id": "friend"}, "name": "Theirs"},
        ]
    }
    # WHEN it is sorted
    listing = sort_listing([page], "me")
    # THEN only the owned and collaborative ones are read; the rest is counted or skipped
    assert listing.read == [Listed("own", "s1"), Listed("collab", None)]
    assert [(s.playlist_id, s.status) for s in listing.skipped] == [("follow", "skipped")]
    assert listing.counts == {
        "listed": 6,
        "null_entries": 1,
        "null_ids": 1,
        "repeated": 1,
        "followed": 1,
    }
