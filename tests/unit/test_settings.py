"""Settings: every value validated, a bad one named with what is allowed, secrets never shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from spotify_etl.settings import SettingsError, load, parse_playlists

ID = "3cEYpjA9oz9GiPac4AsH4n"


def test_load_defaults_to_local_platform_and_sample_source() -> None:
    # GIVEN an empty environment WHEN loaded
    s = load({})
    # THEN the embedded defaults apply
    assert (s.platform, s.source, s.playlists, s.max_quarantine_ratio) == (
        "local",
        "sample",
        ("me",),
        0.05,
    )


def test_load_picks_spotify_source_when_credentials_exist() -> None:
    s = load({"SPOTIPY_CLIENT_ID": "cid", "SPOTIFY_REFRESH_TOKEN": "tok"})
    assert s.source == "spotify"


def test_secrets_never_appear_in_repr() -> None:
    # GIVEN credentials
    s = load(
        {
            "SPOTIPY_CLIENT_ID": "cid",
            "SPOTIPY_CLIENT_SECRET": "very-secret",  # pragma: allowlist secret
            "SPOTIFY_REFRESH_TOKEN": "tok-secret",
        }
    )
    # THEN the settings' repr does not show them
    assert "very-secret" not in repr(s) and "tok-secret" not in repr(s)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"SPOTIFY_PIPELINE_PLATFORM": "gcp"},
            "SPOTIFY_PIPELINE_PLATFORM='gcp' is not allowed; use one of: local, aws",
        ),
        (
            {"SPOTIFY_PIPELINE_SOURCE": "file"},
            "SPOTIFY_PIPELINE_SOURCE='file' is not allowed; use one of: spotify, sample",
        ),
        (
            {"SPOTIFY_PIPELINE_SOURCE": "spotify"},
            "needs SPOTIPY_CLIENT_ID and SPOTIFY_REFRESH_TOKEN",
        ),
        (
            {"SPOTIFY_MAX_QUARANTINE_RATIO": "lots"},
            "SPOTIFY_MAX_QUARANTINE_RATIO='lots' is not allowed; use a number from 0 to 1",
        ),
        ({"SPOTIFY_MAX_QUARANTINE_RATIO": "1.5"}, "number from 0 to 1"),
        (
            {"SPOTIFY_PIPELINE_PLATFORM": "aws", "RAW_BUCKET": "b"},
            "SPOTIFY_PIPELINE_PLATFORM=aws needs CURATED_BUCKET",
        ),
        ({"SPOTIFY_API_URL": "ftp://x"}, "SPOTIFY_API_URL='ftp://x' is not an http(s) URL"),
        ({"SPOTIFY_PIPELINE_HOME": "s3://bucket"}, "SPOTIFY_PIPELINE_HOME"),
        ({"SPOTIFY_PLAYLISTS": "abc"}, "SPOTIFY_PLAYLISTS entry 'abc' is not a playlist ID"),
        (
            {"SPOTIFY_TRANSFORM_SHARDS": "0"},
            "SPOTIFY_TRANSFORM_SHARDS='0' is not allowed; use a whole number from 1 to 64",
        ),
        ({"SPOTIFY_MAX_RETRY_AFTER": "-1"}, "SPOTIFY_MAX_RETRY_AFTER='-1' is not allowed"),
        (
            {"SPOTIFY_SAMPLE_ANCHOR": "last week"},
            "SPOTIFY_SAMPLE_ANCHOR='last week' is not a date (YYYY-MM-DD)",
        ),
    ],
)
def test_load_rejects_bad_values_naming_setting(env: dict[str, str], message: str) -> None:
    # WHEN a bad value is loaded THEN the error names the setting and what is allowed
    with pytest.raises(SettingsError) as info:
        load(env)
    assert message in str(info.value)


def test_load_never_echoes_a_secret_in_errors() -> None:
    # GIVEN a secret and a bad unrelated setting
    with pytest.raises(SettingsError) as info:
        secret = "hunter2-secret"  # pragma: allowlist secret
        load({"SPOTIPY_CLIENT_SECRET": secret, "SPOTIFY_PIPELINE_PLATFORM": "x"})
    assert "hunter2-secret" not in str(info.value)


@pytest.mark.parametrize(
    "value",
    [
        ID,
        f"spotify:playlist:{ID}",
        f"https://open.spotify.com/playlist/{ID}?si=abc",
        f"https://open.spotify.com/intl-de/playlist/{ID}",
    ],
)
def test_parse_playlists_accepts_ids_uris_and_urls(value: str) -> None:
    assert parse_playlists(value) == (ID,)


def test_parse_playlists_keeps_order_and_drops_duplicates() -> None:
    other = "5ABHKGoOzxkaa28ttQV9sE"
    assert parse_playlists(f"{ID}, {other},{ID}") == (ID, other)


@pytest.mark.parametrize("value", ["", " , ", f"me,{ID}", "spotify:album:3cEYpjA9oz9GiPac4AsH4n"])
def test_parse_playlists_rejects_bad_values(value: str) -> None:
    with pytest.raises(SettingsError, match="SPOTIFY_PLAYLISTS"):
        parse_playlists(value)


def test_overrides_win_over_environment() -> None:
    s = load({"SPOTIFY_PIPELINE_SOURCE": "spotify"}, {"SPOTIFY_PIPELINE_SOURCE": "sample"})
    assert s.source == "sample"


def test_credentials_come_from_the_airflow_connection_when_the_environment_has_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN the connection spotify_default (from AIRFLOW_CONN_*) and no credentials in the env
    import json

    from spotify_etl.settings import load_in_task

    for name in (
        "SPOTIPY_CLIENT_ID",
        "SPOTIPY_CLIENT_SECRET",
        "SPOTIFY_REFRESH_TOKEN",
        "SPOTIFY_PIPELINE_SOURCE",
    ):
        monkeypatch.delenv(name, raising=False)
    conn = {
        "conn_type": "generic",
        "login": "conn-client",
        "password": "conn-secret",  # pragma: allowlist secret
        "extra": {"refresh_token": "conn-token"},
    }
    monkeypatch.setenv("AIRFLOW_CONN_SPOTIFY_DEFAULT", json.dumps(conn))
    # WHEN settings load inside a task THEN the connection supplies them
    s = load_in_task()
    assert (s.client_id, s.refresh_token, s.source) == ("conn-client", "conn-token", "spotify")
    # AND the environment wins where it is set
    monkeypatch.setenv("SPOTIPY_CLIENT_ID", "env-client")
    assert load_in_task().client_id == "env-client"


def test_no_connection_means_the_environment_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    from spotify_etl.settings import connection_credentials

    monkeypatch.delenv("AIRFLOW_CONN_SPOTIFY_DEFAULT", raising=False)
    assert connection_credentials() == {}


def test_transform_parallelism_defaults_to_two_and_nothing_reserved() -> None:
    # WHEN nothing is set THEN at most 2 invocations at once, and no reserved concurrency
    from spotify_etl.settings import load

    s = load({})
    assert (s.transform_max_parallel, s.lambda_reserved_concurrency) == (2, None)


def test_parallelism_above_the_reserved_concurrency_stops_naming_both() -> None:
    # GIVEN more parallel invocations than the function may run at once
    from spotify_etl.settings import SettingsError, load

    env = {"SPOTIFY_TRANSFORM_MAX_PARALLEL": "8", "SPOTIFY_LAMBDA_RESERVED_CONCURRENCY": "4"}
    # WHEN the settings load THEN they stop, naming both settings and the way out
    with pytest.raises(SettingsError) as err:
        load(env)
    assert str(err.value) == (
        "SPOTIFY_TRANSFORM_MAX_PARALLEL=8 is above SPOTIFY_LAMBDA_RESERVED_CONCURRENCY=4: the "
        "function may run only 4 invocations at once; lower the first or raise the second"
    )
    # AND within it they load
    assert load({**env, "SPOTIFY_TRANSFORM_MAX_PARALLEL": "4"}).transform_max_parallel == 4


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SPOTIFY_TRANSFORM_MAX_PARALLEL", "0"),
        ("SPOTIFY_TRANSFORM_MAX_PARALLEL", "2.5"),
        ("SPOTIFY_LAMBDA_RESERVED_CONCURRENCY", "many"),
    ],
)
def test_bad_parallelism_settings_name_themselves(name: str, value: str) -> None:
    from spotify_etl.settings import SettingsError, load

    with pytest.raises(SettingsError, match=name):
        load({name: value})


@pytest.mark.parametrize(
    ("shards", "parallel", "lanes"),
    [
        ("1", "2", [[0]]),
        ("5", "2", [[0, 2, 4], [1, 3]]),
        ("3", "8", [[0], [1], [2]]),
        ("64", "1", [list(range(64))]),
    ],
)
def test_plan_deals_the_shards_into_at_most_the_parallel_cap_of_lanes(
    shards: str, parallel: str, lanes: list[list[int]]
) -> None:
    # GIVEN a split transform and a cap on parallel invocations, read at run time
    from spotify_etl.pipeline.snapshot import plan

    settings = load(
        {"SPOTIFY_TRANSFORM_SHARDS": shards, "SPOTIFY_TRANSFORM_MAX_PARALLEL": parallel}
    )
    # WHEN the DAG's plan task deals them THEN no more lanes (mapped tasks, each invoking its
    # shards one after another) than the cap, and every shard exactly once
    assert plan(settings) == lanes
    assert sorted(s for lane in lanes for s in lane) == list(range(int(shards)))


def test_sample_anchor_is_a_date_or_the_runs_own() -> None:
    # GIVEN no anchor, then one WHEN loaded THEN none means "the run's date", a date is kept
    assert load({}).sample_anchor is None
    assert load({"SPOTIFY_SAMPLE_ANCHOR": "2026-11-24"}).sample_anchor == "2026-11-24"


@pytest.mark.parametrize(
    ("env", "source"),
    [
        ({}, "sample"),  # a laptop with nothing configured: the sample
        ({"SPOTIFY_PIPELINE_SOURCE": "sample", "SPOTIPY_CLIENT_ID": "x"}, "sample"),  # chosen
    ],
)
def test_the_sample_is_the_default_only_where_nothing_real_is_configured(
    env: dict[str, str], source: str
) -> None:
    assert load(env).source == source


@pytest.mark.parametrize(
    "env",
    [
        {"SPOTIPY_CLIENT_ID": "client"},  # a credential set, another missing
        {"SPOTIFY_REFRESH_TOKEN": "token"},
        {
            "SPOTIFY_PIPELINE_PLATFORM": "aws",
            **{
                n: "x"
                for n in (
                    "RAW_BUCKET",
                    "CURATED_BUCKET",
                    "ATHENA_RESULTS_BUCKET",
                    "TRANSFORM_FUNCTION",
                    "GLUE_DATABASE",
                    "GLUE_CRAWLER",
                    "ATHENA_WORKGROUP",
                )
            },
        },
    ],
)
def test_where_real_data_is_meant_a_missing_credential_stops_instead_of_the_sample(
    env: dict[str, str],
) -> None:
    with pytest.raises(SettingsError, match="SPOTIFY_PIPELINE_SOURCE=sample to use the bundled"):
        load(env)


def test_a_connection_that_cannot_be_read_is_an_error_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a secrets backend that fails when the connection is looked up
    from airflow.sdk import Connection

    from spotify_etl.settings import connection_credentials

    def broken(cls: Any, conn_id: str) -> Any:
        raise PermissionError("AccessDenied on secretsmanager:GetSecretValue")

    monkeypatch.setattr(Connection, "get", classmethod(broken))
    # THEN the lookup stops the task, naming the connection, never falling back to the sample
    with pytest.raises(SettingsError, match="cannot read the Airflow connection spotify_default"):
        connection_credentials()


def test_dotenv_is_read_where_the_environment_says_nothing(tmp_path: Path) -> None:
    from spotify_etl.settings import apply_dotenv

    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "# comment\nSPOTIPY_CLIENT_ID=from-file\nexport SPOTIFY_PLAYLISTS='me'\n"
        'SPOTIFY_REFRESH_TOKEN="tok" # trailing\nEMPTY=\nSPOTIFY_PIPELINE_PLATFORM=aws\n'
    )
    env = {"SPOTIFY_PIPELINE_PLATFORM": "local"}
    apply_dotenv(dotenv, env)
    assert env == {
        "SPOTIFY_PIPELINE_PLATFORM": "local",  # the environment wins
        "SPOTIPY_CLIENT_ID": "from-file",
        "SPOTIFY_PLAYLISTS": "me",
        "SPOTIFY_REFRESH_TOKEN": "tok",
    }


def test_the_listeners_time_zone_is_an_iana_name() -> None:
    # GIVEN a zone named explicitly THEN it is kept
    assert load({"SPOTIFY_TIMEZONE": "Europe/Berlin"}).timezone == "Europe/Berlin"
    # AND a name that is not a zone stops the run in one line naming the setting
    for bad in ("Mars/Olympus", "UTC'; DROP", "+02:00"):
        with pytest.raises(SettingsError, match=r"^SPOTIFY_TIMEZONE=.* is not an IANA time zone"):
            load({"SPOTIFY_TIMEZONE": bad})


def test_the_time_zone_defaults_to_the_machines(tmp_path: Path) -> None:
    from spotify_etl.timezones import machine_timezone

    # GIVEN TZ set THEN it wins (with or without the leading colon)
    assert load({"TZ": ":Asia/Tokyo"}).timezone == "Asia/Tokyo"
    # GIVEN /etc/localtime linking into the zone database THEN its zone is the machine's
    link = tmp_path / "localtime"
    link.symlink_to("/usr/share/zoneinfo/America/Sao_Paulo")
    assert machine_timezone({}, link) == "America/Sao_Paulo"
    # AND a TZ that names no zone falls back to the link (never an error: nobody chose it)
    assert machine_timezone({"TZ": "nowhere"}, link) == "America/Sao_Paulo"
    utc = tmp_path / "utc"
    utc.symlink_to("/usr/share/zoneinfo/Etc/UTC")
    assert machine_timezone({}, utc) == "UTC"  # Etc/UTC and its aliases read as UTC


def test_inside_airflow_the_dags_default_time_zone_is_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from spotify_etl import settings as settings_mod

    # GIVEN Airflow's default time zone and no SPOTIFY_TIMEZONE
    monkeypatch.setattr(settings_mod, "connection_credentials", lambda: {})
    monkeypatch.setattr(settings_mod, "airflow_timezone", lambda: "Europe/Paris")
    monkeypatch.delenv("SPOTIFY_TIMEZONE", raising=False)
    # THEN a task's settings use it; a SPOTIFY_TIMEZONE set still wins
    assert settings_mod.load_in_task().timezone == "Europe/Paris"
    monkeypatch.setenv("SPOTIFY_TIMEZONE", "Asia/Tokyo")
    assert settings_mod.load_in_task().timezone == "Asia/Tokyo"


def test_airflow_names_its_default_time_zone() -> None:
    from spotify_etl.timezones import airflow_timezone

    assert airflow_timezone() == "UTC"  # the test session's Airflow default
