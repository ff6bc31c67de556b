"""Make the base images the project's Dockerfile and docker-compose.yaml name, when no registry
can give them.

For each of `apache/airflow:<locked version>-python3.12` and `postgres:16-alpine`: keep it when
it is already in the engine (the official image, or a stand-in built from the current recipe);
else `docker pull` it; else, where no registry answers (as on these offline machines and their
CI), build a stand-in from `docker/standins/<name>/` on a Debian bookworm base made with
`debootstrap` and tag it with the official name. What the stand-ins keep of the official images
and where they differ is written at the top of their Dockerfiles.

Standard library only; run as `python3 scripts/standin_images.py` (scripts/stack calls it).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STANDINS = ROOT / "docker" / "standins"
BASE = "spotify-pipeline-standin/debian:bookworm"
LABEL = "org.spotify-pipeline.standin-recipe"
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")
PULL_TIMEOUT_S = 120
BUILD_TIMEOUT_S = 1200


def airflow_tag() -> str:
    """The base tag the project's Dockerfile names (FROM line)."""
    m = re.search(r"^FROM (apache/airflow:\S+)$", (ROOT / "Dockerfile").read_text(), re.M)
    if not m:
        raise SystemExit("Dockerfile: no `FROM apache/airflow:<tag>` line")
    return m.group(1)


def postgres_tag() -> str:
    """The postgres image docker-compose.yaml names."""
    m = re.search(r"^\s+image: (postgres:\S+)$", (ROOT / "docker-compose.yaml").read_text(), re.M)
    if not m:
        raise SystemExit("docker-compose.yaml: no `image: postgres:<tag>` line")
    return m.group(1)


def recipe_hash(folder: Path) -> str:
    """A digest of a stand-in's recipe: a stand-in built from another recipe is rebuilt."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _docker(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def _label(image: str) -> str | None:
    """None when the image is absent; "" for an image without our label (e.g. the official)."""
    template = f'{{{{index .Config.Labels "{LABEL}"}}}}'
    result = _docker("image", "inspect", "--format", template, image)
    if result.returncode != 0:
        return None
    value = result.stdout.strip()
    return "" if value in ("", "<no value>") else value


def _pull(image: str) -> bool:
    try:
        return _docker("pull", image, timeout=PULL_TIMEOUT_S).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def ensure_base() -> None:
    """The Debian bookworm base image, from debootstrap (installed with apt-get when missing)."""
    if _label(BASE) is not None:
        return
    if shutil.which("debootstrap") is None:
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            raise SystemExit("the stand-in images need debootstrap: apt-get install debootstrap")
        print("== installing Debian's debootstrap", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "debootstrap"],
            check=True,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    with tempfile.TemporaryDirectory(prefix="standin-rootfs-") as rootfs:
        print(f"== debootstrap bookworm → {BASE} (~40 s)", flush=True)
        subprocess.run(
            [
                "debootstrap",
                "--variant=minbase",
                "bookworm",
                rootfs,
                "http://deb.debian.org/debian",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=BUILD_TIMEOUT_S,
        )
        tar = subprocess.Popen(["tar", "-C", rootfs, "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(["docker", "import", "-", BASE], stdin=tar.stdout, check=True,
                       stdout=subprocess.DEVNULL, timeout=BUILD_TIMEOUT_S)  # fmt: skip
        if tar.wait() != 0:
            raise SystemExit("tar of the debootstrap tree failed")


def build_standin(name: str, tag: str) -> None:
    """Build docker/standins/<name> as `tag` (the context gets this machine's CA bundle)."""
    folder = STANDINS / name
    args: list[str] = []
    if name == "airflow":  # the Airflow version the tag names
        args = ["--build-arg", f"AIRFLOW_VERSION={tag.split(':')[1].split('-')[0]}"]
    ensure_base()
    with tempfile.TemporaryDirectory(prefix=f"standin-{name}-") as context:
        shutil.copytree(folder, context, dirs_exist_ok=True)
        if HOST_CA.exists():
            shutil.copy(HOST_CA, Path(context) / "ca-bundle.crt")
        else:
            (Path(context) / "ca-bundle.crt").write_text("")
        print(f"== building the stand-in {tag} from docker/standins/{name}", flush=True)
        result = subprocess.run(
            ["docker", "build", "--pull=false", "--label", f"{LABEL}={recipe_hash(folder)}",
             *args, "-t", tag, context],
            env={**os.environ, "DOCKER_BUILDKIT": "0"},
            capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
            raise SystemExit(f"building the stand-in {tag} failed")


def ensure(name: str, tag: str) -> str:
    """Make `tag` available; say where it came from."""
    label = _label(tag)
    want = recipe_hash(STANDINS / name)
    if label == "":
        return f"{tag}: present (not a stand-in)"
    if label == want:
        return f"{tag}: stand-in, current recipe"
    if label is None and _pull(tag):
        return f"{tag}: pulled"
    build_standin(name, tag)
    return f"{tag}: stand-in built (no registry reachable)"


def main() -> int:
    """Ensure both base images; print one line each."""
    if shutil.which("docker") is None or _docker("info").returncode != 0:
        print("error: no Docker engine answers (`docker info`)", file=sys.stderr)
        return 1
    for name, tag in (("postgres", postgres_tag()), ("airflow", airflow_tag())):
        print(ensure(name, tag), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
