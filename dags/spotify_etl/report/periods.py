"""The listener's periods a report page covers (pure): a week, a calendar month or year, or all
time, and the period each is compared with.

A page covers its whole period; the lake's listening may stop inside it (the current week, month
or year). Then it is compared with the same span of the previous period (2026 to 24 Nov against
2025 to 24 Nov), so a period still under way never looks like a drop.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Kind = Literal["week", "month", "year", "all"]
KINDS: tuple[Kind, ...] = ("week", "month", "year", "all")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_NAMES = tuple(calendar.month_name[1:])
# Where nothing is compared (all time): a window no listening falls in.
NO_COMPARISON = ("1900-01-01", "1900-01-01")


@dataclass(frozen=True)
class Period:
    """One page's period: days are the listener's (SPOTIFY_TIMEZONE), ISO dates, inclusive."""

    kind: Kind
    start: str
    end: str

    @property
    def key(self) -> str:
        """The page's short key, as the SQL's `periods` table and the file layout name it."""
        if self.kind == "week":
            return f"week-{self.end}"
        if self.kind == "month":
            return f"month-{self.start[:7]}"
        if self.kind == "year":
            return f"year-{self.start[:4]}"
        return "all"

    @property
    def value(self) -> str:
        """What names the period in its folder: the week's last day, the month, the year, or
        the last day of all time."""
        return {"week": self.end, "month": self.start[:7], "year": self.start[:4]}.get(
            self.kind, self.end
        )

    @property
    def days(self) -> int:
        return (date.fromisoformat(self.end) - date.fromisoformat(self.start)).days + 1

    def title(self) -> str:
        """'18 – 24 Nov 2026', 'November 2026', '2025', 'All time'."""
        start, end = date.fromisoformat(self.start), date.fromisoformat(self.end)
        if self.kind == "month":
            return f"{MONTH_NAMES[start.month - 1]} {start.year}"
        if self.kind == "year":
            return str(start.year)
        if self.kind == "all":
            return f"All time, {short_date(start)} – {short_date(end)}"
        if start.year != end.year:
            return f"{short_date(start)} – {short_date(end)}"
        if start.month != end.month:
            return f"{start.day} {MONTHS[start.month - 1]} – {short_date(end)}"
        return f"{start.day} – {end.day} {MONTHS[end.month - 1]} {end.year}"

    def noun(self) -> str:
        """'week', 'month', 'year', 'time' (as in 'your week in music')."""
        return {"all": "years"}.get(self.kind, self.kind)

    def comparison(self, last_listen: str | None) -> tuple[str, str]:
        """The previous period's days compared with this one: the whole previous period, or,
        when the lake's listening stops inside this one, the same span of it."""
        if self.kind == "all":
            return NO_COMPARISON
        start = date.fromisoformat(self.start)
        if self.kind == "week":
            prev_start, prev_end = start - timedelta(days=7), start - timedelta(days=1)
        elif self.kind == "month":
            prev_end = start - timedelta(days=1)
            prev_start = prev_end.replace(day=1)
        else:
            prev_start, prev_end = start.replace(year=start.year - 1), start - timedelta(days=1)
        if last_listen and self.start <= last_listen < self.end:
            cut = (date.fromisoformat(last_listen) - start).days
            prev_end = min(prev_end, prev_start + timedelta(days=cut))
        return prev_start.isoformat(), prev_end.isoformat()


def short_date(day: date) -> str:
    """'24 Nov 2026'."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def period_of(kind: Kind, day: str, first_listen: str | None = None) -> Period:
    """The period of `kind` that holds `day` (a week ends on it; all time runs from the first
    listen to it)."""
    d = date.fromisoformat(day)
    if kind == "week":
        return Period("week", (d - timedelta(days=6)).isoformat(), day)
    if kind == "month":
        last = calendar.monthrange(d.year, d.month)[1]
        return Period("month", d.replace(day=1).isoformat(), d.replace(day=last).isoformat())
    if kind == "year":
        return Period("year", f"{d.year}-01-01", f"{d.year}-12-31")
    start = first_listen if first_listen and first_listen <= day else day
    return Period("all", start, day)


def periods_rows(
    periods: list[Period], last_listen: str | None
) -> list[tuple[str, str, str, str, str]]:
    """Rows of the SQL's `periods` table: key, days, and the days compared with."""
    return [(p.key, p.start, p.end, *p.comparison(last_listen)) for p in periods]
