"""The user-token auth managers (spotipy): authorization code with a client secret, PKCE
without one, never an interactive login inside a pipeline run."""

from __future__ import annotations

from typing import Any

import spotipy
from spotipy.oauth2 import SpotifyOAuth, SpotifyPKCE

from spotify_etl.settings import Settings
from spotify_etl.spotify.responses import SourceError

# What a run needs whatever SPOTIFY_DATASETS says: a token consented before the library
# datasets existed keeps working for these (a library dataset it lacks the scope of is
# recorded `forbidden`, naming the scope).
RUN_SCOPES = "playlist-read-private playlist-read-collaborative user-read-recently-played"
# What `spotify-pipeline auth` asks for: the above, Liked Songs and saved albums, top items.
SCOPES = f"{RUN_SCOPES} user-library-read user-top-read"


DEFAULT_REDIRECT_URI = "http://127.0.0.1:8888/callback"
TOKEN_TIMEOUT = 30  # seconds for one token-endpoint request (spotipy's default: none, forever)


class ReauthRequired(SourceError):
    """The refresh token no longer works: a human must run `spotify-pipeline auth`."""


class _NoInteractiveLogin:
    """Mixin: a pipeline run must never wait for a browser login or read a terminal.

    spotipy asks for a new authorization code whenever its cached token is unusable (e.g. the
    refreshed token lacks a scope); the code flow does so through `get_auth_response`, PKCE
    through `_get_auth_response`, both from `get_authorization_code`: stop there.
    """

    def get_authorization_code(self, *args: Any, **kwargs: Any) -> str:
        raise ReauthRequired(
            "no valid Spotify token and no interactive login in a pipeline run: "
            "run `spotify-pipeline auth` and store the refresh token it prints"
        )

    get_auth_response = get_authorization_code


class _OAuth(_NoInteractiveLogin, SpotifyOAuth):  # type: ignore[misc]
    pass


class _PKCE(_NoInteractiveLogin, SpotifyPKCE):  # type: ignore[misc]
    pass


def make_auth_manager(
    settings: Settings, *, interactive: bool = False
) -> SpotifyOAuth | SpotifyPKCE:
    """The user-token auth manager: authorization code with a secret, or PKCE without one.

    Args:
        settings: Credentials and the accounts base URL.
        interactive: For `spotify-pipeline auth` only: allow the browser login flow.
    """
    redirect = settings.redirect_uri or DEFAULT_REDIRECT_URI
    common: dict[str, Any] = {
        "client_id": settings.client_id,
        "redirect_uri": redirect,
        "scope": SCOPES if interactive else RUN_SCOPES,
        "cache_handler": spotipy.MemoryCacheHandler(),
        "open_browser": False,
        "requests_timeout": TOKEN_TIMEOUT,
    }
    manager: SpotifyOAuth | SpotifyPKCE
    if settings.client_secret:
        cls_oauth = SpotifyOAuth if interactive else _OAuth
        manager = cls_oauth(client_secret=settings.client_secret, **common)
    else:
        cls_pkce = SpotifyPKCE if interactive else _PKCE
        manager = cls_pkce(**common)
    manager.OAUTH_TOKEN_URL = f"{settings.accounts_url}api/token"
    manager.OAUTH_AUTHORIZE_URL = f"{settings.accounts_url}authorize"
    if settings.refresh_token and not interactive:
        # An expired placeholder: the first call refreshes it with the stored refresh token.
        manager.cache_handler.save_token_to_cache(
            {
                "access_token": "",
                "token_type": "Bearer",
                "expires_at": 0,
                "expires_in": 0,
                "refresh_token": settings.refresh_token,
                "scope": RUN_SCOPES,
            }
        )
    return manager
