"""One line for an exception, as the command line prints it (pure: reads the exception only).

- The project's own exceptions (and Airflow's `AirflowFailException`, which the DAGs raise with
  a message for the user) are their message: it already says what is wrong and what to do.
- botocore's: the AWS service, the operation and the bucket of the call that failed (read from
  botocore's frame in the traceback), then the error code and AWS's message. Never a credential:
  botocore's messages carry none, and only the call's `Bucket` is read from its parameters.
- Any other: its class and its message, so a bug still says what it is.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any

OWN_MODULES = ("spotify_etl.", "spotify_transform.")
MESSAGE_ONLY = {
    "airflow.sdk.exceptions.AirflowFailException",
    "airflow.exceptions.AirflowFailException",
}
# botocore errors a user fixes in their AWS configuration (exit 2 rather than 1).
AWS_SETUP = {
    "NoCredentialsError", "PartialCredentialsError", "NoRegionError", "ProfileNotFound",
    "UnauthorizedSSOTokenError", "SSOTokenLoadError", "TokenRetrievalError",
}  # fmt: skip
MAX_FOREIGN = 300  # characters kept of a foreign exception's message


def describe(exc: BaseException) -> str:
    """The exception as one line (see the module's docstring)."""
    aws = _aws(exc)
    if aws is not None:
        return aws
    text = " ".join(str(exc).split())
    names = {f"{c.__module__}.{c.__qualname__}" for c in type(exc).__mro__}
    if type(exc).__module__.startswith(OWN_MODULES) or names & MESSAGE_ONLY:
        return text or type(exc).__name__
    if len(text) > MAX_FOREIGN:
        text = text[: MAX_FOREIGN - 1] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def is_aws_error(exc: BaseException) -> bool:
    """A botocore error (a failed AWS call, or no usable AWS configuration)."""
    module = sys.modules.get("botocore.exceptions")  # not imported: not a botocore error
    return module is not None and isinstance(exc, (module.BotoCoreError, module.ClientError))


def is_aws_setup_error(exc: BaseException) -> bool:
    """A botocore error the user fixes in their AWS configuration (credentials, region)."""
    return is_aws_error(exc) and bool({c.__name__ for c in type(exc).__mro__} & AWS_SETUP)


def _aws(exc: BaseException) -> str | None:
    if not is_aws_error(exc):
        return None
    call = _failed_call(exc)
    where = " ".join(["AWS", *(part for part in call if part)])
    if isinstance(exc, sys.modules["botocore.exceptions"].ClientError):
        error: dict[str, Any] = exc.response.get("Error") or {}
        code = error.get("Code") or "error"
        message = " ".join(str(error.get("Message") or "").split())
        return f"{where} failed: {code}" + (f" ({message})" if message else "")
    if is_aws_setup_error(exc):
        return (
            f"{where}: {str(exc).rstrip('.')}: set AWS_PROFILE (after `aws sso login` for an "
            "SSO profile) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and AWS_REGION"
        )
    return f"{where}: {exc}"


def _failed_call(exc: BaseException) -> tuple[str, str, str]:
    """(service, operation, "on bucket B") of the botocore call the exception left, or blanks.

    botocore's `BaseClient._make_api_call(self, operation_name, api_params)` is in the
    traceback of every error raised by a call; the innermost such frame is the failed call.
    """
    service = operation = bucket = ""
    for frame, _ in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_name != "_make_api_call":
            continue
        local = frame.f_locals
        operation = str(local.get("operation_name") or operation)
        params = local.get("api_params")
        if isinstance(params, dict) and params.get("Bucket"):
            bucket = f"on bucket {params['Bucket']}"
        meta = getattr(local.get("self"), "meta", None)
        service = str(getattr(getattr(meta, "service_model", None), "service_name", "") or service)
    operation = operation or str(getattr(exc, "operation_name", "") or "")
    if not bucket:
        named = (getattr(exc, "response", None) or {}).get("Error", {}).get("BucketName")
        bucket = f"on bucket {named}" if named else ""
    return service, operation, bucket
