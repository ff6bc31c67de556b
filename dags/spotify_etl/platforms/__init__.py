"""Platforms: where the pipeline stores, transforms, catalogs and queries."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from spotify_etl.platforms.base import Platform, PlatformError, QueryError
from spotify_etl.settings import Settings

if TYPE_CHECKING:
    from spotify_etl.platforms.aws import AwsClients


def get_platform(
    settings: Settings, aws_clients: Callable[[], AwsClients] | None = None
) -> Platform:
    """The platform the settings select. On AWS its clients come from `aws_clients` (inside
    Airflow: the Amazon provider's hooks), by default from boto3's default session."""
    if settings.platform == "local":
        from spotify_etl.platforms.local import LocalPlatform

        return LocalPlatform(settings.home, settings.timezone)
    from spotify_etl.platforms.aws import AwsPlatform, clients_from_boto3

    return AwsPlatform(settings, (aws_clients or clients_from_boto3)())


__all__ = ["Platform", "PlatformError", "QueryError", "get_platform"]
