"""Platforms: where the pipeline stores, transforms, catalogs and queries."""

from __future__ import annotations

from spotify_etl.platforms.base import Platform, PlatformError
from spotify_etl.settings import Settings, SettingsError


def get_platform(settings: Settings) -> Platform:
    """The platform the settings select."""
    if settings.platform == "local":
        from spotify_etl.platforms.local import LocalPlatform

        return LocalPlatform(settings.home)
    raise SettingsError(
        "SPOTIFY_PIPELINE_PLATFORM=aws is not available in this release; allowed: local"
    )


__all__ = ["Platform", "PlatformError", "get_platform"]
