"""What the pipeline costs on AWS, per run and per month at the DAGs' schedules (pure
arithmetic: no I/O; the local platform costs nothing)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# Athena bills each query's scan rounded up to the next megabyte, and at least 10 MB.
ATHENA_MB = 1024 * 1024


ATHENA_MIN_MB = 10


def billed_bytes(scanned: Sequence[int]) -> int:
    """What Athena bills for queries that scanned these bytes (pure)."""
    return sum(max(ATHENA_MIN_MB, -(-b // ATHENA_MB)) * ATHENA_MB for b in scanned)


# Runs a month at the DAGs' schedules: the daily snapshot, the hourly listening history, and the
# report refresh after each of them (every refresh scans what the run's report scanned).
RUNS_PER_MONTH = {"spotify_pipeline": 30, "spotify_listening_history": 720}


# The hourly plays transform is one short invocation (~1-3 s measured locally on a day of
# plays); the estimate takes 3 s.
LISTENING_SECONDS_PER_RUN = 3.0


def monthly_cost(
    per_run: Mapping[str, float],
    report_bytes_billed: int,
    zone_bytes: Mapping[str, int],
    prices: Mapping[str, float],
    lambda_memory_mb: int,
) -> dict[str, Any]:
    """What a month costs at the current schedules (pure): the daily run's Lambda and crawler
    ×30; the hourly plays transform ×720 (its partitions are registered without a crawl);
    Athena: what the report's queries are billed (each at least 10 MB) after every run (30 +
    720 refreshes); S3: each zone's bytes."""
    daily = RUNS_PER_MONTH["spotify_pipeline"]
    hourly = RUNS_PER_MONTH["spotify_listening_history"]
    gb_s = LISTENING_SECONDS_PER_RUN * lambda_memory_mb / 1024
    lambda_usd = (
        per_run["lambda_usd"] * daily + gb_s * hourly * prices["SPOTIFY_PRICE_LAMBDA_PER_GB_SECOND"]
    )
    crawler_usd = per_run["crawler_usd"] * daily
    athena_usd = (
        report_bytes_billed / 1e12 * prices["SPOTIFY_PRICE_ATHENA_PER_TB"] * (daily + hourly)
    )
    storage = {
        zone: round(size / 1e9 * prices["SPOTIFY_PRICE_S3_PER_GB_MONTH"], 6)
        for zone, size in sorted(zone_bytes.items())
    }
    parts = {
        "lambda_usd": round(lambda_usd, 6),
        "crawler_usd": round(crawler_usd, 6),
        "athena_usd": round(athena_usd, 6),
        "s3_usd": round(sum(storage.values()), 6),
    }
    return {
        **parts,
        "s3_by_zone_usd": storage,
        "total_usd": round(sum(parts.values()), 6),
        "runs_per_month": dict(RUNS_PER_MONTH),
    }


def run_cost(
    on_aws: bool,
    prices: Mapping[str, float],
    lambda_memory_mb: int,
    transform_seconds: float,
    crawl_seconds: float,
    scanned: Sequence[int],
) -> dict[str, float]:
    """One daily run: Athena (the report's queries, as billed), Lambda (the transform's
    GB-seconds) and the crawler (2 DPUs, at least 10 minutes); nothing locally."""
    cost = {"athena_usd": 0.0, "lambda_usd": 0.0, "crawler_usd": 0.0}
    if on_aws:
        billed = billed_bytes(scanned)
        cost["athena_usd"] = round(billed / 1e12 * prices["SPOTIFY_PRICE_ATHENA_PER_TB"], 6)
        gb_seconds = transform_seconds * lambda_memory_mb / 1024
        cost["lambda_usd"] = round(gb_seconds * prices["SPOTIFY_PRICE_LAMBDA_PER_GB_SECOND"], 6)
        dpu_hours = max(600.0, crawl_seconds) / 3600 * 2  # crawlers run on 2 DPUs, 10 min min.
        cost["crawler_usd"] = round(dpu_hours * prices["SPOTIFY_PRICE_GLUE_PER_DPU_HOUR"], 6)
    cost["total_usd"] = round(sum(cost.values()), 6)
    return cost
