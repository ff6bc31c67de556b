"""The rule that merges the rows of every export file into `streams` (pure polars).

Two records are the same stream when they end in the same second, name the same content and
played as long: one copy stays, chosen by an order-free rule (the newest file generation, then
the larger record, then the file's hash and the record's place). Account-data records stay only
on dates without extended history; incognito records go unless kept by the setting.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from spotify_transform.schemas import STREAMS


@dataclass
class Merged:
    """Some dates' `streams` rows and what became of every record on them."""

    streams: pl.DataFrame  # the `streams` columns, sorted
    outcome: pl.DataFrame  # file_sha256, played_date, outcome (kept or a drop reason), count


def merge_streams(rows: pl.DataFrame, keep_incognito: bool) -> Merged:
    """The `streams` rows of the dates `rows` covers, from every file's rows on those dates.

    `rows` must hold every file's rows of each date it covers (the rule looks at whole dates):
    account-data records count only where no extended record ended that date, whatever became
    of that record.
    """
    extended_dates = rows.filter(pl.col("source") == "extended").select("played_date").unique()
    covered = pl.col("played_date").is_in(extended_dates["played_date"].implode())
    drop = (
        pl.when(pl.col("no_content"))
        .then(pl.lit("no_content"))
        .when(pl.lit(not keep_incognito) & pl.col("incognito_mode").fill_null(False))
        .then(pl.lit("incognito"))
        .when((pl.col("source") == "account") & covered)
        .then(pl.lit("covered_by_extended"))
    )
    rows = rows.with_columns(drop.alias("outcome"))
    candidates = rows.filter(pl.col("outcome").is_null())
    # The same stream, however many files hold it: one copy, by a total order of whole records.
    same = ["ended_at", "content_key", "ms_played"]
    ranked = candidates.sort(
        [*same, "generation", "weight", "file_sha256", "record"],
        descending=[False, False, False, True, True, False, False],
        nulls_last=True,
    )
    first = pl.int_range(pl.len()) == 0
    for k in same:
        first = first | pl.col(k).ne_missing(pl.col(k).shift(1))
    ranked = ranked.with_columns(
        pl.when(first).then(pl.lit("kept")).otherwise(pl.lit("duplicate_record")).alias("outcome")
    )
    outcome = (
        pl.concat([rows.filter(pl.col("outcome").is_not_null()), ranked])
        .group_by("file_sha256", "played_date", "outcome")
        .len("count")
        .sort("file_sha256", "played_date", "outcome")
    )
    streams = ranked.filter(pl.col("outcome") == "kept").select(STREAMS.schema.names())
    return Merged(streams, outcome)
