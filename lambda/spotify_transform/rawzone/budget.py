"""The call ledger behind SPOTIFY_DAILY_CALL_BUDGET: every run that calls the Web API (the daily
extract, the hourly listening pull, the command line) writes its calls per UTC minute into its
own file of the raw zone, so all of them share one rolling 24-hour count; and when Spotify
answers QUOTA_EXCEEDED, the time it gave is kept, so no run calls again before then.

Files of runs that began more than two days ago are pruned (they can no longer count). Two runs
at the same moment each see the other's calls as of its last write (a run writes at least every
`FLUSH_EVERY` calls), so together they may overshoot by that much: the budget's default leaves
room for it. Standard library only; the byte store is passed in.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Protocol

from spotify_transform.rawzone import layout
from spotify_transform.uris import relative

WINDOW = timedelta(hours=24)
KEEP = timedelta(hours=48)
FLUSH_EVERY = 10
_STAMP = "%Y%m%dT%H%M%SZ"


class LedgerStore(Protocol):
    def read(self, uri: str) -> bytes: ...
    def exists(self, uri: str) -> bool: ...
    def write(self, uri: str, data: bytes, content_type: str = ...) -> None: ...
    def list_files(self, prefix: str) -> list[str]: ...
    def delete(self, uris: list[str]) -> None: ...


def minute(at: datetime) -> str:
    """The ledger's bucket of a moment (UTC, to the minute)."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def new_key(started: datetime) -> str:
    """A run's ledger file name: its UTC start, then a random suffix."""
    return f"{started.astimezone(UTC).strftime(_STAMP)}-{uuid.uuid4().hex[:8]}"


def _started(uri: str, root: str) -> datetime | None:
    try:
        return datetime.strptime(relative(uri, root).split("-", 1)[0], _STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None


def usage(
    store: LedgerStore, raw_root: str, now: datetime, exclude: str | None = None
) -> dict[str, int]:
    """Calls per minute within the rolling window ending `now`, over every run's file but
    `exclude` (the asking run's own)."""
    root = layout.budget_runs(raw_root)
    since = minute(now - WINDOW)
    out: dict[str, int] = {}
    for uri in store.list_files(root):
        started = _started(uri, root)
        if started is None or started < now - KEEP or uri == exclude:
            continue
        try:
            minutes = json.loads(store.read(uri)).get("minutes", {})
        except (ValueError, AttributeError):
            continue  # a file being rewritten or damaged: a ledger never stops a run
        for at, calls in minutes.items():
            if str(at) > since:
                out[str(at)] = out.get(str(at), 0) + int(calls)
    return out


def write_run(
    store: LedgerStore, raw_root: str, key: str, run_id: str, minutes: Mapping[str, int]
) -> str:
    """Write (replace) one run's calls per minute; prune runs too old to count. Returns its URI."""
    uri = layout.budget_run_file(raw_root, key)
    body = {"run_id": run_id, "minutes": dict(sorted(minutes.items()))}
    store.write(uri, json.dumps(body).encode(), "application/json")
    root = layout.budget_runs(raw_root)
    now = datetime.now(UTC)
    old = [f for f in store.list_files(root) if (s := _started(f, root)) and s < now - KEEP]
    if old:
        store.delete(old)
    return uri


def quota_until(store: LedgerStore, raw_root: str) -> datetime | None:
    """Until when Spotify's quota stop holds (None: no stop recorded)."""
    uri = layout.quota_file(raw_root)
    if not store.exists(uri):
        return None
    try:
        return datetime.fromisoformat(str(json.loads(store.read(uri))["until"]))
    except (ValueError, KeyError, TypeError):
        return None


def set_quota(store: LedgerStore, raw_root: str, until: datetime, seen_at: datetime) -> None:
    """Keep Spotify's QUOTA_EXCEEDED and the time it gave, for every later run to honour."""
    body = {
        "reason": "QUOTA_EXCEEDED",
        "seen_at": seen_at.isoformat(timespec="seconds"),
        "until": until.isoformat(timespec="seconds"),
    }
    store.write(layout.quota_file(raw_root), json.dumps(body).encode(), "application/json")
