"""Benchmark the docker compose stack as a user meets it (figures for docs/compose.md).

In a clean copy of the project, with the quickstart's images built:
- up → every service healthy: cold (fresh volumes: initdb and the migration) and warm (after
  `down`, volumes kept), median of --rounds each;
- a sample `spotify_pipeline` run in the stack (trigger → success over the REST API) against
  `./scripts/run --date D` (the same DAG in-process), interleaved, --rounds each;
- the stack's memory (`docker stats`): idle, and the peak while a run goes;
- with --with-test, the wall time of the stack test (`pytest tests/stack`).

Never run it beside another heavy job: it shares the machine's two cores with the stack.
Usage: .venv/bin/python scripts/bench_stack.py [--rounds 3] [--with-test]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.stack.harness import (  # noqa: E402
    Stack,
    compose_command,
    copy_project,
    free_port,
    login,
)

UNITS = {
    "B": 1,
    "KiB": 1024,
    "MiB": 1024**2,
    "GiB": 1024**3,
    "kB": 1000,
    "MB": 1000**2,
    "GB": 1000**3,
}


def _bytes(text: str) -> float:
    for unit in sorted(UNITS, key=len, reverse=True):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * UNITS[unit]
    return float(text)


def memory(stack: Stack) -> dict[str, float]:
    """MiB per container of this stack, from one `docker stats` sample."""
    ids = stack.compose("ps", "-q").stdout.split()
    if not ids:
        return {}
    out = stack.run("docker", "stats", "--no-stream", "--format", "{{json .}}", *ids).stdout
    usage = {}
    for line in out.splitlines():
        row = json.loads(line)
        usage[row["Name"]] = _bytes(row["MemUsage"].split("/")[0].strip()) / 1024**2
    return usage


def timed(fn: object, *args: object) -> float:
    start = time.perf_counter()
    fn(*args)  # type: ignore[operator]
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--with-test", action="store_true", help="also time pytest tests/stack")
    args = parser.parse_args()
    subprocess.run([str(ROOT / "scripts" / "docker-engine")], check=True)
    work = Path(tempfile.mkdtemp(prefix="bench-stack-"))
    project = work / "spotify-pipeline"
    project.mkdir()
    copy_project(project, committed=True)  # HEAD, so edits in progress do not leak in
    port = free_port()
    (project / ".env").write_text(f"AIRFLOW_PORT={port}\n")
    env = {
        **os.environ,
        "COMPOSE_PROJECT_NAME": f"spbench{uuid.uuid4().hex[:8]}",
        "DOCKER_COMPOSE": compose_command(),
    }
    stack = Stack(project, env, port)
    up = ("./scripts/stack", "compose", "up", "-d", "--wait", "--wait-timeout", "600")
    results: dict[str, object] = {}

    def note(name: str, value: object) -> None:
        results[name] = value
        shown = f"{value:.2f}" if isinstance(value, float) else value
        print(f"{name}: {shown}", flush=True)

    try:
        first = timed(stack.run, "./scripts/stack", "up")
        note("first ./scripts/stack up (images cached or built, fresh volumes)", first)
        cold, warm = [], []
        for _ in range(args.rounds):
            stack.run("./scripts/stack", "down", "-v")
            cold.append(timed(stack.run, *up))
            stack.run("./scripts/stack", "down")
            warm.append(timed(stack.run, *up))
        note("cold up → healthy (fresh volumes), median s", statistics.median(cold))
        note("warm up → healthy (volumes kept), median s", statistics.median(warm))
        note("cold/warm samples", ([round(c, 1) for c in cold], [round(w, 1) for w in warm]))

        api = login(stack)
        api.call("PATCH", "/dags/spotify_pipeline", json={"is_paused": False})
        api.wait_until_settled(("spotify_pipeline", "spotify_report_refresh"))
        idle = memory(stack)
        in_stack: list[float] = []
        in_process: list[float] = []
        peak = [0.0]
        for i in range(args.rounds):
            day = f"2026-10-{10 + i:02d}"
            sampling = threading.Event()

            def sample(sampling: threading.Event = sampling) -> None:
                while not sampling.is_set():
                    peak[0] = max(peak[0], sum(memory(stack).values()))

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            start = time.perf_counter()
            api.trigger("spotify_pipeline", f"bench-{i}", f"{day}T00:00:00Z")
            state = api.wait_for("spotify_pipeline", f"bench-{i}")
            in_stack.append(time.perf_counter() - start)
            sampling.set()
            sampler.join()
            if state != "success":
                raise SystemExit(f"bench-{i} ended {state}")
            home = work / f"lake-{i}"
            start = time.perf_counter()
            # `./scripts/run` of the same copy: its code first on the path, the locked venv.
            subprocess.run(
                [str(ROOT / ".venv" / "bin" / "spotify-pipeline"), "run", "--date", day],
                env={**os.environ, "SPOTIFY_PIPELINE_HOME": str(home),
                     "PYTHONPATH": f"{project / 'dags'}:{project / 'lambda'}"},
                cwd=project, check=True, capture_output=True,
            )  # fmt: skip
            in_process.append(time.perf_counter() - start)
            api.wait_until_settled(("spotify_pipeline", "spotify_report_refresh"))
        stack_s, local_s = statistics.median(in_stack), statistics.median(in_process)
        note("sample run in the stack (trigger → success), median s", stack_s)
        note("./scripts/run (same DAG in-process), median s", local_s)
        note("stack / ./scripts/run", stack_s / local_s)
        note(
            "run samples (stack, in-process)",
            (
                [round(x, 1) for x in in_stack],
                [round(x, 1) for x in in_process],
            ),
        )
        note("memory idle, MiB (total)", round(sum(idle.values())))
        note("memory idle per service, MiB", {k: round(v) for k, v in sorted(idle.items())})
        note("memory peak during a run, MiB (total)", round(peak[0]))
    finally:
        stack.run("./scripts/stack", "down", "-v", check=False)
        shutil.rmtree(work, ignore_errors=True)
    if args.with_test:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pytest", "-q", "tests/stack"], cwd=ROOT, check=True)
        note("stack test (pytest tests/stack), min", (time.perf_counter() - start) / 60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
