"""Platforms: where the pipeline stores, transforms, catalogs and queries."""

from __future__ import annotations

from spotify_etl.platforms.base import Platform, PlatformError
from spotify_etl.settings import Settings


def get_platform(settings: Settings) -> Platform:
    """The platform the settings select."""
    if settings.platform == "local":
        from spotify_etl.platforms.local import LocalPlatform

        return LocalPlatform(settings.home)
    from spotify_etl.platforms.aws import AwsPlatform, default_clients

    return AwsPlatform(settings, default_clients())


__all__ = ["Platform", "PlatformError", "get_platform"]
