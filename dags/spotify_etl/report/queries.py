"""The report's queries (pure): a page's sections each come from one query, so a refresh runs a
handful of them at once instead of one per figure (Athena bills each query at least 10 MB).

A section's query is the UNION ALL of the report templates it shows (`sql/reports/*.sql`, the
single-date queries Terraform also saves in Athena), each wrapped so that every row says which
template it comes from (`part`) and carries its values as text in the columns c0, c1, …. The
listening of the pages' periods comes from `sql/periods/*.sql`, which take every page's period
at once (`{{ periods }}`): one scan of `listening` serves the week, every year and all time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from spotify_etl import sql
from spotify_transform.tables import SNAPSHOT_TABLES


@dataclass(frozen=True)
class Section:
    """One query of the page: `parts` are (part, template, columns the template returns)."""

    name: str
    parts: tuple[tuple[str, str, int], ...]

    @property
    def width(self) -> int:
        return max(n for _, _, n in self.parts)

    @property
    def label(self) -> str:
        """'playlists (playlists_on_date, item_kinds, …)': names every template it runs."""
        return f"{self.name} ({', '.join(t for _, t, _ in self.parts)})"


# The snapshot's sections: the playlists on the date and their four weeks, the library.
PLAYLISTS = Section("playlists", (
    ("now", "playlists_on_date", 13), ("kind", "item_kinds", 3),
    ("change", "changes_summary", 3), ("artist", "leaderboard_top10", 5),
    ("decade", "release_decades", 2),
))  # fmt: skip
HISTORY = Section("playlist_history", (
    ("date", "playlist_dates", 1), ("size", "playlist_sizes", 5),
    ("day", "changes_per_day", 3), ("event", "playlist_events", 15),
))  # fmt: skip
LIBRARY = Section("library", (
    ("total", "library_totals", 2), ("liked_day", "liked_per_day", 2),
    ("liked", "liked_recent", 4), ("album", "saved_albums_recent", 4),
    ("top", "top_items_on_date", 5),
))  # fmt: skip
# The long view, all of `listening` up to the date (every page cuts it at its own end).
LONG_VIEW = Section("long_view", (
    ("month", "listening_months", 3), ("year_artist", "top_artists_years", 7),
    ("first", "first_listens_years", 8),
))  # fmt: skip
BOUNDS = "listening_bounds"
PERIOD_QUERIES = ("listening", "top")


def wrap(part: str, text: str, columns: int, width: int) -> str:
    """A query's rows as (part, c0 … c{width-1}), every value as text."""
    names = ", ".join(f"c{i}" for i in range(columns))
    values = [f"CAST(q.c{i} AS varchar) AS c{i}" for i in range(columns)]
    values += [f"CAST(NULL AS varchar) AS c{i}" for i in range(columns, width)]
    return f"SELECT '{part}' AS part, {', '.join(values)}\nFROM (\n{text}\n) AS q({names})"


def section_sql(section: Section, snapshot_date: str, time_zone: str) -> str:
    """The section's one query for a date (its templates, rendered and joined)."""
    return "\nUNION ALL\n".join(
        wrap(
            part,
            sql.render(
                sql.load(f"reports/{template}.sql"),
                snapshot_date=snapshot_date,
                time_zone=time_zone,
            ),
            columns,
            section.width,
        )
        for part, template, columns in section.parts
    )


def health_sql(
    snapshot_date: str,
    expected_playlists: int | None,
    expected_library: dict[str, int] | None,
) -> tuple[str, int]:
    """Rows per snapshot table, quarantined entries by reason and the data-quality checks of
    the run's `check` task, as one query; returns it and how many checks it runs."""
    day = sql.render("{{ d }}", d=snapshot_date)
    counts = [
        f"SELECT '{table}' AS c0, count(*) AS c1 FROM {table} WHERE snapshot_date = '{day}'"
        for table in SNAPSHOT_TABLES
    ]
    checks = sql.key_checks(day, expected_playlists, expected_library, ordered=False)
    quarantine = sql.render(sql.load("reports/quarantine_reasons.sql"), snapshot_date=day)
    query = "\nUNION ALL\n".join(
        [
            *(wrap("rows", text, 2, 4) for text in counts),
            wrap("quarantine", quarantine, 2, 4),
            wrap("check", checks, 4, 4),
        ]
    )
    return query, checks.count("\nUNION ALL\n") + 1


def periods_sql(name: str, periods: Sequence[Sequence[str]]) -> str:
    """`sql/periods/<name>.sql` for every page's period at once."""
    return sql.render(sql.load(f"periods/{name}.sql"), periods=periods)
