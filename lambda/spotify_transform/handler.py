"""AWS Lambda entry point of the transform (also called in-process by the local platform).

Thin by design: parse the event, build the byte store, run the transform, return its small
JSON summary. The event is the same on both platforms:

    {"snapshot_date": "2026-11-25", "raw_root": "s3://raw-bucket", "curated_root": "s3://…",
     "max_quarantine_ratio": 0.05, "idempotency_key": "spotify_pipeline/<run_id>/2026-11-25"}
"""

from __future__ import annotations

import json
import logging
from typing import Any

from spotify_transform.storage import ByteStore, is_s3
from spotify_transform.transform import TransformError, TransformRequest, run

logger = logging.getLogger("spotify_transform")


def parse_event(event: dict[str, Any]) -> TransformRequest:
    """Validate the invocation event into a request; a missing field raises TransformError."""
    missing = [k for k in ("snapshot_date", "raw_root", "curated_root") if not event.get(k)]
    if missing:
        raise TransformError(f"event is missing {', '.join(missing)}")
    ratio = event.get("max_quarantine_ratio", 0.05)
    if isinstance(ratio, bool) or not isinstance(ratio, int | float):
        raise TransformError("max_quarantine_ratio must be a number between 0 and 1")
    return TransformRequest(
        snapshot_date=str(event["snapshot_date"]),
        raw_root=str(event["raw_root"]),
        curated_root=str(event["curated_root"]),
        max_quarantine_ratio=float(ratio),
    )


def lambda_handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Transform the event's snapshot date and return rows/URIs per table."""
    request = parse_event(event)
    s3 = None
    if is_s3(request.raw_root) or is_s3(request.curated_root):
        import boto3

        s3 = boto3.client("s3")
    result = run(ByteStore(s3), request)
    result["idempotency_key"] = event.get("idempotency_key")
    logger.info(json.dumps({"event": "transform_done", **result}, default=str))
    return result
