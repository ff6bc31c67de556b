"""The `spotify-pipeline` command.

    spotify-pipeline run [--date D] [--source sample|spotify] [--platform local|aws] [--dag ID]
        (no --date: the sample's week up to today, day by day, both DAGs; Spotify: today)
    spotify-pipeline extract --date D [--source sample|spotify] [--playlist ID ...] [--out RAW]
    spotify-pipeline transform --date D [--raw RAW] [--out CURATED]
    spotify-pipeline query "SQL" | --file F.sql
    spotify-pipeline report [--date D]
    spotify-pipeline auth [--no-browser]

Only `run` imports Airflow; the other commands start fast. A user error prints one line
(`error: …`) and exits 2; a failed run or step exits 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from spotify_etl.runner import DAG_IDS  # light: runner imports Airflow only when a DAG runs

EXIT_FAILED = 1
EXIT_USAGE = 2


class UserError(Exception):
    """A problem the user can fix; printed as one line without a traceback."""


def _date(value: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


def _settings(args: argparse.Namespace) -> Any:
    return _settings_with(args)


def _settings_with(args: argparse.Namespace, **forced: str) -> Any:
    from spotify_etl import settings

    overrides: dict[str, str | None] = {
        "SPOTIFY_PIPELINE_SOURCE": getattr(args, "source", None),
        "SPOTIFY_PIPELINE_PLATFORM": getattr(args, "platform", None),
        "SPOTIFY_PLAYLISTS": ",".join(args.playlist) if getattr(args, "playlist", None) else None,
        **forced,
    }
    loaded = settings.load(overrides=overrides)
    anchor = lake_sample_anchor(loaded)
    if anchor and not loaded.sample_anchor:
        # The lake holds the sample's week: a single date answers as that week did on it, so
        # re-running a day never rewrites it with another week's state. Tasks read the
        # environment, so the anchor goes there too.
        os.environ["SPOTIFY_SAMPLE_ANCHOR"] = anchor
        loaded = settings.load(overrides={**overrides, "SPOTIFY_SAMPLE_ANCHOR": anchor})
    return loaded


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def _table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(c) for c in columns], *[["" if v is None else str(v) for v in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------- commands


def cmd_extract(args: argparse.Namespace) -> int:
    from spotify_etl import pipeline

    result = pipeline.run_extract(
        _settings(args),
        args.date,
        progress=_progress,
        raw_root=args.out and str(args.out.resolve()),
        force_current=args.force_current,
    )
    _print_json(result)
    return 0


def cmd_transform(args: argparse.Namespace) -> int:
    from spotify_etl.platforms import get_platform
    from spotify_transform.handler import lambda_handler

    settings = _settings(args)
    platform = get_platform(settings)
    event = {
        "snapshot_date": args.date,
        "raw_root": str(args.raw.resolve()) if args.raw else platform.raw_root,
        "curated_root": str(args.out.resolve()) if args.out else platform.curated_root,
        "max_quarantine_ratio": settings.max_quarantine_ratio,
        "idempotency_key": f"cli/{args.date}",
    }
    if args.raw or args.out:
        result = lambda_handler(event, None)  # explicit folders: run the handler right here
    else:
        result = platform.invoke_transform(event)
    _print_json(result)
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    from spotify_etl.platforms import get_platform

    if (args.sql is None) == (args.file is None):
        raise UserError('give either "SQL" or --file F.sql')
    if args.file is not None:
        try:
            text = args.file.read_text(encoding="utf-8")
        except OSError as exc:
            raise UserError(f"cannot read {args.file}: {exc.strerror}") from None
    else:
        text = args.sql
    result = get_platform(_settings(args)).query(text, max_rows=args.max_rows)
    if args.json:
        _print_json(result)
    else:
        print(_table(result["columns"], result["rows"]))
        more = result["row_count"] - len(result["rows"])
        print(f"({result['row_count']} rows{f', {more} not shown' if more > 0 else ''}; "
              f"full result: {result['output_location']})")  # fmt: skip
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from spotify_etl import pipeline

    result = pipeline.run_report(_settings(args), args.date)
    print(result["html"])
    if args.open:
        open_in_browser(str(result["html"]))
    return 0


def open_in_browser(page: str) -> bool:
    """Open a report page in the default browser, where there is one; say so where not."""
    import webbrowser

    if page.startswith("s3://"):
        print(f"the report is in S3 ({page}): download it to open it", file=sys.stderr)
        return False
    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        print(f"no browser found here; open {Path(page).as_uri()} yourself", file=sys.stderr)
        return False
    return bool(browser.open(Path(page).as_uri()))


def cmd_auth(args: argparse.Namespace) -> int:
    from spotify_etl import auth

    # The login is how a refresh token is obtained: do not require one to exist yet.
    settings = _settings_with(args, SPOTIFY_PIPELINE_SOURCE="sample")
    token = auth.login(
        settings,
        open_browser=not args.no_browser,
        timeout=args.timeout,
        say=lambda line: print(line, file=sys.stderr, flush=True),
    )
    print(f"Refresh token:\n{token}")
    print(auth.instructions(settings), file=sys.stderr)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from spotify_etl import runner

    settings = _settings(args)  # fail fast on a bad setting, before Airflow starts
    # Tasks read settings from the environment: options must reach them the same way.
    if args.source:
        os.environ["SPOTIFY_PIPELINE_SOURCE"] = args.source
    if args.platform:
        os.environ["SPOTIFY_PIPELINE_PLATFORM"] = args.platform
    os.environ["SPOTIFY_PIPELINE_HOME"] = str(settings.home.resolve())
    if args.date is None and args.dag == runner.DAG_ID:
        return _run_week(args, settings)
    t0 = time.monotonic()
    outcome = runner.run_dag(
        settings.home.resolve(),
        args.date or _today(),
        verbose=args.verbose,
        dag_file=runner.dags_folder() / f"{args.dag}.py",
        dag_id=args.dag,
    )
    elapsed = time.monotonic() - t0
    print(runner.format_summary(outcome, settings, elapsed))
    return 0 if outcome.succeeded else EXIT_FAILED


SAMPLE_DAYS = 7  # the bundled sample is a week long (sample_data/timeline.json)
ANCHOR_FILE = ".sample_anchor"  # in the lake: the last day of the sample week it holds


def lake_sample_anchor(settings: Any) -> str | None:
    """The anchor of the sample week the lake was built with (`run` without --date), if any."""
    if settings.source != "sample":
        return None
    path = settings.home.resolve() / ANCHOR_FILE
    if not path.is_file():
        return None
    try:
        return date.fromisoformat(path.read_text(encoding="utf-8").strip()).isoformat()
    except ValueError:
        return None


def _run_week(args: argparse.Namespace, settings: Any) -> int:
    """`run` without --date: for each day, the listening history and then the daily snapshot.

    With the sample that is its whole week up to today (SPOTIFY_SAMPLE_ANCHOR): a backfill
    through the very same DAGs, so the report shows a history. Spotify itself serves only the
    current state, so with it this is today alone.
    """
    from spotify_etl import runner, sql

    anchor = settings.sample_anchor or _today()
    dates = sql.dates_up_to(anchor, SAMPLE_DAYS) if settings.source == "sample" else [_today()]
    if settings.source == "sample":
        os.environ["SPOTIFY_SAMPLE_ANCHOR"] = anchor
        settings.home.resolve().mkdir(parents=True, exist_ok=True)
        (settings.home.resolve() / ANCHOR_FILE).write_text(anchor + "\n", encoding="utf-8")
        _progress(f"the sample's week {dates[0]} … {dates[-1]}: listening history, then the "
                  "daily snapshot, for each day")  # fmt: skip
    home = settings.home.resolve()
    t0 = time.monotonic()
    for day in dates:
        t_day = time.monotonic()
        plays = runner.run_dag(
            home, day, verbose=args.verbose,
            dag_file=runner.dags_folder() / "spotify_listening_history.py",
            dag_id="spotify_listening_history",
        )  # fmt: skip
        if not plays.succeeded:
            print(runner.format_summary(plays, settings, time.monotonic() - t_day))
            return EXIT_FAILED
        snapshot = runner.run_dag(home, day, verbose=args.verbose)
        if not snapshot.succeeded:
            print(runner.format_summary(snapshot, settings, time.monotonic() - t_day))
            return EXIT_FAILED
        _progress(runner.format_day(plays, snapshot, time.monotonic() - t_day))
    print(runner.format_summary(snapshot, settings, time.monotonic() - t0))
    return 0


# ---------------------------------------------------------------------------- parser


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
        "--date", type=_date, default=_today(), help="partition date (default: today, UTC)"
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
        "--date", type=_date, default=_today(), help="partition date (default: today, UTC)"
    )
    common(tr)
    tr.add_argument("--raw", type=Path, help="raw zone root (default: the platform's)")
    tr.add_argument("--out", type=Path, help="curated zone root (default: the platform's)")
    tr.set_defaults(func=cmd_transform)

    q = sub.add_parser("query", help="run Athena SQL on the current platform")
    q.add_argument("sql", nargs="?", help="one SQL statement (Athena/Trino dialect)")
    q.add_argument("--file", type=Path, help="read the SQL from a file")
    q.add_argument("--max-rows", type=int, default=20, help="rows to print (default 20)")
    q.add_argument("--json", action="store_true", help="print the result as JSON")
    common(q)
    q.set_defaults(func=cmd_query)

    rp = sub.add_parser("report", help="write the date's report (JSON + HTML with charts)")
    rp.add_argument(
        "--date", type=_date, default=_today(), help="snapshot date (default: today, UTC)"
    )
    rp.add_argument("--open", action="store_true", help="open the page in the default browser")
    common(rp)
    rp.set_defaults(func=cmd_report)

    au = sub.add_parser("auth", help="log in once in a browser and print a refresh token")
    au.add_argument("--no-browser", action="store_true", help="print the address only")
    au.add_argument(
        "--timeout", type=float, default=300, help="seconds to wait for the redirect (300)"
    )
    au.set_defaults(func=cmd_auth)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    from spotify_etl.platforms.base import PlatformError
    from spotify_etl.settings import SettingsError
    from spotify_etl.sources import SourceError
    from spotify_etl.sql import SqlError
    from spotify_transform.errors import TransformError
    from spotify_transform.storage import StorageError

    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except (UserError, SettingsError, SqlError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (PlatformError, TransformError, StorageError, SourceError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        return 0
    return code


if __name__ == "__main__":
    sys.exit(main())
