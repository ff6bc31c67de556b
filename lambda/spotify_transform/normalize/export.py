"""One Spotify data export file → normalised stream rows (pure polars: bytes in, frames out).

Its records are parsed with an explicit schema that leaves the personal fields (IP address, user
name, user agent) out, so they are never even read; a record without a readable time goes to
quarantine; every other record becomes one row, flagged when it names no content. Pretty-printed
files are cut at record boundaries and parsed in pieces on a thread pool. The rows carry what
the merge (`streams`) needs to pick one copy of a stream: the content key, the file's
generation, the record's weight, the file and the record's place.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import polars as pl

from spotify_transform.rawzone.export import ACCOUNT_PODCAST, EXTENDED, generation
from spotify_transform.schemas import IMPORT_QUARANTINE, STREAMS

S, I64, B = pl.String(), pl.Int64(), pl.Boolean()
TIMESTAMP = pl.Datetime("ms", "UTC")
# Extended streaming history, all generations: the fields a listener uses. Personal fields are
# not named, so the reader skips them unbuilt.
EXTENDED_SCHEMA = pl.Schema(
    {
        "ts": S,
        "platform": S,
        "ms_played": I64,
        "conn_country": S,
        "master_metadata_track_name": S,
        "master_metadata_album_artist_name": S,
        "master_metadata_album_album_name": S,
        "spotify_track_uri": S,
        "episode_name": S,
        "episode_show_name": S,
        "spotify_episode_uri": S,
        "audiobook_title": S,
        "audiobook_uri": S,
        "audiobook_chapter_uri": S,
        "audiobook_chapter_title": S,
        "reason_start": S,
        "reason_end": S,
        "shuffle": B,
        "skipped": B,
        "offline": B,
        "offline_timestamp": I64,
        "incognito_mode": B,
    }
)
ACCOUNT_SCHEMA = pl.Schema(
    {
        "endTime": S,
        "artistName": S,
        "trackName": S,
        "podcastName": S,
        "episodeName": S,
        "msPlayed": I64,
    }
)
# A normalised file: the `streams` columns, then what the merge needs.
ROWS_SCHEMA = pl.Schema(
    {
        **STREAMS.schema,
        "content_key": S,
        "no_content": B,
        "generation": I64,
        "weight": I64,
        "file_sha256": S,
        "record": I64,
    }
)
QUARANTINE_SCHEMA = IMPORT_QUARANTINE.schema
# Pretty-printed arrays (as Spotify writes them) separate records with exactly this: a string
# cannot hold a newline, and nested objects are indented deeper.
RECORD_BREAK = b"\n  },\n  {"
PIECE_BYTES = 4 * 1024 * 1024
OFFLINE_MS_FROM = 100_000_000_000  # offline_timestamp at or above: milliseconds (else seconds)
_pool: ThreadPoolExecutor | None = None


class BadFile(Exception):
    """A file that cannot be read as an array of records; `reason` is bad_json or bad_shape."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass
class FileRows:
    """One export file normalised: its rows, its quarantined records and counts."""

    rows: pl.DataFrame
    quarantine: pl.DataFrame
    records_read: int
    generation: int


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="export")
    return _pool


def split_records(data: bytes, piece_bytes: int = PIECE_BYTES) -> list[bytes]:
    """A pretty-printed JSON array cut into valid arrays of whole records, about `piece_bytes`
    each, in order; any other layout is one piece."""
    pieces: list[bytes] = []
    start = 0
    while len(data) - start > piece_bytes:
        cut = data.find(RECORD_BREAK, start + piece_bytes)
        if cut < 0:
            break
        head = (
            data[start:cut] + b"\n  }\n]"
            if start == 0
            else b"[\n  {" + data[start:cut] + b"\n  }\n]"
        )
        pieces.append(head)
        start = cut + len(RECORD_BREAK)
    pieces.append(data if start == 0 else b"[\n  {" + data[start:])
    return pieces


def _read(piece: bytes, schema: pl.Schema) -> pl.DataFrame:
    return pl.read_json(piece, schema=schema)


def _shape_of(data: bytes) -> None:
    """Raise `BadFile` unless the bytes are a JSON array of objects."""
    head = data.lstrip()[:1]
    if head != b"[":
        try:
            json.loads(data)
        except ValueError as exc:
            raise BadFile("bad_json", f"not valid JSON: {exc}") from None
        raise BadFile("bad_shape", "not a JSON array of records")


def read_records(data: bytes, schema: pl.Schema) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(records, records whose values have the wrong type) of a file, with a `record` index.

    The fast path reads every piece with the typed schema; a file with a value of another type
    (a string where a number belongs) is read again as text and cast, and the records that do
    not cast are returned apart.

    Raises:
        BadFile: Not JSON, or not an array of objects.
    """
    _shape_of(data)
    pieces = split_records(data)
    try:
        frames = (
            list(_executor().map(_read, pieces, [schema] * len(pieces)))
            if len(pieces) > 1
            else [_read(pieces[0], schema)]
        )
        frame = pl.concat(frames, rechunk=False) if len(frames) > 1 else frames[0]
        return frame.with_row_index("record").with_columns(pl.col("record").cast(I64)), _none()
    except pl.exceptions.ComputeError as exc:
        if "error deserializing value" not in str(exc):
            try:
                json.loads(data)
            except ValueError as not_json:
                raise BadFile("bad_json", f"not valid JSON: {not_json}") from None
            raise BadFile("bad_shape", f"unexpected shape: {str(exc).splitlines()[0]}") from None
    text = pl.read_json(data, schema=pl.Schema({k: S for k in schema}))
    text = text.with_row_index("record").with_columns(pl.col("record").cast(I64))
    cast = text.select("record", *(_from_text(k, t) for k, t in schema.items()))
    broken = text.select(
        pl.any_horizontal(
            pl.col(k).is_not_null() & cast[k].is_null() for k, t in schema.items() if t != S
        )
    ).to_series()
    return cast.filter(~broken), text.filter(broken)


def _from_text(name: str, dtype: pl.DataType) -> pl.Expr:
    """A column read as text, as its type: a value that is not one becomes NULL."""
    col = pl.col(name)
    if dtype == B:
        lowered = col.str.to_lowercase()
        return (
            pl.when(lowered == "true").then(True).when(lowered == "false").then(False).alias(name)
        )
    return col.cast(dtype, strict=False) if dtype != S else col


def _none() -> pl.DataFrame:
    return pl.DataFrame(schema={"record": I64})


def _id(uri: pl.Expr, kind: str) -> pl.Expr:
    prefix = f"spotify:{kind}:"
    return pl.when(uri.str.starts_with(prefix)).then(uri.str.strip_prefix(prefix))


def _extended(frame: pl.DataFrame) -> pl.DataFrame:
    track_uri, episode_uri = pl.col("spotify_track_uri"), pl.col("spotify_episode_uri")
    track_name = pl.col("master_metadata_track_name")
    episode_name = pl.col("episode_name")
    book = pl.any_horizontal(
        pl.col(c).is_not_null()
        for c in (
            "audiobook_title",
            "audiobook_uri",
            "audiobook_chapter_uri",
            "audiobook_chapter_title",
        )
    )
    content_type = (
        pl.when(
            track_uri.str.starts_with("spotify:track:")
            | (track_uri.is_null() & track_name.is_not_null())
        )
        .then(pl.lit("track"))
        .when(episode_uri.is_not_null() | episode_name.is_not_null())
        .then(pl.lit("episode"))
        .when(book)
        .then(pl.lit("audiobook"))
        .otherwise(pl.lit("unknown"))
    )
    no_content = (
        ~pl.any_horizontal(
            c.is_not_null() for c in (track_uri, track_name, episode_uri, episode_name)
        )
        & ~book
    )
    offline = pl.col("offline_timestamp")
    offline_ms = pl.when(offline >= OFFLINE_MS_FROM).then(offline).otherwise(offline * 1000)
    key = pl.coalesce(
        track_uri,
        episode_uri,
        pl.col("audiobook_chapter_uri"),
        pl.col("audiobook_uri"),
        pl.concat_str(
            [track_name, pl.col("master_metadata_album_artist_name"), episode_name,
             pl.col("episode_show_name"), pl.col("audiobook_title")],
            separator="\x1f", ignore_nulls=True,
        ),
    )  # fmt: skip
    return frame.select(
        pl.col("ts").str.to_datetime("%Y-%m-%dT%H:%M:%SZ", strict=False, time_unit="ms")
        .dt.replace_time_zone("UTC").alias("ended_at"),
        "ms_played",
        content_type.alias("content_type"),
        _id(track_uri, "track").alias("track_id"),
        track_name.alias("track_name"),
        pl.col("master_metadata_album_artist_name").alias("artist_name"),
        pl.col("master_metadata_album_album_name").alias("album_name"),
        _id(episode_uri, "episode").alias("episode_id"),
        episode_name.alias("episode_name"),
        pl.col("episode_show_name").alias("show_name"),
        "audiobook_title",
        "audiobook_chapter_title",
        "platform",
        "conn_country",
        "reason_start",
        "reason_end",
        "shuffle",
        "skipped",
        "offline",
        pl.when(offline > 0).then(offline_ms).cast(pl.Datetime("ms")).dt.replace_time_zone("UTC")
        .alias("offline_at"),
        "incognito_mode",
        pl.lit("extended").alias("source"),
        key.alias("content_key"),
        no_content.alias("no_content"),
        "record",
    )  # fmt: skip


def _account(frame: pl.DataFrame, podcast: bool) -> pl.DataFrame:
    names = ("podcastName", "episodeName") if podcast else ("artistName", "trackName")
    key = pl.concat_str(
        [pl.lit("p:" if podcast else "t:"), pl.col(names[0]), pl.col(names[1])],
        separator="\x1f", ignore_nulls=True,
    )  # fmt: skip
    none_s, none_b = pl.lit(None, S), pl.lit(None, B)
    return frame.select(
        pl.col("endTime").str.to_datetime("%Y-%m-%d %H:%M", strict=False, time_unit="ms")
        .dt.replace_time_zone("UTC").alias("ended_at"),
        pl.col("msPlayed").alias("ms_played"),
        pl.lit("episode" if podcast else "track").alias("content_type"),
        none_s.alias("track_id"),
        (none_s if podcast else pl.col("trackName")).alias("track_name"),
        (none_s if podcast else pl.col("artistName")).alias("artist_name"),
        none_s.alias("album_name"),
        none_s.alias("episode_id"),
        (pl.col("episodeName") if podcast else none_s).alias("episode_name"),
        (pl.col("podcastName") if podcast else none_s).alias("show_name"),
        none_s.alias("audiobook_title"),
        none_s.alias("audiobook_chapter_title"),
        none_s.alias("platform"),
        none_s.alias("conn_country"),
        none_s.alias("reason_start"),
        none_s.alias("reason_end"),
        none_b.alias("shuffle"),
        none_b.alias("skipped"),
        none_b.alias("offline"),
        pl.lit(None, TIMESTAMP).alias("offline_at"),
        none_b.alias("incognito_mode"),
        pl.lit("account").alias("source"),
        key.alias("content_key"),
        (pl.col(names[0]).is_null() & pl.col(names[1]).is_null()).alias("no_content"),
        "record",
    )  # fmt: skip


def first_keys(data: bytes) -> list[str]:
    """The keys of a file's first record (its generation shows there), read from its start."""
    end = data.find(RECORD_BREAK)
    head = data[: end + 4] + b"]" if end > 0 else data
    try:
        records = json.loads(head)
    except ValueError:
        try:
            records = json.loads(data)
        except ValueError:
            return []
    return (
        list(records[0])
        if isinstance(records, list) and records and isinstance(records[0], dict)
        else []
    )


def normalize_file(data: bytes, path: str, kind: str, sha256: str) -> FileRows:
    """One export file → its rows and quarantined records.

    Raises:
        BadFile: The file is not a JSON array of records (it is quarantined whole).
    """
    from spotify_transform.rawzone.export import base_name

    schema = EXTENDED_SCHEMA if kind == EXTENDED else ACCOUNT_SCHEMA
    records, wrong = read_records(data, schema)
    gen = generation(base_name(path), first_keys(data) if kind == EXTENDED else [])
    rows = _extended(records) if kind == EXTENDED else _account(records, kind == ACCOUNT_PODCAST)
    timeless = rows.filter(pl.col("ended_at").is_null())
    rows = rows.filter(pl.col("ended_at").is_not_null())
    streams_columns = [c for c in STREAMS.schema.names() if c not in ("source_file", "played_date")]
    weight = pl.sum_horizontal(pl.col(c).is_not_null().cast(I64) for c in streams_columns)
    rows = rows.with_columns(
        pl.lit(base_name(path)).alias("source_file"),
        pl.col("ended_at").dt.date().cast(S).alias("played_date"),
        pl.lit(gen, I64).alias("generation"),
        weight.alias("weight"),
        pl.lit(sha256).alias("file_sha256"),
    ).select(ROWS_SCHEMA.names())
    time_field = "ts" if kind == EXTENDED else "endTime"
    quarantine = pl.concat(
        [
            _quarantined(records.join(timeless.select("record"), on="record"), path, sha256,
                         "bad_timestamp", time_field),
            _quarantined(wrong, path, sha256, "bad_shape", None),
        ]
    )  # fmt: skip
    return FileRows(
        rows.cast(ROWS_SCHEMA),  # type: ignore[arg-type]
        quarantine,
        records.height + wrong.height,
        gen,
    )


def _quarantined(
    bad: pl.DataFrame, path: str, sha256: str, reason: str, field: str | None
) -> pl.DataFrame:
    if bad.is_empty():
        return QUARANTINE_SCHEMA.to_frame(eager=True)
    fields = [c for c in bad.columns if c != "record"]
    detail = (
        pl.format(f"{field} is {{}}", pl.col(field).cast(S).fill_null("missing"))
        if field
        else pl.lit("a value of the wrong type")
    )
    return bad.select(
        pl.lit(path).alias("source_file"),
        pl.lit(sha256).alias("file_sha256"),
        "record",
        pl.lit(reason).alias("reason"),
        detail.alias("detail"),
        pl.struct(fields).struct.json_encode().alias("payload"),
    ).cast(QUARANTINE_SCHEMA)  # type: ignore[arg-type]


def quarantined_file(path: str, sha256: str, error: BadFile) -> pl.DataFrame:
    """The quarantine row of a whole bad file (its bytes stay in the raw zone)."""
    return pl.DataFrame(
        [[path, sha256, None, error.reason, error.detail, None]],
        schema=QUARANTINE_SCHEMA,
        orient="row",
    )
