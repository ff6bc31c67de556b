"""`spotify-pipeline auth` as a user meets it, against the stub accounts service: each failure is
one line saying what to do (exit 2, no traceback, no secret), and a machine without a browser
logs in by pasting the address Spotify sent the browser to."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tests.conftest import CLI, run_cli
from tests.stub_spotify import StubSpotify

PROMPT_END = "then press Enter:"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _login_env(stub: StubSpotify, *, secret: bool = True, **extra: str) -> dict[str, str]:
    """The stub's settings for a first login: no refresh token yet, a free redirect port."""
    env = {**stub.env(), "SPOTIPY_REDIRECT_URI": f"http://127.0.0.1:{_free_port()}/callback"}
    env.pop("SPOTIFY_REFRESH_TOKEN")
    if not secret:
        env.pop("SPOTIPY_CLIENT_SECRET")
    return {**env, **extra}


def _start(
    home: Path, env: dict[str, str], *args: str, browserless: bool = False
) -> subprocess.Popen[str]:
    """`spotify-pipeline ARGS` with a terminal to paste into (run_cli's environment); with
    `browserless`, on a machine where no browser can be found (no display, no console one)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "SPOTIF"))}
    if browserless:
        for name in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY"):
            environ.pop(name, None)
        environ["PATH"] = str(Path(sys.executable).parent)
    environ.update({"SPOTIFY_PIPELINE_HOME": str(home), **env})
    home.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [CLI, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=environ, cwd=home,
    )  # fmt: skip


def _printed_address(process: subprocess.Popen[str]) -> tuple[str, str]:
    """Read stderr up to the paste prompt: (the authorize address, all that was printed)."""
    assert process.stderr is not None
    printed, address = "", ""
    for line in iter(process.stderr.readline, ""):
        printed += line
        if line.strip().startswith("http"):
            address = line.strip()
        if PROMPT_END in line:
            break
    assert address, printed
    return address, printed


@pytest.fixture
def paste_login() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate()


def _paste(
    process: subprocess.Popen[str], text: str
) -> tuple[int, str, str]:  # (exit code, stdout, stderr after the prompt)
    out, err = process.communicate(text + "\n", timeout=60)
    return process.returncode, out, err


def _one_error_line(err: str, out: str = "") -> str:
    assert "Traceback" not in out + err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    return lines[0]


# ------------------------------------------------------------------ failures before the consent
def test_a_wrong_client_secret_is_one_line_before_the_consent(
    stub: StubSpotify, tmp_path: Path
) -> None:
    # GIVEN a client secret Spotify does not know
    env = _login_env(stub, SPOTIPY_CLIENT_SECRET="not-the-secret-42")
    # WHEN `auth` runs
    done = run_cli(tmp_path, "auth", "--no-browser", **env)
    # THEN it stops before sending anyone to log in, in one line naming the settings to check
    assert done.returncode == 2
    line = _one_error_line(done.stderr, done.stdout)
    assert line.startswith("error: Spotify refused the client id/secret (invalid_client")
    assert "SPOTIPY_CLIENT_ID / SPOTIPY_CLIENT_SECRET in .env" in line
    assert "not-the-secret-42" not in done.stdout + done.stderr


def test_an_unreachable_accounts_service_is_named(stub: StubSpotify, tmp_path: Path) -> None:
    # GIVEN the accounts service at a port where nothing listens
    accounts = f"http://127.0.0.1:{_free_port()}/"
    env = _login_env(stub, SPOTIFY_ACCOUNTS_URL=accounts)
    # WHEN `auth` runs
    done = run_cli(tmp_path, "auth", "--no-browser", **env)
    # THEN one line names the address it could not reach
    assert done.returncode == 2
    line = _one_error_line(done.stderr, done.stdout)
    assert f"cannot reach Spotify's accounts service at {accounts}" in line


def test_a_taken_redirect_port_is_named_with_the_fix(stub: StubSpotify, tmp_path: Path) -> None:
    # GIVEN another program (Jupyter, say) listening on the redirect URI's port, and a browser
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = _login_env(stub, SPOTIPY_REDIRECT_URI=f"http://127.0.0.1:{port}/callback")
        # WHEN `auth` runs in the browser mode
        done = run_cli(tmp_path, "auth", BROWSER="true", **env)
    # THEN one line names the port and says to register another one
    assert done.returncode == 2
    line = _one_error_line(done.stderr, done.stdout)
    assert f"port {port} of 127.0.0.1 is in use" in line
    assert "set SPOTIPY_REDIRECT_URI to another 127.0.0.1 port registered" in line


# ------------------------------------------------------------------ pasting the redirect
@pytest.mark.parametrize("secret", [True, False], ids=["code", "pkce"])
def test_without_a_browser_the_pasted_address_logs_in(
    stub: StubSpotify,
    tmp_path: Path,
    paste_login: list[subprocess.Popen[str]],
    secret: bool,
) -> None:
    # GIVEN `auth --no-browser` (an SSH session, a container)
    env = _login_env(stub, secret=secret)
    process = _start(tmp_path, env, "auth", "--no-browser")
    paste_login.append(process)
    # WHEN the user opens the printed address elsewhere, allows access, and pastes the address
    # the browser was sent to
    address, printed = _printed_address(process)
    query = parse_qs(urlparse(address).query)
    assert query["redirect_uri"] == [env["SPOTIPY_REDIRECT_URI"]]
    assert ("code_challenge" in query) is not secret  # PKCE without a secret
    redirected = f"{env['SPOTIPY_REDIRECT_URI']}?code=good-code&state={query['state'][0]}"
    code, out, err = _paste(process, redirected)
    # THEN the refresh token is printed as the browser login prints it, and how to store it
    assert code == 0, err
    assert out.strip().splitlines() == ["Refresh token:", "fresh-refresh-token"]
    assert "SPOTIFY_REFRESH_TOKEN=<the refresh token above>" in err
    # AND neither the token, the code nor the secret is echoed on stderr
    for secret_text in ("fresh-refresh-token", "good-code", "stub-secret"):
        assert secret_text not in printed + err


def test_with_no_browser_found_the_login_asks_for_the_address(
    stub: StubSpotify, tmp_path: Path, paste_login: list[subprocess.Popen[str]]
) -> None:
    # GIVEN a machine where no browser can be found, and plain `auth`
    env = _login_env(stub)
    process = _start(tmp_path, env, "auth", browserless=True)
    paste_login.append(process)
    # WHEN the user pastes the address the browser was sent to
    address, printed = _printed_address(process)
    state = parse_qs(urlparse(address).query)["state"][0]
    code, out, _ = _paste(process, f"{env['SPOTIPY_REDIRECT_URI']}?code=good-code&state={state}")
    # THEN it said so, asked for the address instead of waiting, and logged in
    assert "No browser found on this machine" in printed
    assert code == 0
    assert out.strip().splitlines()[-1] == "fresh-refresh-token"


@pytest.mark.parametrize(
    ("redirect", "secret", "message"),
    [
        (
            "{uri}?error=access_denied&state={state}",
            True,
            "error: access was not allowed on Spotify's page (access_denied)",
        ),
        ("{uri}?code=good-code&state=another-login", True, "error: the redirect's state does "),
        ("I closed the tab", True, "error: the pasted text holds no `code`"),
        ("{uri}?code=used-code&state={state}", True, "error: Spotify refused the authorization "),
        ("{uri}?code=good-code&state={state}", False, "error: Spotify refused the client id "),
    ],
    ids=["access-denied", "other-state", "not-the-address", "used-code", "unknown-pkce-client"],
)
def test_a_pasted_redirect_that_cannot_log_in_is_one_line(
    stub: StubSpotify,
    tmp_path: Path,
    paste_login: list[subprocess.Popen[str]],
    redirect: str,
    secret: bool,
    message: str,
) -> None:
    # GIVEN `auth --no-browser` (a PKCE client ID Spotify does not know, in the last case)
    extra = {} if secret else {"SPOTIPY_CLIENT_ID": "unknown-client"}
    env = _login_env(stub, secret=secret, **extra)
    process = _start(tmp_path, env, "auth", "--no-browser")
    paste_login.append(process)
    address, _ = _printed_address(process)
    state = parse_qs(urlparse(address).query)["state"][0]
    # WHEN the pasted address cannot complete the login
    code, out, err = _paste(process, redirect.format(uri=env["SPOTIPY_REDIRECT_URI"], state=state))
    # THEN after the prompt there is one line saying what went wrong, and no token
    assert code == 2
    assert _one_error_line(err, out).startswith(message)
    assert out == ""
