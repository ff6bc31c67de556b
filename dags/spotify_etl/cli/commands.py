"""What each `spotify-pipeline` command does, through the pipeline's steps. Only `run` imports
Airflow (through `runner`); the other commands start fast."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from spotify_etl import settings as settings_mod
from spotify_etl.cli import output
from spotify_etl.settings import Settings
from spotify_transform.rawzone.layout import LocalZones

if TYPE_CHECKING:
    from spotify_etl.platforms.base import Platform

EXIT_FAILED = 1
QUERY_TABLE_ROWS = 20  # rows `query` prints as a table unless --max-rows says otherwise
SAMPLE_DAYS = 7  # the bundled sample is a week long (sample_data/timeline.json)


class UserError(Exception):
    """A problem the user can fix; printed as one line without a traceback."""


def today() -> str:
    """Today's date (UTC)."""
    return datetime.now(UTC).date().isoformat()


def load_settings(args: argparse.Namespace, **forced: str) -> Settings:
    """The settings, with the command's options winning over the environment.

    A lake built with the sample's week (`run` without --date) keeps the week's last day: a
    single date then answers as that week did on it, so re-running a day never rewrites it
    with another week's state.
    """
    overrides: dict[str, str | None] = {
        "SPOTIFY_PIPELINE_SOURCE": getattr(args, "source", None),
        "SPOTIFY_PIPELINE_PLATFORM": getattr(args, "platform", None),
        "SPOTIFY_PLAYLISTS": ",".join(args.playlist) if getattr(args, "playlist", None) else None,
        **forced,
    }
    loaded = settings_mod.load(overrides=overrides)
    anchor = lake_sample_anchor(loaded)
    if anchor and not loaded.sample_anchor:
        loaded = dataclasses.replace(loaded, sample_anchor=anchor)
    return loaded


def lake_sample_anchor(loaded: Settings) -> str | None:
    """The anchor of the sample week the lake was built with (`run` without --date), if any."""
    if loaded.source != "sample":
        return None
    path = LocalZones(loaded.home.resolve()).sample_anchor_file
    if not path.is_file():
        return None
    try:
        return date.fromisoformat(path.read_text(encoding="utf-8").strip()).isoformat()
    except ValueError:
        return None


def lake_started(home: Path) -> bool:
    """Whether a lake exists at `home`: a folder that holds anything."""
    return home.is_dir() and any(home.iterdir())


def announce_new_lake(loaded: Settings) -> None:
    """Say on stderr that a command is about to start a new local lake (only then): run in
    another folder, it would otherwise silently start a second one there."""
    home = loaded.home.resolve()
    if loaded.platform == "local" and not lake_started(home):
        output.progress(f"starting a new lake at {home}")


def progress_into(loaded: Settings) -> Callable[[str], None]:
    """Progress lines on stderr, the first one preceded by the new-lake notice when there was
    no lake as the command began: said as the work starts, and never by a command that fails
    on its input before doing any."""
    home = loaded.home.resolve()
    new_lake = loaded.platform == "local" and not lake_started(home)

    def say(line: str) -> None:
        nonlocal new_lake
        if new_lake:
            output.progress(f"starting a new lake at {home}")
            new_lake = False
        output.progress(line)

    return say


def require_lake(loaded: Settings) -> None:
    """Refuse, in one line saying where it looked and how to point elsewhere, a command that
    reads the local lake's catalog when there is none.

    Raises:
        UserError: The local lake (its catalog) is not there.
    """
    home = loaded.home.resolve()
    if loaded.platform == "local" and not LocalZones(home).catalog.is_file():
        raise UserError(output.no_lake(str(home), lake_started(home)))


def cmd_extract(args: argparse.Namespace) -> int:
    from spotify_etl.pipeline import context, snapshot

    loaded = load_settings(args)
    run = context.for_cli(loaded, args.date)
    output.print_json(
        snapshot.extract(
            run,
            progress=progress_into(loaded),
            raw_root=args.out and str(args.out.resolve()),
            force_current=args.force_current,
        )
    )
    return 0


def cmd_transform(args: argparse.Namespace) -> int:
    from spotify_etl.pipeline import context, snapshot
    from spotify_transform.handler import lambda_handler

    loaded = load_settings(args)
    home = loaded.home.resolve()
    if loaded.platform == "local" and not args.raw and not lake_started(home):
        raise UserError(output.no_lake(str(home), started=False))
    run = context.for_cli(loaded, args.date)
    event = snapshot.transform_event(run)
    event["idempotency_key"] = f"cli/{args.date}"
    if args.raw or args.out:  # explicit folders: run the handler right here
        event["raw_root"] = str(args.raw.resolve()) if args.raw else run.platform.raw_root
        event["curated_root"] = str(args.out.resolve()) if args.out else run.platform.curated_root
        result = lambda_handler(event, None)
    else:
        result = run.platform.invoke_transform(event)
    output.print_json(result)
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
    loaded = load_settings(args)
    require_lake(loaded)
    # JSON is for programs: every row unless --max-rows says otherwise; a table is for eyes.
    shown: int | None = args.max_rows
    if shown is None and not args.json:
        shown = QUERY_TABLE_ROWS
    result = get_platform(loaded).query(text, max_rows=shown)
    if args.json:
        output.print_json(output.query_json(result, shown))
    else:
        print(output.table(result["columns"], result["rows"]))
        print(output.query_footer(result))
    return 0


def cmd_tables(args: argparse.Namespace) -> int:
    from spotify_etl.platforms import get_platform

    loaded = load_settings(args)
    require_lake(loaded)
    found = get_platform(loaded).tables()
    if args.json:
        output.print_json(found)
    else:
        print(output.catalog_listing(found))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from spotify_etl.pipeline import context, history

    loaded = load_settings(args)
    run = context.for_cli(loaded, today(), "import")
    t0 = time.monotonic()
    committed = history.import_export(run, args.path, progress=progress_into(loaded))
    print(output.import_summary(committed, run.platform.curated_root, time.monotonic() - t0))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from spotify_etl.pipeline import context, snapshot
    from spotify_etl.report.periods import period_of

    loaded = load_settings(args)
    require_lake(loaded)
    run = context.for_cli(loaded, args.date)
    dates = snapshot_dates(run.platform)
    first_listen, last_listen = listening_span(run.platform)
    period = getattr(args, "period", None)
    if period in ("month", "year"):
        # A month's or year's page has data when a snapshot or some listening falls in it.
        span = period_of(period, args.date)
        has_data = any(span.start <= d <= span.end for d in dates) or bool(
            first_listen and last_listen and first_listen <= span.end and last_listen >= span.start
        )
    else:
        # A date has data when it has a snapshot, or listening reaches back to it (an export's
        # years); else a page of empty charts would look like a day of no change.
        has_data = args.date in dates or bool(first_listen and first_listen <= args.date)
    if not has_data:
        raise UserError(output.no_data(args.date, dates, first_listen))
    result = snapshot.report(run, kinds=[period] if period else None)
    print(result["html"])
    if args.open:
        open_in_browser(str(result["html"]))
    return 0


def snapshot_dates(platform: Platform) -> list[str]:
    """The snapshot dates the lake holds (the dates a report can be written for)."""
    found = platform.query("SELECT DISTINCT snapshot_date FROM playlists", max_rows=None)
    return sorted(str(row[0]) for row in found["rows"] if row[0] is not None)


def listening_span(platform: Platform) -> tuple[str | None, str | None]:
    """The first and last of the listener's days (SPOTIFY_TIMEZONE) that the lake's listening
    (plays, imported streams) holds, if any."""
    found = platform.query("SELECT min(local_date), max(local_date) FROM listening", max_rows=1)
    first, last = found["rows"][0][:2] if found["rows"] else (None, None)
    return (None if first is None else str(first)[:10], None if last is None else str(last)[:10])


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
    from spotify_etl.spotify import login

    # The login is how a refresh token is obtained: do not require one to exist yet.
    loaded = load_settings(args, SPOTIFY_PIPELINE_SOURCE="sample")
    try:
        token = login.login(
            loaded,
            open_browser=not args.no_browser,
            timeout=args.timeout,
            say=output.progress,
        )
    except login.LoginError as exc:  # what went wrong and what to do, in one line
        raise UserError(str(exc)) from None
    print(f"Refresh token:\n{token}")
    print(login.instructions(loaded), file=sys.stderr)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from spotify_etl.cli import runner

    loaded = load_settings(args)  # fail fast on a bad setting, before Airflow starts
    announce_new_lake(loaded)
    if args.date is None and args.dag == runner.DAG_ID:
        return run_week(args, loaded)
    settings_mod.export_for_tasks(loaded)
    home = loaded.home.resolve()
    t0 = time.monotonic()
    outcome = runner.run_dag(
        home,
        args.date or today(),
        verbose=args.verbose,
        dag_file=runner.dags_folder() / f"{args.dag}.py",
        dag_id=args.dag,
        log_dir=None if args.verbose else runner.logs_folder(home),
    )
    runner.print_summary(outcome, home, time.monotonic() - t0)
    return 0 if outcome.succeeded else EXIT_FAILED


def import_sample(loaded: Settings, home: Path) -> str:
    """Import the sample's data export, dated for the sample week; say what it brought."""
    from spotify_etl.pipeline import context, history
    from spotify_etl.spotify.sample import sample_export

    zip_path = sample_export(loaded.sample_anchor, LocalZones(home).sample_export_folder)
    run = context.for_cli(loaded, today(), "sample-import")
    committed = history.import_export(run, str(zip_path), sample=True)
    lake = committed["lake"]
    return (
        f"the sample's data export: {committed['records_read']:,} records, "
        f"{lake['rows_kept']:,} streams from {committed['first_played']} to "
        f"{committed['last_played']}" + ("" if committed["committed"] else " (already imported)")
    )


def run_week(args: argparse.Namespace, loaded: Settings) -> int:
    """`run` without --date: for each day, the listening history and then the daily snapshot.

    With the sample that is its whole week up to today (SPOTIFY_SAMPLE_ANCHOR): a backfill
    through the very same DAGs, so the report shows a history. Spotify itself serves only the
    current state, so with it this is today alone.
    """
    from spotify_etl import sql
    from spotify_etl.cli import runner

    home = loaded.home.resolve()
    if loaded.source == "sample":
        anchor = loaded.sample_anchor or today()
        loaded = dataclasses.replace(loaded, sample_anchor=anchor)
        dates = sql.dates_up_to(anchor, SAMPLE_DAYS)
        zones = LocalZones(home)
        zones.home.mkdir(parents=True, exist_ok=True)
        zones.sample_anchor_file.write_text(anchor + "\n", encoding="utf-8")
        output.progress(f"the sample's week {dates[0]} … {dates[-1]}: listening history, then "
                        "the daily snapshot, for each day")  # fmt: skip
    else:
        dates = [today()]
    settings_mod.export_for_tasks(loaded)
    logs = None if args.verbose else runner.logs_folder(home)  # Airflow's output: a file per run
    t0 = time.monotonic()
    if loaded.source == "sample":  # the listener's years first, as a new user would
        output.progress(import_sample(loaded, home))
    for day in dates:
        t_day = time.monotonic()
        plays = runner.run_dag(
            home, day, verbose=args.verbose,
            dag_file=runner.dags_folder() / "spotify_listening_history.py",
            dag_id="spotify_listening_history", log_dir=logs,
        )  # fmt: skip
        if not plays.succeeded:
            runner.print_summary(plays, home, time.monotonic() - t_day)
            return EXIT_FAILED
        snapshot = runner.run_dag(home, day, verbose=args.verbose, log_dir=logs)
        if not snapshot.succeeded:
            runner.print_summary(snapshot, home, time.monotonic() - t_day)
            return EXIT_FAILED
        output.progress(output.day_line(day, plays.xcoms, snapshot.xcoms, time.monotonic() - t_day))
    runner.print_summary(snapshot, home, time.monotonic() - t0)
    return 0
