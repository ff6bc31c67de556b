"""The only reader of the pipeline's environment: every setting, validated once, at the start of
a run. Also its only writer: `export_for_tasks` hands the command line's choices to the tasks of
an in-process DAG run, which read the environment.

A bad value raises `SettingsError` naming the setting, the value (never for secrets) and what is
allowed; the CLI prints it as one line and the DAG fails the task with it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from spotify_etl.timezones import airflow_timezone, is_zone, machine_timezone
from spotify_transform.uris import is_s3

Platform = Literal["local", "aws"]
Source = Literal["spotify", "sample"]
PLATFORMS: tuple[Platform, ...] = ("local", "aws")
SOURCES: tuple[Source, ...] = ("spotify", "sample")
AWS_NAMES = (
    "RAW_BUCKET",
    "CURATED_BUCKET",
    "ATHENA_RESULTS_BUCKET",
    "TRANSFORM_FUNCTION",
    "GLUE_DATABASE",
    "GLUE_CRAWLER",
    "ATHENA_WORKGROUP",
)
# Prices (USD) of the run's AWS cost estimate in the report; settings of the same names override.
PRICES = {
    "SPOTIFY_PRICE_ATHENA_PER_TB": 5.0,
    "SPOTIFY_PRICE_LAMBDA_PER_GB_SECOND": 0.0000166667,
    "SPOTIFY_PRICE_GLUE_PER_DPU_HOUR": 0.44,
    "SPOTIFY_PRICE_S3_PER_GB_MONTH": 0.023,
}
# Transform invocations of one run at once (the mapped shards queue behind it), when unset.
DEFAULT_MAX_PARALLEL = 2
# The API datasets the daily run can extract (SPOTIFY_DATASETS; default all).
DATASETS = ("playlists", "saved_tracks", "saved_albums", "top_items")
# SPOTIFY_DAILY_CALL_BUDGET's default: Development Mode apps were cut off with QUOTA_EXCEEDED
# after about 1,100 to 2,600 calls in a rolling 24 hours (public reports, September 2026), so
# 900 stays under the lowest figure seen with room to spare (docs/spotify.md#the-daily-quota).
DEFAULT_CALL_BUDGET = 900
_ID = re.compile(r"^[0-9A-Za-z]{22}$")
_URI = re.compile(r"^spotify:playlist:([0-9A-Za-z]{22})$")
_URL = re.compile(
    r"^https://open\.spotify\.com/(?:[a-z-]+/)?playlist/([0-9A-Za-z]{22})(?:[/?#].*)?$"
)


class SettingsError(ValueError):
    """A setting has a value that is not allowed. The message says which and what is."""


@dataclass(frozen=True)
class Settings:
    """Validated settings of one run (secrets are never part of `repr`)."""

    platform: Platform = "local"
    home: Path = Path(".lake")
    source: Source = "sample"
    playlists: tuple[str, ...] = ("me",)
    max_quarantine_ratio: float = 0.05
    max_retry_after: float = 60.0
    transform_shards: int = 1
    transform_max_parallel: int = DEFAULT_MAX_PARALLEL
    lambda_reserved_concurrency: int | None = None
    lambda_memory_mb: int = 3008
    prices: Mapping[str, float] = field(default_factory=dict)
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    redirect_uri: str | None = None
    refresh_token: str | None = field(default=None, repr=False)
    api_url: str = "https://api.spotify.com/v1/"
    accounts_url: str = "https://accounts.spotify.com/"
    aws: Mapping[str, str] = field(default_factory=dict)
    sample_anchor: str | None = None
    import_incognito: Literal["drop", "keep"] = "drop"
    datasets: tuple[str, ...] = DATASETS
    daily_call_budget: int = DEFAULT_CALL_BUDGET
    timezone: str = "UTC"


def parse_datasets(value: str) -> tuple[str, ...]:
    """`SPOTIFY_DATASETS`: which API datasets the daily run extracts (comma-separated).

    Raises:
        SettingsError: Empty, or an entry is not a dataset; the message lists the allowed ones.
    """
    items = [v.strip() for v in value.split(",") if v.strip()]
    wrong = [i for i in items if i not in DATASETS]
    if not items or wrong:
        what = f"{wrong[0]!r} is not a dataset" if wrong else "is empty"
        raise SettingsError(
            f"SPOTIFY_DATASETS {what}; use some of {', '.join(DATASETS)} (comma-separated)"
        )
    return tuple(d for d in DATASETS if d in items)


def parse_playlists(value: str) -> tuple[str, ...]:
    """`SPOTIFY_PLAYLISTS`: IDs, `spotify:playlist:` URIs or open.spotify.com URLs, or `me`.

    Raises:
        SettingsError: An entry is none of those; the message names the entry.
    """
    items = [v.strip() for v in value.split(",") if v.strip()]
    if not items:
        raise SettingsError(
            "SPOTIFY_PLAYLISTS is empty; allowed: `me`, or playlist IDs, URIs or URLs "
            "separated by commas"
        )
    if items == ["me"]:
        return ("me",)
    out: list[str] = []
    for item in items:
        m = _ID.match(item) or _URI.match(item) or _URL.match(item)
        if m is None:
            raise SettingsError(
                f"SPOTIFY_PLAYLISTS entry {item!r} is not a playlist ID (22 letters/digits), "
                "a spotify:playlist:ID URI or an https://open.spotify.com/playlist/ID URL "
                "(or use `me` alone)"
            )
        pid = m.group(1) if m.groups() else item
        if pid not in out:
            out.append(pid)
    return tuple(out)


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = env.get(name, "").strip() or default
    if value not in allowed:
        raise SettingsError(f"{name}={value!r} is not allowed; use one of: {', '.join(allowed)}")
    return value


def _number(
    env: Mapping[str, str], name: str, default: float, low: float, high: float, allowed: str
) -> float:
    """A numeric setting within [low, high]; anything else names the setting and the range."""
    text = env.get(name, "").strip() or str(default)
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:  # NaN fails every comparison
        raise SettingsError(f"{name}={text!r} is not allowed; use {allowed}")
    return value


def _url(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip() or default
    if not re.match(r"^https?://[^\s/]+", value):
        raise SettingsError(f"{name}={value!r} is not an http(s) URL")
    return value if value.endswith("/") else value + "/"


def load(
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, str | None] | None = None,
    fallbacks: Mapping[str, str] | None = None,
) -> Settings:
    """Read and validate every setting.

    Args:
        env: The environment to read (default: `os.environ`).
        overrides: Values that win over the environment, keyed by setting name
            (command-line options); None means "not given".
        fallbacks: Values used where the environment has none (the Airflow connection).

    Raises:
        SettingsError: A setting is invalid.
    """
    merged = {k: v for k, v in (fallbacks or {}).items() if v}
    merged.update({k: v for k, v in (os.environ if env is None else env).items() if v != ""})
    merged.update({k: v for k, v in (overrides or {}).items() if v is not None})

    creds = {
        "client_id": merged.get("SPOTIPY_CLIENT_ID") or None,
        "client_secret": merged.get("SPOTIPY_CLIENT_SECRET") or None,
        "redirect_uri": merged.get("SPOTIPY_REDIRECT_URI") or None,
        "refresh_token": merged.get("SPOTIFY_REFRESH_TOKEN") or None,
    }
    platform = _choice(merged, "SPOTIFY_PIPELINE_PLATFORM", PLATFORMS, "local")
    aws: dict[str, str] = {}
    if platform == "aws":
        missing = [n for n in AWS_NAMES if not merged.get(n)]
        if missing:
            raise SettingsError(
                f"SPOTIFY_PIPELINE_PLATFORM=aws needs {', '.join(missing)} "
                "(Terraform outputs; `scripts/` turns them into .env)"
            )
        aws = {n: merged[n] for n in AWS_NAMES}

    # The bundled sample is a deliberate choice wherever real data is meant: on AWS, or once any
    # credential is set (the environment, .env, the Airflow connection).
    real = platform == "aws" or bool(creds["client_id"] or creds["refresh_token"])
    source = _choice(merged, "SPOTIFY_PIPELINE_SOURCE", SOURCES, "spotify" if real else "sample")
    if source == "spotify":
        missing = [
            n
            for n, k in (
                ("SPOTIPY_CLIENT_ID", "client_id"),
                ("SPOTIFY_REFRESH_TOKEN", "refresh_token"),
            )
            if not creds[k]
        ]
        if missing:
            why = (
                "SPOTIFY_PIPELINE_SOURCE=spotify"
                if merged.get("SPOTIFY_PIPELINE_SOURCE", "").strip()
                else "the live source (the default on AWS and once a credential is set)"
            )
            raise SettingsError(
                f"{why} needs {' and '.join(missing)}; run `spotify-pipeline auth`, or set "
                "SPOTIFY_PIPELINE_SOURCE=sample to use the bundled sample deliberately"
            )

    home = merged.get("SPOTIFY_PIPELINE_HOME", "").strip() or ".lake"
    if is_s3(home):
        raise SettingsError(f"SPOTIFY_PIPELINE_HOME={home!r} must be a local folder, not an S3 URI")

    ratio = _number(merged, "SPOTIFY_MAX_QUARANTINE_RATIO", 0.05, 0, 1, "a number from 0 to 1")
    max_wait = _number(merged, "SPOTIFY_MAX_RETRY_AFTER", 60, 0, 3600, "seconds from 0 to 3600")
    shards = _number(merged, "SPOTIFY_TRANSFORM_SHARDS", 1, 1, 64, "a whole number from 1 to 64")
    memory = _number(merged, "SPOTIFY_LAMBDA_MEMORY_MB", 3008, 128, 10240, "128 to 10240")
    parallel = _number(
        merged, "SPOTIFY_TRANSFORM_MAX_PARALLEL", DEFAULT_MAX_PARALLEL, 1, 64,
        "a whole number from 1 to 64",
    )  # fmt: skip
    reserved: float | None = None
    if merged.get("SPOTIFY_LAMBDA_RESERVED_CONCURRENCY", "").strip():
        reserved = _number(
            merged, "SPOTIFY_LAMBDA_RESERVED_CONCURRENCY", 1, 1, 1000,
            "a whole number from 1 to 1000, or empty for none",
        )  # fmt: skip
    for name, value in (
        ("SPOTIFY_TRANSFORM_SHARDS", shards),
        ("SPOTIFY_LAMBDA_MEMORY_MB", memory),
        ("SPOTIFY_TRANSFORM_MAX_PARALLEL", parallel),
        ("SPOTIFY_LAMBDA_RESERVED_CONCURRENCY", reserved),
    ):
        if value is not None and value != int(value):
            raise SettingsError(f"{name} must be a whole number")
    if reserved is not None and parallel > reserved:
        # Invocations beyond the reserved concurrency are throttled, and invoke retries are off.
        raise SettingsError(
            f"SPOTIFY_TRANSFORM_MAX_PARALLEL={int(parallel)} is above "
            f"SPOTIFY_LAMBDA_RESERVED_CONCURRENCY={int(reserved)}: the function may run only "
            f"{int(reserved)} invocations at once; lower the first or raise the second"
        )
    anchor = merged.get("SPOTIFY_SAMPLE_ANCHOR", "").strip() or None
    if anchor is not None:
        try:
            anchor = date.fromisoformat(anchor).isoformat()
        except ValueError:
            raise SettingsError(
                f"SPOTIFY_SAMPLE_ANCHOR={anchor!r} is not a date (YYYY-MM-DD): the day the "
                "bundled sample's week ends on, or empty for the run's own date"
            ) from None
    incognito = _choice(merged, "SPOTIFY_IMPORT_INCOGNITO", ("drop", "keep"), "drop")
    budget = _number(
        merged, "SPOTIFY_DAILY_CALL_BUDGET", DEFAULT_CALL_BUDGET, 50, 1_000_000,
        "a whole number of calls from 50 to 1000000",
    )  # fmt: skip
    if budget != int(budget):
        raise SettingsError("SPOTIFY_DAILY_CALL_BUDGET must be a whole number")
    prices = {
        name: _number(merged, name, default, 0, float("inf"), "a price in USD (0 or more)")
        for name, default in PRICES.items()
    }
    timezone = merged.get("SPOTIFY_TIMEZONE", "").strip() or machine_timezone(merged)
    if not is_zone(timezone):
        raise SettingsError(
            f"SPOTIFY_TIMEZONE={timezone!r} is not an IANA time zone; use a name such as "
            "Europe/Berlin, America/New_York or UTC (the listener's days, hours and streaks)"
        )

    return Settings(
        platform=platform,  # type: ignore[arg-type]
        home=Path(home),
        source=source,  # type: ignore[arg-type]
        playlists=parse_playlists(merged.get("SPOTIFY_PLAYLISTS", "") or "me"),
        max_quarantine_ratio=ratio,
        max_retry_after=max_wait,
        transform_shards=int(shards),
        transform_max_parallel=int(parallel),
        lambda_reserved_concurrency=None if reserved is None else int(reserved),
        lambda_memory_mb=int(memory),
        prices=prices,
        api_url=_url(merged, "SPOTIFY_API_URL", "https://api.spotify.com/v1/"),
        accounts_url=_url(merged, "SPOTIFY_ACCOUNTS_URL", "https://accounts.spotify.com/"),
        aws=aws,
        sample_anchor=anchor,
        import_incognito=incognito,  # type: ignore[arg-type]
        datasets=parse_datasets(merged.get("SPOTIFY_DATASETS", "") or ",".join(DATASETS)),
        daily_call_budget=int(budget),
        timezone=timezone,
        **creds,
    )


CONNECTION_ID = "spotify_default"


def connection_credentials(conn_id: str = CONNECTION_ID) -> dict[str, str]:
    """Spotify credentials from the Airflow connection `spotify_default`, if it exists: login =
    client ID, password = client secret, extra `refresh_token` and `redirect_uri`.

    Raises:
        SettingsError: The connection exists but cannot be read (a secrets backend that fails,
            a connection that does not parse): never taken for "no credentials", which would
            fall back to the bundled sample.
    """
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        conn = Connection.get(conn_id)
        extra = conn.extra_dejson or {}
    except AirflowNotFoundException:  # not defined: the environment decides
        return {}
    except Exception as exc:
        raise SettingsError(
            f"cannot read the Airflow connection {conn_id} ({type(exc).__name__}: {exc}); "
            "fix or delete it"
        ) from None
    found = {
        "SPOTIPY_CLIENT_ID": conn.login,
        "SPOTIPY_CLIENT_SECRET": conn.password,
        "SPOTIFY_REFRESH_TOKEN": extra.get("refresh_token"),
        "SPOTIPY_REDIRECT_URI": extra.get("redirect_uri"),
    }
    return {k: str(v) for k, v in found.items() if v}


def load_in_task() -> Settings:
    """Settings inside an Airflow task: the environment first, then the `spotify_default`
    connection for the credentials the environment does not set, and the DAGs' default time
    zone (`[core] default_timezone`) where SPOTIFY_TIMEZONE is unset."""
    zone = airflow_timezone()
    return load(
        fallbacks={**connection_credentials(), **({"SPOTIFY_TIMEZONE": zone} if zone else {})}
    )


DOTENV = ".env"


def read_dotenv(path: Path) -> dict[str, str]:
    """The settings a `.env` file sets (`KEY=value`, `export KEY=value`, quotes, comments);
    empty values are left out, as unset."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if not text or text.startswith("#") or "=" not in text:
            continue
        key, _, value = text.removeprefix("export ").partition("=")
        value = value.strip()
        if value[:1] in ("'", '"') and value.find(value[0], 1) > 0:
            value = value[1 : value.find(value[0], 1)]  # a quoted value ends at its quote
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key.strip()) and value:
            values[key.strip()] = value
    return values


def apply_dotenv(path: Path | None = None, env: MutableMapping[str, str] | None = None) -> Path:
    """Put the settings of `.env` (in the current folder) into the environment where it has
    none: the environment wins, as with docker compose. Returns the file looked for."""
    target = os.environ if env is None else env
    path = path or Path.cwd() / DOTENV
    for key, value in read_dotenv(path).items():
        if not target.get(key):
            target[key] = value
    return path


def export_for_tasks(settings: Settings, env: MutableMapping[str, str] | None = None) -> None:
    """Write what the command line chose (options, the lake, the sample's week) into the
    environment, where the tasks of an in-process DAG run read their settings."""
    target = os.environ if env is None else env
    target["SPOTIFY_PIPELINE_SOURCE"] = settings.source
    target["SPOTIFY_PIPELINE_PLATFORM"] = settings.platform
    target["SPOTIFY_PIPELINE_HOME"] = str(settings.home.resolve())
    # The zone the command line resolved (the machine's, unless set): the in-process tasks
    # build the views with the same zone `spotify-pipeline report` reads them with.
    target["SPOTIFY_TIMEZONE"] = settings.timezone
    if settings.sample_anchor:
        target["SPOTIFY_SAMPLE_ANCHOR"] = settings.sample_anchor
