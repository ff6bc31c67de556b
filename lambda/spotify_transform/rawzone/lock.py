"""One writer per snapshot date: a lease in the raw zone that an extract holds while it writes.

Two extracts of one date at once (the command line and the DAG) would each stage the date and
the second would delete the first's staging, leaving a half-replaced date with nothing to
repair it from. So an extract first creates `_writers/snapshot_date=D.json` (a conditional
create: of two racing runs exactly one wins), renews it as it goes and removes it at the end.

- Another run finding the lease is refused with a message naming the holder and when it lapses.
- The same run (an Airflow retry of the task, which keeps its run ID) takes its lease back.
- A lease not renewed for `LEASE` (its holder was killed) lapses and the next run takes it
  over. The takeover deletes then creates: two runs taking over one lapsed lease within the
  same few milliseconds could both proceed (documented, not prevented).

Standard library only; the byte store is passed in.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from spotify_transform.rawzone import layout
from spotify_transform.storage import ByteStore, StorageError

# A holder renews at least this often while it works…
RENEW_EVERY = timedelta(minutes=5)
# …and a lease not renewed for this long has lost its holder.
LEASE = timedelta(minutes=30)


class DateBeingWritten(StorageError):
    """Another run is extracting the date; the message names it and when its lease lapses."""


class Lease:
    """The lease one run holds on a date (renew it while working)."""

    def __init__(
        self, store: ByteStore, uri: str, run_id: str, clock: Callable[[], datetime]
    ) -> None:
        self.store, self.uri, self.run_id, self._clock = store, uri, run_id, clock
        self._renewed = datetime.min.replace(tzinfo=UTC)

    def body(self) -> bytes:
        now = self._clock()
        return json.dumps(
            {
                "run_id": self.run_id,
                "host": socket.gethostname(),
                "pid": os.getpid(),
                "renewed_at": now.isoformat(timespec="seconds"),
                "expires_at": (now + LEASE).isoformat(timespec="seconds"),
            }
        ).encode()

    def renew(self, force: bool = False) -> None:
        """Push the lease's end out again (at most once per `RENEW_EVERY` unless forced)."""
        now = self._clock()
        if force or now - self._renewed >= RENEW_EVERY:
            self.store.write(self.uri, self.body(), "application/json")
            self._renewed = now


def _holder(store: ByteStore, uri: str) -> dict[str, Any] | None:
    try:
        held = json.loads(store.read(uri))
    except StorageError:
        return None  # released between our create and this read
    except ValueError:
        return {}  # unreadable: treated as lapsed
    return held if isinstance(held, dict) else {}


def _lapsed(held: dict[str, Any], now: datetime) -> bool:
    try:
        return datetime.fromisoformat(str(held["expires_at"])) <= now
    except (KeyError, ValueError):
        return True


@contextmanager
def writer(
    store: ByteStore,
    raw_root: str,
    snapshot_date: str,
    run_id: str,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Iterator[Lease]:
    """Hold the date's writer lease for the body of the `with`.

    Raises:
        DateBeingWritten: Another run holds a live lease on the date.
    """
    uri = layout.writer_lock(raw_root, snapshot_date)
    lease = Lease(store, uri, run_id, clock)
    for _ in range(3):  # a lease released or lapsed while we looked: look again
        if store.create(uri, lease.body()):
            break
        held = _holder(store, uri)
        if held is None:
            continue
        if held.get("run_id") == run_id or _lapsed(held, clock()):
            store.delete([uri])
            continue
        raise DateBeingWritten(
            f"snapshot date {snapshot_date} is being extracted by run {held.get('run_id')!r} "
            f"(host {held.get('host')}, pid {held.get('pid')}, lease renewed "
            f"{held.get('renewed_at')}); wait for it to finish, or, if it is no longer running, "
            f"its lease lapses at {held.get('expires_at')} (or delete {uri})"
        )
    else:  # three races lost in a row
        raise DateBeingWritten(f"snapshot date {snapshot_date}: could not take {uri}; try again")
    lease._renewed = clock()
    try:
        yield lease
    finally:
        held = _holder(store, uri)
        if held is not None and held.get("run_id") == run_id:
            store.delete([uri])
