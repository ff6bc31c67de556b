"""`spotify-pipeline`: the argument parser (which documents every option in --help) and the
entry point, which turns every error a user can meet into one line and an exit code.

    spotify-pipeline run [--date D] [--source sample|spotify] [--platform local|aws] [--dag ID]
    spotify-pipeline extract --date D [--source sample|spotify] [--playlist ID ...] [--out RAW]
    spotify-pipeline transform --date D [--raw RAW] [--out CURATED]
    spotify-pipeline query "SQL" | --file F.sql [--max-rows N] [--json]
    spotify-pipeline tables [--json]
    spotify-pipeline report [--period week|month|year|all] [--date D] [--open]
    spotify-pipeline auth [--no-browser]

A user error prints one line (`error: …`) and exits 2; a failed run or step exits 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from spotify_etl.cli.commands import (
    UserError,
    cmd_auth,
    cmd_extract,
    cmd_import,
    cmd_query,
    cmd_report,
    cmd_run,
    cmd_tables,
    cmd_transform,
    today,
)
from spotify_etl.cli.output import strip_ansi
from spotify_etl.cli.runner import DAG_IDS  # light: Airflow is imported only when a DAG runs

EXIT_FAILED = 1
EXIT_USAGE = 2


def _date(value: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of 0 or more")
    return number


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also documents every option in --help)."""
    parser = argparse.ArgumentParser(
        prog="spotify-pipeline",
        description="Spotify playlists into a queryable lake: local (DuckDB) or AWS (Athena).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser, *, source: bool = False) -> None:
        if source:
            p.add_argument(
                "--source", choices=["sample", "spotify"],
                help="sample (bundled responses) or spotify (live API); "
                "default: SPOTIFY_PIPELINE_SOURCE",
            )  # fmt: skip
        p.add_argument(
            "--platform", choices=["local", "aws"],
            help="default: SPOTIFY_PIPELINE_PLATFORM (local)",
        )  # fmt: skip

    run = sub.add_parser("run", help="run the whole DAG in-process (Airflow, local database)")
    run.add_argument(
        "--date",
        type=_date,
        help="run the DAG for this one date; default: the sample's whole week up to today "
        "(its listening history and daily snapshot, day by day), or today with Spotify",
    )
    common(run, source=True)
    run.add_argument("-v", "--verbose", action="store_true", help="show Airflow's task logs")
    run.add_argument(
        "--dag",
        choices=DAG_IDS,
        default="spotify_pipeline",
        help="which DAG to run (default spotify_pipeline; spotify_listening_history pulls plays)",
    )
    run.set_defaults(func=cmd_run)

    ext = sub.add_parser("extract", help="extract playlists into the raw zone")
    ext.add_argument(
        "--date", type=_date, default=today(), help="partition date (default: today, UTC)"
    )
    common(ext, source=True)
    ext.add_argument(
        "--playlist",
        action="append",
        metavar="ID",
        help="playlist ID/URI/URL (repeatable); default: SPOTIFY_PLAYLISTS or me",
    )
    ext.add_argument("--out", type=Path, help="raw zone root (default: the platform's)")
    ext.add_argument(
        "--force-current",
        action="store_true",
        help="for a past --date with the live source: write today's state there anyway",
    )
    ext.set_defaults(func=cmd_extract)

    tr = sub.add_parser("transform", help="turn one raw date partition into curated Parquet")
    tr.add_argument(
        "--date", type=_date, default=today(), help="partition date (default: today, UTC)"
    )
    common(tr)
    tr.add_argument("--raw", type=Path, help="raw zone root (default: the platform's)")
    tr.add_argument("--out", type=Path, help="curated zone root (default: the platform's)")
    tr.set_defaults(func=cmd_transform)

    q = sub.add_parser("query", help="run Athena SQL on the current platform")
    q.add_argument("sql", nargs="?", help="one SQL statement (Athena/Trino dialect)")
    q.add_argument("--file", type=Path, help="read the SQL from a file")
    q.add_argument(
        "--max-rows", type=_count, metavar="N",
        help="rows to print (0 or more; default: 20 in the table, every row with --json)",
    )  # fmt: skip
    q.add_argument(
        "--json", action="store_true",
        help="print the result as JSON: every row (or --max-rows), the row count and "
        "whether rows were left out",
    )  # fmt: skip
    common(q)
    q.set_defaults(func=cmd_query)

    tb = sub.add_parser(
        "tables", help="list every table and view of the catalog with its columns and types"
    )
    tb.add_argument("--json", action="store_true", help="print the list as JSON")
    common(tb)
    tb.set_defaults(func=cmd_tables)

    rp = sub.add_parser(
        "report",
        help="write the listener's report pages (JSON + HTML with charts)",
        description="Without --period: the week ending on --date (the run report), a "
        "'wrapped' page for every year your listening holds, all time, and the index linking "
        "them, from one set of queries. With --period: only that period's page (a year's page "
        "from any day of the year).",
    )
    rp.add_argument(
        "--date", type=_date, default=today(),
        help="the day the page holds (the week ends on it; default: today, UTC)",
    )  # fmt: skip
    rp.add_argument(
        "--period", choices=["week", "month", "year", "all"],
        help="write only this period's page: the week ending on --date, its calendar month or "
        "year, or all time up to it",
    )  # fmt: skip
    rp.add_argument("--open", action="store_true", help="open the page in the default browser")
    common(rp)
    rp.set_defaults(func=cmd_report)

    im = sub.add_parser(
        "import",
        help="import a Spotify data export (.zip or its folder): raw zone → streams",
        description="Land every streaming-history file of the export byte for byte, turn "
        "them into the `streams` table (merged with earlier imports, each stream once) and "
        "make it queryable. Importing the same export again changes nothing.",
    )
    im.add_argument("path", help="the zip Spotify sent, its unpacked folder, or an s3:// URI")
    common(im)
    im.set_defaults(func=cmd_import)

    au = sub.add_parser("auth", help="log in once in a browser and print a refresh token")
    au.add_argument(
        "--no-browser",
        action="store_true",
        help="no browser here (SSH, a container): open the printed address on any machine and "
        "paste the address Spotify sent that browser to (automatic when no browser is found)",
    )
    au.add_argument(
        "--timeout",
        type=float,
        default=300,
        help="seconds to wait for the browser's redirect (300)",
    )
    au.set_defaults(func=cmd_auth)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script (`argv` None: this process's arguments).

    As the console script it first reads `.env` from the current folder, as docker compose
    does (the environment wins); called with `argv` from Python (tests, other tools) it leaves
    the process environment to the caller."""
    from spotify_etl.cli import errors
    from spotify_etl.export.land import ExportError
    from spotify_etl.pipeline.history import ImportFailed
    from spotify_etl.platforms.base import PlatformError, QueryError
    from spotify_etl.settings import SettingsError, apply_dotenv
    from spotify_etl.spotify.responses import BadResponse, SourceError
    from spotify_etl.sql import SqlError
    from spotify_transform.errors import TransformError
    from spotify_transform.rawzone.origin import LakeSourceError
    from spotify_transform.storage import StorageError

    args = build_parser().parse_args(argv)
    try:
        if argv is None:
            apply_dotenv()  # .env in the current folder, as docker compose reads it; env wins
        code: int = args.func(args)
    except (UserError, SettingsError, SqlError, QueryError, ExportError, LakeSourceError) as exc:
        print(f"error: {strip_ansi(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except (
        PlatformError, TransformError, StorageError, SourceError, BadResponse, ImportFailed
    ) as exc:  # fmt: skip
        print(f"error: {strip_ansi(str(exc))}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        return 0
    except Exception as exc:
        if not errors.is_aws_error(exc):  # a bug: its traceback is what to report
            raise
        # botocore's own errors (S3, Athena … calls the platform does not wrap): one line
        print(f"error: {errors.describe(exc)}", file=sys.stderr)
        return EXIT_USAGE if errors.is_aws_setup_error(exc) else EXIT_FAILED
    return code


if __name__ == "__main__":
    sys.exit(main())
