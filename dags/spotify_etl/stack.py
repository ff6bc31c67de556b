"""The docker compose stack's secrets and first start (standard library only).

Two callers: `scripts/stack up` runs `python3 -m spotify_etl.stack env .env` on the host, before
anything is installed, to create `.env` from `.env.example` with fresh random secrets; the
`airflow-init` service runs `python -m spotify_etl.stack init` in the container to check every
secret (a missing or short one stops the stack naming the variable) and to write the admin's
password file. Nothing here prints a secret's value.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
import stat
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

# (variable, generator, minimum length in bytes, what it is) — the required secrets.
MIN_JWT_BYTES = 64  # PyJWT's InsecureKeyLengthWarning: at least 64 bytes for HS512
SECRETS: tuple[tuple[str, Callable[[], str], int, str], ...] = (
    (
        "POSTGRES_PASSWORD",
        lambda: secrets.token_urlsafe(32),
        16,
        "the metadata database's password",
    ),
    (
        "AIRFLOW__CORE__FERNET_KEY",
        lambda: base64.urlsafe_b64encode(os.urandom(32)).decode(),
        44,
        "the Fernet key that encrypts connections",
    ),
    ("AIRFLOW__API__SECRET_KEY", lambda: secrets.token_urlsafe(48), 32, "the API's signing key"),
    (
        "AIRFLOW__API_AUTH__JWT_SECRET",
        lambda: secrets.token_urlsafe(MIN_JWT_BYTES),
        MIN_JWT_BYTES,
        "the JWT signing secret, HS512",
    ),
    ("AIRFLOW_ADMIN_PASSWORD", lambda: secrets.token_urlsafe(18), 12, "the UI login's password"),
)
PASSWORDS_FILE = "/opt/airflow/auth/passwords.json"


def _parse(lines: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in lines:
        text = line.strip()
        if text and not text.startswith("#") and "=" in text:
            key, _, value = text.partition("=")
            values[key.strip()] = value.strip()
    return values


def fill_env(example: str, current: str | None) -> tuple[str, list[str]]:
    """The text of `.env`: `current` (or `example` when there is none) with every empty
    required secret given a fresh random value. Values already set are never changed; keys of
    `example` missing from `current` are appended with their example value (or a secret).

    Returns:
        The new text and the names of the variables that were filled in.
    """
    generators = {name: make for name, make, _, _ in SECRETS}
    lines = (current if current is not None else example).splitlines()
    filled: list[str] = []
    out: list[str] = []
    for line in lines:
        text = line.strip()
        key, sep, value = text.partition("=")
        if sep and not text.startswith("#") and key in generators and not value.strip():
            out.append(f"{key}={generators[key]()}")
            filled.append(key)
        else:
            out.append(line)
    have = _parse(out)
    missing = [(k, v) for k, v in _parse(example.splitlines()).items() if k not in have]
    if missing:
        out.append("")
        out.append("# added by scripts/stack from .env.example")
        for key, value in missing:
            if key in generators and not value:
                value = generators[key]()
                filled.append(key)
            out.append(f"{key}={value}")
    return "\n".join(out) + "\n", filled


def write_env(path: Path, example: Path) -> list[str]:
    """Create or complete `path` from `example` (mode 0600, replaced atomically)."""
    current = path.read_text(encoding="utf-8") if path.exists() else None
    text, filled = fill_env(example.read_text(encoding="utf-8"), current)
    if current == text:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)
        return filled
    fd, name = tempfile.mkstemp(prefix=".env.", dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:  # mkstemp creates it 0600
            fh.write(text)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return filled


def check_secrets(env: Mapping[str, str]) -> list[str]:
    """Problems with the required secrets, each naming the variable and what is needed."""
    problems: list[str] = []
    for name, _, minimum, what in SECRETS:
        value = env.get(name, "")
        if not value:
            problems.append(f"{name} is not set ({what}; ./scripts/stack up generates one)")
        elif name == "AIRFLOW__CORE__FERNET_KEY":
            try:
                ok = len(base64.urlsafe_b64decode(value.encode())) == 32
            except (binascii.Error, ValueError):
                ok = False
            if not ok:
                problems.append(f"{name} must be 32 url-safe base64-encoded bytes (44 characters)")
        elif len(value.encode()) < minimum:
            problems.append(
                f"{name} is {len(value.encode())} bytes; it needs {minimum} or more ({what})"
            )
    if not env.get("AIRFLOW_ADMIN_USERNAME"):
        problems.append("AIRFLOW_ADMIN_USERNAME is not set: the UI login's user name")
    return problems


def write_passwords(env: Mapping[str, str], path: str, uid: int) -> None:
    """The simple auth manager's password file: only the Airflow user may read it."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({env["AIRFLOW_ADMIN_USERNAME"]: env["AIRFLOW_ADMIN_PASSWORD"]}, fh)
    if os.geteuid() == 0:
        os.chown(tmp, uid, 0)
    tmp.replace(target)


def main(argv: list[str]) -> int:
    """`env ENV_FILE [EXAMPLE]` on the host; `init` in the airflow-init container."""
    if argv[:1] == ["env"] and len(argv) in (2, 3):
        path = Path(argv[1])
        example = Path(argv[2]) if len(argv) == 3 else path.with_name(".env.example")
        filled = write_env(path, example)
        if filled:
            print(f"{path}: new random values for {', '.join(filled)} (mode 0600)")
        else:
            print(f"{path}: every required secret already set; nothing changed")
        return 0
    if argv == ["init"]:
        problems = check_secrets(os.environ)
        if problems:
            for problem in problems:
                print(f"error: {problem} (in .env)", file=sys.stderr)
            return 2
        uid = int(os.environ.get("AIRFLOW_UID") or 50000)
        write_passwords(os.environ, os.environ.get("PASSWORDS_FILE", PASSWORDS_FILE), uid)
        print("secrets checked; admin password file written")
        return 0
    print("usage: python -m spotify_etl.stack env ENV_FILE [EXAMPLE] | init", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
