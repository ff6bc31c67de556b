"""URIs of the zones: `s3://bucket/key` or a local path, joined the same way (standard library).

Every path in the lake is built from these two helpers by `rawzone.layout`, so local paths and
S3 URIs stay comparable as plain strings.
"""

from __future__ import annotations

S3_SCHEME = "s3://"


def is_s3(uri: str) -> bool:
    """True for `s3://` URIs."""
    return uri.startswith(S3_SCHEME)


def join(root: str, *parts: str) -> str:
    """Join URI or path segments with `/` (also for local paths, so URIs stay comparable)."""
    out = root.rstrip("/")
    for part in parts:
        out = f"{out}/{part.strip('/')}"
    return out


def split_s3(uri: str) -> tuple[str, str]:
    """(bucket, key) of an `s3://` URI."""
    bucket, _, key = uri[len(S3_SCHEME) :].partition("/")
    return bucket, key


def relative(uri: str, root: str) -> str:
    """`uri` below `root`, without the root and its slash (unchanged when not below it)."""
    return uri.removeprefix(root.rstrip("/") + "/")
