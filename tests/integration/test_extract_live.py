"""Live extraction through the real spotipy code against a stub Spotify over real HTTP."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from spotify_etl.extract.playlists import ExtractRequest, extract
from spotify_etl.pipeline import context, snapshot
from spotify_etl.settings import Settings, load
from spotify_etl.spotify.client import RateLimited, SpotifyApi, UserNotRegistered
from spotify_etl.spotify.oauth import ReauthRequired
from spotify_etl.spotify.responses import PlaylistNotFound, QuotaExceeded, SourceError
from spotify_transform.storage import ByteStore
from tests.builders import manifest_json
from tests.stub_spotify import Fault, StubSpotify, bodies

DAY = "2026-11-24"
PAGED = "3cEYpjA9oz9GiPac4AsH4n"  # 140 entries: 3 pages of 50
LEGACY = "0vvXsWCC9xrXsKd4FyS8kM"  # 120 entries, legacy shape
HIDDEN = "6UeSakyzhiEt4NB3UAd6NQ"


def settings_for(stub: StubSpotify, **extra: str) -> Settings:
    return load({**stub.env(), **extra})


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def api(stub: StubSpotify, sleeps: Sleeps | None = None, **extra: str) -> SpotifyApi:
    sleep = sleeps if sleeps is not None else Sleeps()
    return SpotifyApi(settings_for(stub, **extra), sleep=sleep, jitter=lambda: 0.0)


def run_extract(
    stub: StubSpotify, root: Path, source: SpotifyApi, day: str = DAY
) -> dict[str, Any]:
    return manifest_json(
        extract(ByteStore(), source, ExtractRequest(day, str(root), ("me",), "test"))
    )


def partition(root: Path, day: str = DAY) -> Path:
    return root / "spotify" / "playlists" / f"snapshot_date={day}"


def test_extract_writes_the_bodies_spotify_sent(stub: StubSpotify, tmp_path: Path) -> None:
    # GIVEN the stub serving both shapes, one hidden playlist, multi-page playlists
    # WHEN extracting all of `me`
    manifest = run_extract(stub, tmp_path, api(stub))
    # THEN every file is the exact body served, at the contract's path
    got = bodies(partition(tmp_path))
    assert got[f"playlist_id={PAGED}/items-000100.json"] == stub.state.pages[(PAGED, 100)]
    assert got[f"playlist_id={LEGACY}/playlist.json"] == stub.state.playlists[LEGACY]
    assert got["listing/me-playlists-000000.json"] == stub.state.me_pages[0]
    # (the friend's playlist is followed, not owned: skipped, never requested)
    assert len(got) == len(stub.state.playlists) - 1 + len(stub.state.pages) + 1
    assert manifest["statuses"] == {"ok": 5, "skipped": 1}
    assert manifest["api_shape"] == {"2026": 3, "legacy": 2}
    assert not any(HIDDEN in r for r in stub.state.api_requests())
    # AND exactly 1 (/me/playlists) + 1 (/me) + 1 per owned playlist + ceil(n/50) pages each
    # (the empty playlist needs no page)
    assert manifest["run"]["api_calls"] == 1 + 1 + 5 + (3 + 3 + 1 + 1)
    assert len(stub.state.api_requests()) == 15


def test_extract_never_calls_removed_or_unneeded_endpoints(
    stub: StubSpotify, tmp_path: Path
) -> None:
    run_extract(stub, tmp_path, api(stub))
    for request in stub.state.requests:
        assert "/tracks" not in request and "/users/" not in request and "ids=" not in request
    # the hidden playlist's contents are never requested
    assert not [r for r in stub.state.requests if r.startswith(f"/v1/playlists/{HIDDEN}/items")]
    assert all("limit=50" in r for r in stub.state.requests if "/items" in r)


def test_disturbed_run_writes_the_same_bodies(stub: StubSpotify, tmp_path: Path) -> None:
    # GIVEN an undisturbed extraction
    run_extract(stub, tmp_path / "calm", api(stub))
    # AND then 429s with Retry-After, a 503 burst, a 502 and an expired token
    stub.state.faults = [
        Fault(
            rf"/v1/playlists/{PAGED}/items\?.*offset=50", 429, headers={"Retry-After": "2"}, times=2
        ),
        Fault(rf"/v1/playlists/{LEGACY}(\?|$)", 503, times=3),
        Fault(rf"/v1/playlists/{LEGACY}/items\?.*offset=100", 502, times=1),
    ]
    stub.state.expire_token_after = 4
    stub.state.token_requests = 0
    sleeps = Sleeps()
    source = api(stub, sleeps)
    # WHEN extracting again
    manifest = run_extract(stub, tmp_path / "storm", source)
    # THEN the raw zone holds byte-identical bodies, and the waits followed the policy
    assert bodies(partition(tmp_path / "storm")) == bodies(partition(tmp_path / "calm"))
    assert manifest["run"]["http_429"] == 2
    assert sleeps[:2] == [2.0, 2.0]  # Retry-After honoured
    assert sorted(sleeps[2:]) == [1.0, 1.0, 2.0, 4.0]  # exponential backoff (jitter fixed at 0)
    assert stub.state.token_requests == 2  # the first token, then one refresh after the 401


def test_retry_after_above_cap_fails_without_waiting(stub: StubSpotify, tmp_path: Path) -> None:
    # GIVEN Spotify asking for a 2-hour wait
    stub.state.faults = [Fault(r"/items", 429, headers={"Retry-After": "7200"}, times=1)]
    sleeps = Sleeps()
    # WHEN extracting THEN the run fails at once (Airflow retries later), leaving no partition
    with pytest.raises(RateLimited, match="7200s, above SPOTIFY_MAX_RETRY_AFTER=60s"):
        run_extract(stub, tmp_path, api(stub, sleeps))
    assert sleeps == []
    assert not partition(tmp_path).exists()
    assert [p.name for p in (tmp_path / "spotify" / "playlists").iterdir()] == []


def test_quota_exceeded_stops_at_once(stub: StubSpotify, tmp_path: Path) -> None:
    body = {"error": {"status": 429, "message": "Too many requests", "reason": "QUOTA_EXCEEDED"}}
    stub.state.faults = [
        Fault(r"/v1/playlists/", 429, body=body, headers={"Retry-After": "1"}, times=99)
    ]
    sleeps = Sleeps()
    with pytest.raises(QuotaExceeded, match="per developer account"):
        run_extract(stub, tmp_path, api(stub, sleeps))
    assert sleeps == []


def test_invalid_grant_asks_for_spotify_pipeline_auth(stub: StubSpotify, tmp_path: Path) -> None:
    stub.state.invalid_grant = True
    with pytest.raises(ReauthRequired, match="Run `spotify-pipeline auth`") as info:
        run_extract(stub, tmp_path, api(stub))
    assert stub.state.token_requests == 1  # never a retry loop
    assert stub.state.refresh_token not in str(info.value)


def test_unregistered_user_stops_with_the_fix(stub: StubSpotify, tmp_path: Path) -> None:
    body = {
        "error": {
            "status": 403,
            "message": "Check settings on developer.spotify.com/dashboard, "
            "the user may not be registered.",
        }
    }
    stub.state.faults = [Fault(r"/v1/me/playlists", 403, body=body)]
    with pytest.raises(UserNotRegistered, match="User Management"):
        run_extract(stub, tmp_path, api(stub))


def test_unknown_and_forbidden_playlists_are_reported_and_skipped(
    stub: StubSpotify, tmp_path: Path
) -> None:
    # GIVEN a deleted playlist, an editorial one (404 since 2024) and one whose /items is 403
    stub.state.pages = {k: v for k, v in stub.state.pages.items() if k[0] != LEGACY}
    ids = ("deleted000000000000000", "37i9dQZF1DXcBWIGoYBM5M", LEGACY, PAGED)
    # WHEN extracted
    manifest = manifest_json(
        extract(ByteStore(), api(stub), ExtractRequest(DAY, str(tmp_path), ids, "t"))
    )
    # THEN statuses say why, and the good playlist is complete
    status = {p["playlist_id"]: p["status"] for p in manifest["playlists"]}
    assert status == {
        "deleted000000000000000": "not_found",
        "37i9dQZF1DXcBWIGoYBM5M": "not_found",
        LEGACY: "not_visible",
        PAGED: "ok",
    }


def test_unchanged_snapshot_costs_one_call_and_copies_pages(
    stub: StubSpotify, tmp_path: Path
) -> None:
    # GIVEN yesterday's extraction
    run_extract(stub, tmp_path, api(stub), "2026-11-23")
    # WHEN today's snapshot ids are unchanged
    source = api(stub)
    manifest = run_extract(stub, tmp_path, source, "2026-11-24")
    # THEN the listing's snapshot ids suffice: one call in all, the files copied, the
    # partition complete on its own
    assert manifest["statuses"] == {"unchanged": 5, "skipped": 1}
    assert source.api_calls == 1
    assert bodies(partition(tmp_path, "2026-11-24")) == bodies(partition(tmp_path, "2026-11-23"))


def test_changed_snapshot_is_paged_again(stub: StubSpotify, tmp_path: Path) -> None:
    # GIVEN yesterday's extraction, and one playlist changed since
    run_extract(stub, tmp_path, api(stub), "2026-11-23")
    stub.state.change_snapshot(PAGED, "changed==")
    # WHEN today is extracted
    source = api(stub)
    manifest = run_extract(stub, tmp_path, source, "2026-11-24")
    # THEN only the changed one is fetched: the listing, the playlist and its 3 pages
    assert {p["playlist_id"]: p["status"] for p in manifest["playlists"]}[PAGED] == "ok"
    assert source.api_calls == 1 + 1 + 3


def test_rotated_refresh_token_replaces_the_old_one(stub: StubSpotify, tmp_path: Path) -> None:
    # GIVEN Spotify rotating the refresh token on every refresh, and a token expiring mid-run
    stub.state.rotate_refresh_token = True
    stub.state.expire_token_after = 3
    source = api(stub)
    # WHEN extracting THEN the second refresh used the new refresh token (else invalid_grant)
    run_extract(stub, tmp_path, source)
    assert stub.state.token_requests == 2


def test_past_date_without_raw_data_fails_and_existing_is_reused(
    stub: StubSpotify, tmp_path: Path
) -> None:
    run = context.for_cli(
        load({**stub.env(), "SPOTIFY_PIPELINE_HOME": str(tmp_path)}), "2026-11-01"
    )
    # WHEN a past date has no raw partition THEN the live extract refuses to mislabel today's data
    with pytest.raises(SourceError, match="Spotify serves only today's state"):
        snapshot.extract(run, today="2026-11-25")
    # WHEN forced THEN today's state is written there deliberately
    forced = snapshot.extract(run, today="2026-11-25", force_current=True)
    assert forced["statuses"]["ok"] == 5
    # AND a later run for that date reuses it without calling Spotify
    calls = len(stub.state.requests)
    reused = snapshot.extract(run, today="2026-11-25")
    assert reused["reused"] is True
    assert len(stub.state.requests) == calls


def test_secrets_never_reach_the_raw_zone(stub: StubSpotify, tmp_path: Path) -> None:
    run_extract(stub, tmp_path, api(stub))
    for path in (tmp_path).rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"stub-secret" not in data and stub.state.refresh_token.encode() not in data


def test_source_404_on_playlist_raises_not_found(stub: StubSpotify) -> None:
    with pytest.raises(PlaylistNotFound):
        api(stub).playlist("unknown000000000000000")


def test_manifest_is_valid_json_with_timings(stub: StubSpotify, tmp_path: Path) -> None:
    run_extract(stub, tmp_path, api(stub))
    manifest = orjson.loads((partition(tmp_path) / "_manifest.json").read_bytes())
    assert manifest["source"] == "spotify"
    assert manifest["run"]["seconds"] >= 0
    assert manifest["run"]["started_at"] <= manifest["run"]["finished_at"]


def test_cli_extract_against_the_stub(
    stub: StubSpotify,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN the environment pointing at a server that behaves like Spotify
    from spotify_etl.cli.main import main

    for key, value in stub.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SPOTIFY_PIPELINE_HOME", str(tmp_path))
    today = datetime.now(UTC).date().isoformat()
    # WHEN `spotify-pipeline extract --date today` runs
    assert main(["extract", "--date", today]) == 0
    # THEN the raw zone is written, with progress on stderr and no secret anywhere
    out, err = capsys.readouterr()
    assert json.loads(out)["statuses"] == {"ok": 5, "skipped": 1}
    assert "[5/5]" in err
    assert "stub-secret" not in out + err
    assert (
        tmp_path / "raw" / "spotify" / "playlists" / f"snapshot_date={today}" / "_manifest.json"
    ).is_file()


def test_cli_extract_reports_reauth_in_one_line(
    stub: StubSpotify,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from spotify_etl.cli.main import main

    stub.state.invalid_grant = True
    for key, value in stub.env().items():
        monkeypatch.setenv(key, value)
    today = datetime.now(UTC).date().isoformat()
    assert main(["extract", "--date", today, "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: Spotify refused the refresh token (invalid_grant)")
    assert len(err.splitlines()) == 1


def test_cli_extract_into_another_folder_claims_that_folder_not_the_default_lake(
    stub: StubSpotify, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from spotify_etl.cli.main import main

    # GIVEN live credentials, and a working folder whose default lake (./.lake) is not used
    for key, value in stub.env().items():
        monkeypatch.setenv(key, value)
    here, out = tmp_path / "here", tmp_path / "raw"
    here.mkdir()
    monkeypatch.chdir(here)
    # WHEN today's playlists are extracted into another folder
    today = datetime.now(UTC).date().isoformat()
    assert main(["extract", "--date", today, "--out", str(out)]) == 0
    # THEN that folder says whose data it holds, and no lake appears where the command ran
    assert json.loads((out / "spotify" / "_source.json").read_text())["source"] == "spotify"
    assert not (here / ".lake").exists()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("secret", [True, False], ids=["code", "pkce"])
def test_auth_round_trip_token_stored_as_printed_extracts(
    stub: StubSpotify,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    secret: bool,
) -> None:
    # GIVEN credentials (with a secret: code flow; without: PKCE) and a loopback redirect URI
    import threading
    import time
    import urllib.request
    from urllib.parse import parse_qs, urlparse

    from spotify_etl.cli.main import main

    port = _free_port()
    env = {**stub.env(), "SPOTIPY_REDIRECT_URI": f"http://127.0.0.1:{port}/callback"}
    env.pop("SPOTIFY_REFRESH_TOKEN")
    if not secret:
        env.pop("SPOTIPY_CLIENT_SECRET")
    for key in ("SPOTIFY_REFRESH_TOKEN", "SPOTIPY_CLIENT_SECRET"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    import webbrowser

    class NoOpBrowser(webbrowser.BaseBrowser):  # the browser "opens" nothing: the test does
        def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
            return True

    monkeypatch.setattr(webbrowser, "get", lambda using=None: NoOpBrowser())
    codes: list[int] = []
    worker = threading.Thread(target=lambda: codes.append(main(["auth"])))
    worker.start()
    # WHEN the user opens the printed address and Spotify redirects back with a code
    printed, url_line, deadline = "", None, time.monotonic() + 10
    while url_line is None and time.monotonic() < deadline:
        printed += capsys.readouterr().err
        url_line = next(
            (x.strip() for x in printed.splitlines() if x.strip().startswith("http")), None
        )
        time.sleep(0.02)
    assert url_line is not None, printed
    query = parse_qs(urlparse(url_line).query)
    assert query["redirect_uri"] == [env["SPOTIPY_REDIRECT_URI"]]
    callback = f"http://127.0.0.1:{port}/callback?code=good-code&state={query['state'][0]}"
    for _ in range(200):  # the command starts listening right after printing
        try:
            urllib.request.urlopen(callback, timeout=5).read()
            break
        except OSError:
            time.sleep(0.02)
    worker.join(10)
    # THEN the command printed the refresh token and how to store it
    assert codes == [0]
    out = capsys.readouterr()
    token = out.out.strip().splitlines()[-1]
    assert token == "fresh-refresh-token"
    assert "SPOTIFY_REFRESH_TOKEN=<the refresh token above>" in out.err
    assert token not in out.err  # printed once, where the user copies it from
    # AND stored in the environment as printed, an extract succeeds
    monkeypatch.setenv("SPOTIFY_REFRESH_TOKEN", token)
    monkeypatch.setenv("SPOTIFY_PIPELINE_HOME", str(tmp_path / "env"))
    today = datetime.now(UTC).date().isoformat()  # live extracts are of today
    assert main(["extract", "--date", today, "--playlist", PAGED]) == 0
    # AND stored as the printed `airflow connections add` says, with nothing in the
    # environment, the settings of a task read it and an extract succeeds
    added = next(x for x in out.err.splitlines() if "--conn-login" in x)
    login = added.split("--conn-login '")[1].split("'")[0]
    assert login == env["SPOTIPY_CLIENT_ID"]
    assert ("--conn-password" in added) is secret
    for key in ("SPOTIFY_REFRESH_TOKEN", "SPOTIPY_CLIENT_ID", "SPOTIPY_CLIENT_SECRET"):
        monkeypatch.delenv(key, raising=False)
    connection = {"conn_type": "generic", "login": login, "extra": {"refresh_token": token}}
    if secret:
        connection["password"] = env["SPOTIPY_CLIENT_SECRET"]
    monkeypatch.setenv("AIRFLOW_CONN_SPOTIFY_DEFAULT", json.dumps(connection))
    from spotify_etl import settings as settings_mod

    in_task = settings_mod.load_in_task()
    assert (in_task.client_id, in_task.refresh_token) == (login, token)
    manifest = manifest_json(
        extract(
            ByteStore(), SpotifyApi(in_task), ExtractRequest(DAY, str(tmp_path / "conn"), (PAGED,))
        )
    )
    assert manifest["statuses"] == {"ok": 1}


def test_a_pkce_token_without_the_scopes_asks_for_auth_and_never_prompts(
    stub: StubSpotify, tmp_path: Path
) -> None:
    # GIVEN a PKCE login (no client secret) whose refresh grants fewer scopes than the pipeline
    # asks for (a consent given before a scope was added): spotipy's PKCE manager then wants a
    # new authorization code, and would ask for it on the terminal
    stub.state.granted_scope = "playlist-read-private"
    source = SpotifyApi(
        settings_for(stub, SPOTIPY_CLIENT_SECRET=""), sleep=Sleeps(), jitter=lambda: 0.0
    )
    # WHEN extracting THEN the run stops asking for `spotify-pipeline auth`; it never waits for
    # a browser or reads the terminal (stdin is captured: a prompt would raise OSError)
    with pytest.raises(ReauthRequired, match="spotify-pipeline auth"):
        run_extract(stub, tmp_path, source)


def test_credentials_in_dotenv_make_the_command_line_use_spotify(
    stub: StubSpotify, tmp_path: Path
) -> None:
    # GIVEN the credentials (and the stub's addresses) only in .env, as the docs say to keep them
    from tests.conftest import run_cli

    home = tmp_path / "lake"
    home.mkdir()
    (home / ".env").write_text(
        "# written by hand\n"
        + "".join(f"{k}={v}\n" for k, v in stub.env().items() if k != "SPOTIFY_PIPELINE_SOURCE")
        + 'export SPOTIFY_PLAYLISTS="me"\n'
    )
    today = datetime.now(UTC).date().isoformat()
    # WHEN `extract` runs from that folder, no source named
    done = run_cli(home, "extract", "--date", today)
    # THEN it read .env and extracted from Spotify (the stub)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["statuses"] == {"ok": 5, "skipped": 1}
    assert stub.state.api_requests("/v1/me/playlists")
    # AND the environment wins over .env
    done = run_cli(home, "extract", "--date", today, SPOTIFY_PIPELINE_SOURCE="sample")
    assert done.returncode == 2 and "holds your Spotify data" in done.stderr


def test_the_sample_never_lands_in_a_lake_of_real_data(stub: StubSpotify, tmp_path: Path) -> None:
    # GIVEN a lake that holds the sample's week
    from tests.conftest import run_cli

    sample = run_cli(tmp_path, "extract", "--date", "2026-11-20")
    assert sample.returncode == 0, sample.stderr
    # WHEN Spotify is pointed at it THEN it refuses in one line, saying where and what to do
    today = datetime.now(UTC).date().isoformat()
    live = run_cli(tmp_path, "extract", "--date", today, **stub.env())
    assert live.returncode == 2
    (line,) = live.stderr.strip().splitlines()
    assert line.startswith(f"error: the lake at {tmp_path} holds the bundled sample")
    assert "SPOTIFY_PIPELINE_HOME" in line
    assert not (tmp_path / "raw" / "spotify" / "playlists" / f"snapshot_date={today}").exists()
