"""`spotify-pipeline auth`: the one-time user login that yields a refresh token.

Authorization code flow (PKCE when no client secret is set). After the consent Spotify sends the
browser to the redirect URI, a loopback address (`http://127.0.0.1:PORT/callback`; Spotify
refused `localhost` and plain-HTTP hosts from November 2025), with the code in its query:

- with a browser on this machine, a one-request server on that port receives it;
- without one (SSH, a container: `--no-browser`, or no browser found), the user opens the
  address on any machine and pastes the address the browser was sent to (its page does not
  load: nothing listens there, which is expected).

With a client secret, a client-credentials token request first proves the client ID and secret
(and that the accounts service answers) before the user is sent to consent. Either way the
redirect's `state` must be this login's, and the code is exchanged with the client secret or the
PKCE verifier. The refresh token is printed once, for the user to store; it
lasts 6 months from consent, after which this command must run again. Every failure the user
can act on is a `LoginError`: one line saying what is wrong and what to do, never a secret, a
token or a code.
"""

from __future__ import annotations

import errno
import re
import secrets
import sys
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import ParseResult, parse_qs, urlparse

import requests
from spotipy import MemoryCacheHandler
from spotipy.oauth2 import (
    SpotifyClientCredentials,
    SpotifyOAuth,
    SpotifyOauthError,
    SpotifyPKCE,
    start_local_http_server,
)

from spotify_etl.settings import Settings, SettingsError
from spotify_etl.spotify.oauth import (
    DEFAULT_REDIRECT_URI,
    SCOPES,
    TOKEN_TIMEOUT,
    make_auth_manager,
)
from spotify_etl.spotify.responses import SourceError


class LoginError(Exception):
    """The login did not complete, for a reason the user can act on (one line, no secret)."""


@dataclass(frozen=True)
class Redirect:
    """What Spotify's redirect carried: a code and the state, or an error."""

    code: str | None
    state: str | None
    error: str | None


def parse_redirect(text: str) -> Redirect:
    """The code, state and error of a redirect address (or of its bare query string)."""
    text = text.strip().strip("'\"<>")
    query = urlparse(text).query or (text if "=" in text and "://" not in text else "")
    values = parse_qs(query)

    def first(name: str) -> str | None:
        return values.get(name, [None])[0]

    return Redirect(code=first("code"), state=first("state"), error=first("error"))


def _stdin_line() -> str:
    return sys.stdin.readline()


def login(
    settings: Settings,
    *,
    open_browser: bool = True,
    timeout: float = 300,
    say: Callable[[str], None] = print,
    read_line: Callable[[], str] = _stdin_line,
) -> str:
    """Run the login once and return the refresh token.

    Args:
        settings: The client ID (and secret), the redirect URI and the accounts URL.
        open_browser: Log in through a browser on this machine (when one is found); False:
            print the address and read the address it redirected to (`read_line`).
        timeout: Seconds to wait for the redirect in the browser mode.
        say: Where the instructions go (the CLI: stderr).
        read_line: Reads the pasted address (default: a line of stdin).

    Raises:
        SettingsError: No client ID, or a redirect URI that is not a loopback http address.
        LoginError: The login failed in a way the user can act on.
        SourceError: Spotify answered the exchange without a refresh token.
    """
    if not settings.client_id:
        raise SettingsError("SPOTIPY_CLIENT_ID is not set: create an app at developer.spotify.com")
    redirect = urlparse(settings.redirect_uri or DEFAULT_REDIRECT_URI)
    if redirect.scheme != "http" or redirect.hostname != "127.0.0.1" or not redirect.port:
        raise SettingsError(
            f"SPOTIPY_REDIRECT_URI={redirect.geturl()!r} is not allowed here; use a loopback "
            "address with a port, e.g. http://127.0.0.1:8888/callback, registered in the app"
        )
    _check_client(settings)
    manager = make_auth_manager(settings, interactive=True)
    state = secrets.token_urlsafe(16)
    manager.state = state
    url = manager.get_authorize_url(state=state)
    browser = _browser() if open_browser else None
    if open_browser and browser is None:
        say("No browser found on this machine: log in from any other one (as --no-browser).")
    if browser is None:
        answer = _pasted(url, redirect, say, read_line)
    else:
        answer = _received(url, redirect, timeout, say, browser)
    return _exchange(manager, _code(answer, state, redirect), settings)


def _browser() -> webbrowser.BaseBrowser | None:
    try:
        return webbrowser.get()
    except webbrowser.Error:
        return None


def _pasted(
    url: str, redirect: ParseResult, say: Callable[[str], None], read_line: Callable[[], str]
) -> Redirect:
    say(
        f"Open this address in a browser on any machine, log in and allow access ({SCOPES}):"
        f"\n\n  {url}\n\nSpotify then sends that browser to {redirect.geturl()}?code=…; the page "
        "does not load there, which is expected.\nCopy the whole address from the browser's "
        "address bar and paste it here, then press Enter:"
    )
    try:
        text = read_line()
    except (OSError, EOFError):
        text = ""
    if not text.strip():
        raise LoginError(
            "no address was pasted: run `spotify-pipeline auth --no-browser` in a terminal and "
            "paste the address the browser was sent to after the login"
        )
    return parse_redirect(text)


def _received(
    url: str,
    redirect: ParseResult,
    timeout: float,
    say: Callable[[str], None],
    browser: webbrowser.BaseBrowser,
) -> Redirect:
    port = int(redirect.port or 0)
    try:  # before anything is shown: a taken port stops the login before the consent
        server = start_local_http_server(port)
    except OSError as exc:
        raise LoginError(_port_problem(port, exc)) from None
    try:
        say(f"Log in and allow access in the browser ({SCOPES}); if none opens, open:\n\n  {url}\n")
        say(f"Waiting for Spotify to redirect to {redirect.geturl()} …")
        browser.open(url)
        deadline = time.monotonic() + timeout
        while server.auth_code is None and server.error is None:  # e.g. a favicon request
            left = deadline - time.monotonic()
            if left <= 0:
                raise LoginError(
                    f"no redirect arrived within {timeout:.0f}s: run the command again "
                    "(`--no-browser` to paste the address from a browser elsewhere)"
                )
            server.timeout = left
            server.handle_request()
    finally:
        server.server_close()
    if server.error is not None:
        return Redirect(code=None, state=None, error=getattr(server.error, "error", None) or "")
    return Redirect(code=server.auth_code, state=getattr(server, "state", None), error=None)


def _port_problem(port: int, exc: OSError) -> str:
    taken = exc.errno == errno.EADDRINUSE
    what = (
        f"port {port} of 127.0.0.1 is in use by another program"
        + (" (8888 is also Jupyter's default)" if port == 8888 else "")
        if taken
        else f"cannot listen on port {port} of 127.0.0.1 ({exc.strerror or exc})"
    )
    return (
        f"{what}: set SPOTIPY_REDIRECT_URI to another 127.0.0.1 port registered in the app's "
        "dashboard (e.g. http://127.0.0.1:8765/callback), or log in with --no-browser"
    )


def _code(answer: Redirect, state: str, redirect: ParseResult) -> str:
    """The authorization code of a redirect that belongs to this login."""
    if answer.error is not None:
        error = answer.error if re.fullmatch(r"[\w.-]{1,64}", answer.error) else "an error"
        if error == "access_denied":
            raise LoginError(
                "access was not allowed on Spotify's page (access_denied): run "
                "`spotify-pipeline auth` again and choose Agree"
            )
        raise LoginError(f"Spotify's login answered {error}: run `spotify-pipeline auth` again")
    if not answer.code:
        raise LoginError(
            "the pasted text holds no `code`: paste the whole address the browser was sent to "
            f"after the login (it starts with {redirect.geturl()}?code=)"
        )
    if answer.state != state:
        raise LoginError(
            "the redirect's state does not match this login (an address from an earlier "
            "login?): run `spotify-pipeline auth` again and use the address it prints"
        )
    return answer.code


def _check_client(settings: Settings) -> None:
    """With a secret: prove the client ID and secret by a client-credentials token request, so
    a wrong one (or an unreachable accounts service) stops the login before the consent."""
    if not settings.client_secret:
        return  # PKCE: Spotify's own page refuses an unknown client ID
    app = SpotifyClientCredentials(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        requests_timeout=TOKEN_TIMEOUT,
        cache_handler=MemoryCacheHandler(),
    )
    app.OAUTH_TOKEN_URL = f"{settings.accounts_url}api/token"
    _ask_accounts(lambda: app.get_access_token(as_dict=False, check_cache=False), settings)


def _exchange(manager: SpotifyOAuth | SpotifyPKCE, code: str, settings: Settings) -> str:
    """Exchange the code (with the client secret or the PKCE verifier) for the refresh token."""
    _ask_accounts(lambda: manager.get_access_token(code=code, check_cache=False), settings)
    token: dict[str, Any] = manager.cache_handler.get_cached_token() or {}
    refresh = token.get("refresh_token")
    if not refresh:
        raise SourceError("Spotify returned no refresh token; run `spotify-pipeline auth` again")
    return str(refresh)


def _ask_accounts(request: Callable[[], object], settings: Settings) -> None:
    """One token-endpoint request; its failures as one line each."""
    try:
        request()
    except SpotifyOauthError as exc:
        raise LoginError(_refusal(exc, settings)) from None
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise LoginError(
            f"cannot reach Spotify's accounts service at {settings.accounts_url} "
            f"({type(exc).__name__}): check the network connection (a proxy?) or "
            "SPOTIFY_ACCOUNTS_URL, then run `spotify-pipeline auth` again"
        ) from None
    except requests.RequestException as exc:
        raise SourceError(
            f"Spotify's accounts service at {settings.accounts_url} answered the login "
            f"unexpectedly ({type(exc).__name__}): run `spotify-pipeline auth` again"
        ) from None


def _refusal(exc: SpotifyOauthError, settings: Settings) -> str:
    """Why the token endpoint refused the login, and what to do, in one line."""
    error = str(getattr(exc, "error", "") or "an error")
    said = " ".join(str(getattr(exc, "error_description", "") or "").split())[:120]
    detail = f"{error}: {said}" if said else error
    if error in ("invalid_client", "unauthorized_client"):
        if settings.client_secret:
            what, names = "client id/secret", "SPOTIPY_CLIENT_ID / SPOTIPY_CLIENT_SECRET"
        else:
            what, names = "client id", "SPOTIPY_CLIENT_ID (PKCE: no secret is set)"
        return f"Spotify refused the {what} ({detail}): check {names} in .env or the environment"
    if error == "invalid_grant":
        return (
            f"Spotify refused the authorization code ({detail}): a code is valid once and "
            "briefly; run `spotify-pipeline auth` again and finish within a few minutes"
        )
    return f"Spotify refused the login ({detail}): run `spotify-pipeline auth` again"


def instructions(settings: Settings) -> str:
    """How to store the printed refresh token, in the two places the pipeline reads it from.

    Settings read, in this order: the environment (`SPOTIFY_REFRESH_TOKEN`, with
    `SPOTIPY_CLIENT_ID` and `SPOTIPY_CLIENT_SECRET`), then the Airflow connection
    `spotify_default` (login = client ID, password = client secret, extra `refresh_token`).
    No secret is repeated here: the token is printed once, above.
    """
    password = " --conn-password '<your client secret>'" if settings.client_secret else ""
    return f"""Store the refresh token (treat it like a password) in one of two ways:
  - in the environment, or in .env for docker compose:
      SPOTIFY_REFRESH_TOKEN=<the refresh token above>
  - or as the Airflow connection `spotify_default` (login: the client ID; password: the client
    secret{", none for PKCE" if not settings.client_secret else ""}; extra: the refresh token):
      airflow connections add spotify_default --conn-type generic \\
        --conn-login '{settings.client_id}'{password} \\
        --conn-extra '{{"refresh_token": "<the refresh token above>"}}'
It expires 6 months after this consent: run `spotify-pipeline auth` again then."""
