"""AWS Lambda entry point of the transform (also called in-process by the local platform).

Thin by design: parse the event, build the byte store, run the job it names, return its small
JSON summary. The event is the same on both platforms:

    {"snapshot_date": "2026-11-25", "raw_root": "s3://raw-bucket", "curated_root": "s3://…",
     "max_quarantine_ratio": 0.05, "idempotency_key": "spotify_pipeline/<run_id>/2026-11-25",
     "stage": "all" | "shard" | "merge", "shard": 0, "shards": 1}

or, for the listening history, {"dataset": "plays", "raw_root": …, "curated_root": …}; for the
data export, {"dataset": "streams", "stage": "file", "file": {"path", "kind", "sha256"}, …} once
per export file, then {"dataset": "streams", "stage": "merge", "files": [...], "import_id": …,
"new_files": [...], "keep_incognito": false, …}.
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

from spotify_transform.errors import TransformError
from spotify_transform.jobs import playlists, plays, shards, streams
from spotify_transform.jobs.playlists import TransformRequest
from spotify_transform.storage import ByteStore
from spotify_transform.uris import is_s3

logger = logging.getLogger("spotify_transform")


def _with_defaults(event: dict[str, Any]) -> dict[str, Any]:
    """Fill the zones from the function's environment (RAW_BUCKET, CURATED_BUCKET, set by
    Terraform) and SPOTIFY_MAX_QUARANTINE_RATIO when the event leaves them out."""
    out = dict(event)
    for key, env in (("raw_root", "RAW_BUCKET"), ("curated_root", "CURATED_BUCKET")):
        if not out.get(key) and os.environ.get(env):
            out[key] = f"s3://{os.environ[env]}"
    if "max_quarantine_ratio" not in out and os.environ.get("SPOTIFY_MAX_QUARANTINE_RATIO"):
        try:
            out["max_quarantine_ratio"] = float(os.environ["SPOTIFY_MAX_QUARANTINE_RATIO"])
        except ValueError:
            raise TransformError(
                "SPOTIFY_MAX_QUARANTINE_RATIO must be a number from 0 to 1"
            ) from None
    return out


def parse_event(event: dict[str, Any]) -> TransformRequest:
    """Validate the invocation event into a request; a missing field raises TransformError."""
    event = _with_defaults(event)
    missing = [k for k in ("snapshot_date", "raw_root", "curated_root") if not event.get(k)]
    if missing:
        raise TransformError(f"event is missing {', '.join(missing)}")
    ratio = event.get("max_quarantine_ratio", 0.05)
    if isinstance(ratio, bool) or not isinstance(ratio, int | float):
        raise TransformError("max_quarantine_ratio must be a number between 0 and 1")
    shard, count = event.get("shard", 0), event.get("shards", 1)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (shard, count)):
        raise TransformError("shard and shards must be whole numbers")
    return TransformRequest(
        snapshot_date=str(event["snapshot_date"]),
        raw_root=str(event["raw_root"]),
        curated_root=str(event["curated_root"]),
        max_quarantine_ratio=float(ratio),
        stage=str(event.get("stage", "all")),
        shard=shard,
        shards=count,
    )


def _store(*uris: str) -> ByteStore:
    if any(is_s3(u) for u in uris):
        import boto3  # only the AWS side needs it

        return ByteStore(boto3.client("s3"))
    return ByteStore()


def run_request(store: ByteStore, request: TransformRequest) -> dict[str, object]:
    """Run the playlist job a request names: the whole date, one shard, or the merge."""
    if request.stage == "shard":
        return shards.run_shard(store, request)
    if request.stage == "merge":
        return shards.run_merge(store, request)
    return playlists.run(store, request)


def _plays(event: dict[str, Any]) -> dict[str, Any]:
    raw, curated = str(event.get("raw_root") or ""), str(event.get("curated_root") or "")
    also = event.get("played_dates") or []
    if not raw or not curated or not isinstance(also, list):
        raise TransformError("a plays event needs raw_root and curated_root (played_dates: a list)")
    try:
        return plays.run_plays(_store(raw, curated), raw, curated, [str(d) for d in also])
    except ValueError:
        raise TransformError(f"played_dates must be YYYY-MM-DD dates, got {also}") from None


def _streams(event: dict[str, Any]) -> dict[str, Any]:
    raw, curated = str(event.get("raw_root") or ""), str(event.get("curated_root") or "")
    stage = event.get("stage")
    if not raw or not curated or stage not in ("file", "merge"):
        raise TransformError("a streams event needs raw_root, curated_root and stage file or merge")
    store = _store(raw, curated)
    try:
        if stage == "file":
            return streams.run_file(store, raw, curated, streams.FileRef.of(event["file"]))
        return streams.run_merge(
            store,
            raw,
            curated,
            [streams.FileRef.of(f) for f in event["files"]],
            bool(event.get("keep_incognito", False)),
            event.get("import_id"),
            [str(s) for s in event.get("new_files", [])],
        )
    except (KeyError, TypeError) as exc:
        raise TransformError(f"the streams event lacks {exc}") from None


def lambda_handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Transform what the event names and return rows/URIs per table.

    `dataset` selects the work: "playlists" (default; one snapshot date) or "plays" (the
    `played_dates` partitions of the listening history).
    """
    event = _with_defaults(event)
    dataset = event.get("dataset", "playlists")
    started = time.monotonic()
    if dataset == "plays":
        result = _plays(event)
    elif dataset == "streams":
        result = _streams(event)
    elif dataset == "playlists":
        request = parse_event(event)
        result = run_request(_store(request.raw_root, request.curated_root), request)
        result["seconds"] = round(time.monotonic() - started, 3)
    else:
        raise TransformError(f"unknown dataset {dataset!r}; use playlists, plays or streams")
    result["idempotency_key"] = event.get("idempotency_key")
    logger.info(json.dumps({"event": "transform_done", **result}, default=str))
    return result
