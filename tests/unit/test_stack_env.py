"""The compose stack's secrets: made fresh, never overwritten, checked with clear messages."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from spotify_etl import stack

EXAMPLE = Path(__file__).parents[2] / ".env.example"


def test_fill_env_gives_every_empty_secret_a_fresh_value_of_adequate_length() -> None:
    # GIVEN the project's .env.example and no .env yet
    example = EXAMPLE.read_text()
    # WHEN .env is made from it, twice
    first, filled = stack.fill_env(example, None)
    second, _ = stack.fill_env(example, None)
    values = stack._parse(first.splitlines())
    # THEN every required secret is filled, passes the checks, and differs between the two
    assert filled == [name for name, *_ in stack.SECRETS]
    assert stack.check_secrets(values) == []
    assert len(values["AIRFLOW__API_AUTH__JWT_SECRET"].encode()) >= 64
    assert len(base64.urlsafe_b64decode(values["AIRFLOW__CORE__FERNET_KEY"])) == 32
    other = stack._parse(second.splitlines())
    assert all(values[n] != other[n] for n in filled)
    # AND the non-secret settings keep their example values
    # (the source follows the credentials: empty, the sample until they are set)
    assert values["AIRFLOW_UID"] == "50000" and values["SPOTIFY_PIPELINE_SOURCE"] == ""


def test_fill_env_never_changes_a_value_already_set_and_adds_missing_keys() -> None:
    # GIVEN an .env with one secret and one setting of the user's, and other keys missing
    current = (
        "AIRFLOW_UID=1000\nPOSTGRES_PASSWORD=mine-and-long-enough-123\n"  # pragma: allowlist secret
    )
    # WHEN it is completed
    text, filled = stack.fill_env(EXAMPLE.read_text(), current)
    values = stack._parse(text.splitlines())
    # THEN the user's values stand, and only the missing secrets are made
    assert values["AIRFLOW_UID"] == "1000"
    assert values["POSTGRES_PASSWORD"] == "mine-and-long-enough-123"  # pragma: allowlist secret
    assert "POSTGRES_PASSWORD" not in filled and "AIRFLOW_ADMIN_PASSWORD" in filled
    assert text.startswith(current)
    # AND completing it again changes nothing
    assert stack.fill_env(EXAMPLE.read_text(), text) == (text, [])


def test_write_env_creates_a_private_file(tmp_path: Path) -> None:
    # WHEN the quickstart writes .env
    env = tmp_path / ".env"
    stack.write_env(env, EXAMPLE)
    # THEN only its owner may read it
    assert env.stat().st_mode & 0o777 == 0o600


def test_check_secrets_names_each_missing_or_short_secret_without_its_value() -> None:
    # GIVEN secrets that are missing, short or malformed
    env = {
        "POSTGRES_PASSWORD": "short",  # pragma: allowlist secret
        "AIRFLOW__CORE__FERNET_KEY": "not-a-key",
        "AIRFLOW__API__SECRET_KEY": "x" * 32,
        "AIRFLOW__API_AUTH__JWT_SECRET": "y" * 43,  # token_urlsafe(32): the old advice
        "AIRFLOW_ADMIN_USERNAME": "admin",
    }
    # WHEN they are checked
    problems = stack.check_secrets(env)
    # THEN each problem names its variable and what is needed, never the value
    assert problems == [
        "POSTGRES_PASSWORD is 5 bytes; it needs 16 or more (the metadata database's password)",
        "AIRFLOW__CORE__FERNET_KEY must be 32 url-safe base64-encoded bytes (44 characters)",
        "AIRFLOW__API_AUTH__JWT_SECRET is 43 bytes; it needs 64 or more"
        " (the JWT signing secret, HS512)",
        "AIRFLOW_ADMIN_PASSWORD is not set (the UI login's password;"
        " ./scripts/stack up generates one)",
    ]
    assert all("not-a-key" not in p and "yyyy" not in p for p in problems)


def test_init_writes_the_password_file_only_its_owner_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a complete, valid environment
    text, _ = stack.fill_env(EXAMPLE.read_text(), None)
    for key, value in stack._parse(text.splitlines()).items():
        monkeypatch.setenv(key, value)
    target = tmp_path / "auth" / "passwords.json"
    monkeypatch.setenv("PASSWORDS_FILE", str(target))
    # WHEN the init step runs
    assert stack.main(["init"]) == 0
    # THEN the file maps the admin to the password, mode 0600
    assert target.stat().st_mode & 0o777 == 0o600
    assert target.read_text().startswith('{"admin": ')
