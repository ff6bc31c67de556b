"""The listener's time zone (SPOTIFY_TIMEZONE): which names are zones, this machine's zone, and
Airflow's default (standard library; `settings` reads the setting and falls back to these)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# An IANA zone name as SQL may quote it: letters, digits and _ + - / only (so the name is safe
# inside a string literal; the zone database then says whether the zone exists).
_ZONE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$")
LOCALTIME = Path("/etc/localtime")
TIMEZONE_FILE = Path("/etc/timezone")
_UTC_ALIASES = {"Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UCT", "Universal", "Zulu"}


def is_zone(name: str) -> bool:
    """Whether `name` is an IANA time zone the zone database holds."""
    if not _ZONE_NAME.fullmatch(name) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def machine_timezone(env: Mapping[str, str], localtime: Path = LOCALTIME) -> str:
    """This machine's time zone as an IANA name: `TZ` (`Europe/Berlin` or `:Europe/Berlin`),
    else the zone /etc/localtime links to, else /etc/timezone, else UTC. A value that names
    no zone is passed over (nobody chose it for the listener)."""
    candidates = [env.get("TZ", "").strip().lstrip(":")]
    with contextlib.suppress(OSError):
        if localtime.is_symlink() and "zoneinfo/" in str(localtime.resolve()):
            candidates.append(str(localtime.resolve()).split("zoneinfo/", 1)[1])
    with contextlib.suppress(OSError):
        candidates.append(TIMEZONE_FILE.read_text(encoding="utf-8").strip())
    for candidate in candidates:
        if candidate and is_zone(candidate):
            return "UTC" if candidate in _UTC_ALIASES else candidate
    return "UTC"


def airflow_timezone() -> str | None:
    """The DAGs' default time zone (`[core] default_timezone`), as an IANA name, or None."""
    try:
        from airflow.settings import TIMEZONE
    except ImportError:  # pragma: no cover - only called inside Airflow tasks
        return None
    name = str(getattr(TIMEZONE, "name", "") or "")
    return "UTC" if name.lower() == "utc" else name or None
