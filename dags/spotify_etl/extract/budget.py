"""SPOTIFY_DAILY_CALL_BUDGET at work: how many Web API calls an extract may still make, and a
`Source` that spends from it.

The count is the raw zone's ledger (`spotify_transform.rawzone.budget`), shared by every run and
DAG over a rolling 24 hours. Before each call the budgeted source checks the budget; a call it
cannot afford, or Spotify's QUOTA_EXCEEDED, raises `OutOfBudget` with the time calls are possible
again, and the extractor records the rest `deferred` (never dropped). A run keeps `reserve` calls
for the hourly listening pull, which goes first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from spotify_etl.spotify.responses import QuotaExceeded, Response, Source
from spotify_transform.rawzone import budget as ledger
from spotify_transform.rawzone.records import BudgetRecord
from spotify_transform.storage import ByteStore

# Calls a daily extract leaves for the listening pulls of the next 24 hours (one an hour).
LISTENING_RESERVE = 24


class OutOfBudget(Exception):
    """No call may be made now: the budget is spent, or Spotify's quota stop holds.

    Attributes:
        resume_at: When calls are possible again (UTC).
        quota: Spotify answered QUOTA_EXCEEDED (rather than our own budget running out).
    """

    def __init__(self, message: str, resume_at: datetime, quota: bool = False) -> None:
        super().__init__(message)
        self.resume_at = resume_at
        self.quota = quota


class CallBudget:
    """What one run may spend of the rolling budget, and its share of the ledger.

    Args:
        store, raw_root: The raw zone holding the ledger.
        limit: SPOTIFY_DAILY_CALL_BUDGET.
        run_id: Recorded beside the run's calls.
        reserve: Calls this run must leave unspent (the listening pulls' share).
        clock: Now, in UTC (tests pass their own).
    """

    def __init__(
        self,
        store: ByteStore,
        raw_root: str,
        limit: int,
        run_id: str,
        *,
        reserve: int = 0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store, self.raw_root, self.limit, self.run_id = store, raw_root, limit, run_id
        self.reserve, self._clock = reserve, clock
        now = clock()
        self.key = ledger.new_key(now)
        self.others = ledger.usage(store, raw_root, now)
        self.quota_until = ledger.quota_until(store, raw_root)
        self.available = max(0, limit - sum(self.others.values()))
        self.quota_exceeded = False
        self.spent = 0
        self.deferred = 0
        self._minutes: dict[str, int] = {}
        self._unsaved = 0

    def _quota_holds(self) -> bool:
        return self.quota_until is not None and self._clock() < self.quota_until

    def affords(self, calls: int = 1) -> bool:
        """Whether `calls` more fit (the quota stop, the budget, the reserve)."""
        return not self._quota_holds() and self.spent + calls <= self.available - self.reserve

    def resume_at(self, calls: int = 1) -> datetime:
        """When `calls` calls fit again: the quota stop's end, or when enough of the window's
        calls have aged out of it."""
        if self._quota_holds():
            assert self.quota_until is not None
            return self.quota_until
        used = dict(self.others)
        for at, n in self._minutes.items():
            used[at] = used.get(at, 0) + n
        excess = sum(used.values()) + calls + self.reserve - self.limit
        now = self._clock()
        for at in sorted(used):
            if excess <= 0:
                break
            excess -= used[at]
            now = datetime.fromisoformat(at).replace(tzinfo=UTC) + ledger.WINDOW
        return (now + timedelta(minutes=1)).replace(second=0, microsecond=0)

    def charge(self, calls: int) -> None:
        """Count calls just made (written to the ledger every `FLUSH_EVERY` calls)."""
        if calls <= 0:
            return
        at = ledger.minute(self._clock())
        self._minutes[at] = self._minutes.get(at, 0) + calls
        self.spent += calls
        self._unsaved += calls
        if self._unsaved >= ledger.FLUSH_EVERY:
            self.save()

    def hit_quota(self, retry_after: float) -> datetime:
        """Spotify said QUOTA_EXCEEDED: keep the stop for every run; return its end."""
        now = self._clock()
        self.quota_until = now + timedelta(seconds=max(retry_after, 60))
        self.quota_exceeded = True
        ledger.set_quota(self.store, self.raw_root, self.quota_until, now)
        return self.quota_until

    def save(self) -> None:
        """Write this run's calls to the ledger (also when it ends)."""
        if self._minutes:
            ledger.write_run(self.store, self.raw_root, self.key, self.run_id, self._minutes)
        self._unsaved = 0

    def record(self, resume_at: datetime | None = None) -> BudgetRecord:
        """What the manifest says of the budget."""
        when = resume_at.isoformat(timespec="seconds") if resume_at is not None else None
        return BudgetRecord(
            limit=self.limit,
            available=max(0, self.available - self.reserve),
            spent=self.spent,
            deferred=self.deferred,
            resume_at=when,
            quota_exceeded=self.quota_exceeded,
        )


class BudgetedSource:
    """A `Source` that asks the budget before each call and charges it after.

    Raises (from every request):
        OutOfBudget: The call does not fit, or Spotify answered QUOTA_EXCEEDED.
    """

    def __init__(self, inner: Source, budget: CallBudget) -> None:
        self.inner, self.budget = inner, budget
        self.name = inner.name

    @property
    def api_calls(self) -> int:
        return self.inner.api_calls

    @property
    def throttled(self) -> int:
        return self.inner.throttled

    def _spend(self, what: str, request: Callable[[], Response], calls: int = 1) -> Response:
        if not self.budget.affords(calls):
            raise OutOfBudget(
                f"{what}: the call budget is spent", self.budget.resume_at(calls), quota=False
            )
        before = self.inner.api_calls
        try:
            return request()
        except QuotaExceeded as exc:
            until = self.budget.hit_quota(exc.retry_after)
            raise OutOfBudget(f"{what}: {exc}", until, quota=True) from None
        finally:
            self.budget.charge(self.inner.api_calls - before)

    def me(self) -> Response:
        return self._spend("GET /me", self.inner.me)

    def my_playlists(self) -> list[Response]:
        """Every listing page; affordable only as a whole (its pages are estimated by the
        caller through `affords`)."""
        if not self.budget.affords(1):
            raise OutOfBudget(
                "GET /me/playlists: the call budget is spent", self.budget.resume_at(), False
            )
        before = self.inner.api_calls
        try:
            return self.inner.my_playlists()
        except QuotaExceeded as exc:
            until = self.budget.hit_quota(exc.retry_after)
            raise OutOfBudget(f"GET /me/playlists: {exc}", until, quota=True) from None
        finally:
            self.budget.charge(self.inner.api_calls - before)

    def playlist(self, playlist_id: str) -> Response:
        return self._spend(f"playlist {playlist_id}", lambda: self.inner.playlist(playlist_id))

    def items_page(self, playlist_id: str, offset: int, limit: int) -> Response:
        return self._spend(
            f"playlist {playlist_id} items at {offset}",
            lambda: self.inner.items_page(playlist_id, offset, limit),
        )

    def recently_played(self, after_ms: int | None) -> Response:
        return self._spend(
            "GET /me/player/recently-played", lambda: self.inner.recently_played(after_ms)
        )

    def saved_page(self, dataset: str, offset: int, limit: int) -> Response:
        return self._spend(
            f"{dataset} at {offset}", lambda: self.inner.saved_page(dataset, offset, limit)
        )

    def top_items(self, kind: str, time_range: str, limit: int) -> Response:
        return self._spend(
            f"top {kind} {time_range}", lambda: self.inner.top_items(kind, time_range, limit)
        )
