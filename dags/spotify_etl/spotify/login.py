"""`spotify-pipeline auth`: the one-time user login that yields a refresh token.

Authorization code flow (PKCE when no client secret is set) with a loopback redirect
(`http://127.0.0.1:PORT/callback`; Spotify refused `localhost` and plain-HTTP hosts from
November 2025). The refresh token is printed once, for the user to store; it lasts 6 months from
consent, after which this command must run again.
"""

from __future__ import annotations

import secrets
import webbrowser
from collections.abc import Callable
from urllib.parse import urlparse

from spotipy.oauth2 import start_local_http_server

from spotify_etl.settings import Settings, SettingsError
from spotify_etl.spotify.oauth import DEFAULT_REDIRECT_URI, SCOPES, make_auth_manager
from spotify_etl.spotify.responses import SourceError


def login(
    settings: Settings,
    *,
    open_browser: bool = True,
    timeout: float = 300,
    say: Callable[[str], None] = print,
) -> str:
    """Run the browser login once and return the refresh token.

    Raises:
        SettingsError: No client ID, or a redirect URI that is not a loopback http address.
        SourceError: The login failed or timed out.
    """
    if not settings.client_id:
        raise SettingsError("SPOTIPY_CLIENT_ID is not set: create an app at developer.spotify.com")
    redirect = urlparse(settings.redirect_uri or DEFAULT_REDIRECT_URI)
    if redirect.scheme != "http" or redirect.hostname != "127.0.0.1" or not redirect.port:
        raise SettingsError(
            f"SPOTIPY_REDIRECT_URI={redirect.geturl()!r} is not allowed here; use a loopback "
            "address with a port, e.g. http://127.0.0.1:8888/callback, registered in the app"
        )
    manager = make_auth_manager(settings, interactive=True)
    state = secrets.token_urlsafe(16)
    manager.state = state
    url = manager.get_authorize_url(state=state)
    say(f"Open this address, log in and allow access ({SCOPES}):\n\n  {url}\n")
    say(f"Waiting for Spotify to redirect to {redirect.geturl()} …")
    server = start_local_http_server(redirect.port)
    server.timeout = timeout
    if open_browser:
        webbrowser.open(url)
    try:
        server.handle_request()
    finally:
        server.server_close()
    if server.error is not None:
        raise SourceError(f"login failed: {server.error}")
    if server.auth_code is None:
        raise SourceError(f"no redirect arrived within {timeout:.0f}s; run the command again")
    if getattr(server, "state", None) != state:
        raise SourceError("the redirect's state does not match this login; run the command again")
    manager.get_access_token(code=server.auth_code, check_cache=False)
    token = manager.cache_handler.get_cached_token() or {}
    refresh = token.get("refresh_token")
    if not refresh:
        raise SourceError("Spotify returned no refresh token")
    return str(refresh)


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
