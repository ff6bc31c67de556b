"""Benchmark: `./scripts/run` (the whole pipeline) against a bare DAG of the same shape.

Both run the same way, in a fresh process each time, through `spotify_etl.runner.run_dag`
(project-local Airflow home, migrated once beforehand, `dag.test()`): the bare DAG has the same
TaskFlow tasks, mapping and XCom wiring but no work in them, so the difference is our pipeline's own
cost on top of Airflow's start-up. Runs alternate so machine noise hits both alike.

Usage: .venv/bin/python scripts/bench_dag_overhead.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BARE_DAG = """
from __future__ import annotations
from datetime import timedelta
import pendulum
from airflow.sdk import dag, task

@dag(dag_id="bare_pipeline", schedule="@daily",
     start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False, tags=["bench"],
     default_args={"retries": 2, "retry_delay": timedelta(minutes=5)})
def bare_pipeline():
    @task
    def extract() -> dict:
        return {"snapshot_date": "x"}
    @task
    def plan(e: dict) -> list:
        return [0]
    @task
    def transform_shard(e: dict, shard: int) -> dict:
        return e
    @task
    def transform(e: dict, shards: list) -> dict:
        return e
    @task
    def crawl(t: dict) -> dict:
        return t
    @task
    def check(e: dict, t: dict, c: dict) -> dict:
        return t
    @task
    def query(c: dict) -> dict:
        return c
    @task
    def report(e: dict, t: dict, c: dict, q: dict) -> dict:
        return q
    e = extract()
    shards = transform_shard.partial(e=e).expand(shard=plan(e))
    t = transform(e, shards)
    c = crawl(t)
    q = query(check(e, t, c))
    report(e, t, c, q)

bare_pipeline()
"""
BARE_RUNNER = """
import sys
from pathlib import Path
from spotify_etl.runner import run_dag
out = run_dag(Path(sys.argv[1]), "2026-11-20", dag_file=Path(sys.argv[2]), dag_id="bare_pipeline")
sys.exit(0 if out.succeeded else 1)
"""


def timed(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-dag-"))
    (work / "bare").mkdir()
    bare_dag = work / "bare" / "bare_pipeline.py"
    bare_dag.write_text(BARE_DAG)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "SPOTIF"))}
    ours_env = {**env, "SPOTIFY_PIPELINE_HOME": str(work / "ours")}
    ours = [str(ROOT / "scripts" / "run"), "--date", "2026-11-20"]
    bare = [sys.executable, "-c", BARE_RUNNER, str(work / "bare-home"), str(bare_dag)]
    # Warm-up: first runs create and migrate each Airflow database (set-up, not measured).
    timed(ours, ours_env)
    timed(bare, env)
    t_ours, t_bare = [], []
    for _ in range(args.runs):
        t_ours.append(timed(ours, ours_env))
        t_bare.append(timed(bare, env))
    mo, mb = statistics.median(t_ours), statistics.median(t_bare)
    print(f"runs each: {args.runs} (alternating, fresh process per run)")

    def show(ts: list[float]) -> str:
        return ", ".join(f"{t:.2f}" for t in ts)

    print(f"./scripts/run (whole pipeline) median {mo:.2f}s  [{show(t_ours)}]")
    print(f"bare DAG of the same 8 tasks   median {mb:.2f}s  [{show(t_bare)}]")
    print(f"ratio {mo / mb:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
