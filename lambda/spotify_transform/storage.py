"""One small byte store for `s3://bucket/key` URIs and local paths, used by both sides.

Writes are atomic: locally a file is written under a hidden temporary name in the same folder,
flushed and renamed over the target in one step; on S3 a single PUT replaces the object. A crash
between writing and replacing therefore leaves the previous file complete and readable.
The S3 client is passed in (an I/O adapter never builds its own client).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

from spotify_transform.uris import S3_SCHEME, is_s3, join
from spotify_transform.uris import split_s3 as _split

# Reads worth running at once: an S3 GET mostly waits on the network, so many overlap well; a
# local read is a memory copy out of the page cache, so more readers than cores only contend
# with the parser for them (measured: 8 local readers cost ~5% of the transform's wall time).
S3_READ_CONCURRENCY = 8
LOCAL_READ_CONCURRENCY = 2


class StorageError(Exception):
    """A storage operation failed; the message names the URI."""


def _synced_temp(target: Path, data: bytes) -> Path:
    """`data` in a new temporary file beside `target`, synced to disk: the caller renames or
    links it into place (removed again if writing it fails)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


class ByteStore:
    """Read, write, list, copy and delete bytes at local paths or S3 URIs.

    Args:
        s3_client: A boto3 S3 client; needed only for `s3://` URIs.
    """

    def __init__(self, s3_client: Any | None = None) -> None:
        self._s3 = s3_client

    @property
    def s3_client(self) -> Any | None:
        """The S3 client this store was given (None for a local-only store)."""
        return self._s3

    def _client(self, uri: str) -> Any:
        if self._s3 is None:
            raise StorageError(f"{uri}: an S3 URI needs an S3 client")
        return self._s3

    # ------------------------------------------------------------------ reading
    @staticmethod
    def read_concurrency(uri: str) -> int:
        """How many reads under `uri` are worth keeping in flight at once."""
        return S3_READ_CONCURRENCY if is_s3(uri) else LOCAL_READ_CONCURRENCY

    def read(self, uri: str) -> bytes:
        """The bytes at `uri`."""
        if is_s3(uri):
            bucket, key = _split(uri)
            try:
                body: bytes = self._client(uri).get_object(Bucket=bucket, Key=key)["Body"].read()
            except Exception as exc:
                raise StorageError(f"cannot read {uri}: {exc}") from exc
            return body
        try:
            return Path(uri).read_bytes()
        except OSError as exc:
            raise StorageError(f"cannot read {uri}: {exc.strerror}") from exc

    def exists(self, uri: str) -> bool:
        """Whether a file/object exists at `uri`."""
        if is_s3(uri):
            bucket, key = _split(uri)
            resp = self._client(uri).list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1)
            return any(o["Key"] == key for o in resp.get("Contents", []))
        return Path(uri).is_file()

    def list_files(self, prefix: str) -> list[str]:
        """Every file below the folder `prefix`, recursively, as sorted URIs/paths.

        Hidden files (leading `.` or `_tmp`) are left out: they are in-flight writes.
        """
        return sorted(self.list_versions(prefix))

    def list_versions(self, prefix: str) -> dict[str, str]:
        """Every file below the folder `prefix` with a version that changes whenever the file
        is written again (S3: size and ETag; locally: size and modification time)."""
        out: dict[str, str] = {}
        if is_s3(prefix):
            bucket, key = _split(prefix.rstrip("/") + "/")
            pages = self._client(prefix).get_paginator("list_objects_v2")
            for page in pages.paginate(Bucket=bucket, Prefix=key):
                for o in page.get("Contents", []):
                    out[f"{S3_SCHEME}{bucket}/{o['Key']}"] = f"{o.get('Size')}:{o.get('ETag')}"
            return out
        base = prefix.rstrip("/")
        for folder, dirs, names in os.walk(base):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            rel = folder[len(base) :].lstrip(os.sep).replace(os.sep, "/")
            for n in names:
                if n[0] == ".":
                    continue
                path = join(base, rel, n) if rel else join(base, n)
                stat = (Path(folder) / n).stat()
                out[path] = f"{stat.st_size}:{stat.st_mtime_ns}"
        return out

    def list_dirs(self, prefix: str) -> list[str]:
        """Names of the immediate sub-folders of `prefix` (hidden ones left out), sorted."""
        if is_s3(prefix):
            bucket, key = _split(prefix.rstrip("/") + "/")
            names: list[str] = []
            pages = self._client(prefix).get_paginator("list_objects_v2")
            for page in pages.paginate(Bucket=bucket, Prefix=key, Delimiter="/"):
                names += [
                    p["Prefix"][len(key) :].rstrip("/") for p in page.get("CommonPrefixes", [])
                ]
            return sorted(n for n in names if not n.startswith((".", "_")))
        root = Path(prefix)
        if not root.is_dir():
            return []
        return sorted(
            p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))
        )

    # ------------------------------------------------------------------ writing
    def write(self, uri: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        """Write `data` to `uri` atomically (temp file + rename locally; one PUT on S3)."""
        if is_s3(uri):
            bucket, key = _split(uri)
            self._client(uri).put_object(
                Bucket=bucket, Key=key, Body=data, ContentType=content_type
            )
            return
        target = Path(uri)
        tmp = _synced_temp(target, data)
        try:
            tmp.replace(target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def create(self, uri: str, data: bytes, content_type: str = "application/json") -> bool:
        """Write `data` to `uri` only if nothing is there; say whether it was written.

        One step on both sides, so of two writers racing for one name exactly one wins: a
        conditional PUT (`If-None-Match: *`) on S3, a hard link of a finished temp file locally.
        """
        if is_s3(uri):
            bucket, key = _split(uri)
            try:
                self._client(uri).put_object(
                    Bucket=bucket, Key=key, Body=data, ContentType=content_type, IfNoneMatch="*"
                )
            except Exception as exc:
                code = getattr(exc, "response", {}).get("Error", {}).get("Code")
                if code in ("PreconditionFailed", "ConditionalRequestConflict"):
                    return False
                raise
            return True
        target = Path(uri)
        tmp = _synced_temp(target, data)
        try:
            os.link(tmp, target)
        except FileExistsError:
            return False
        finally:
            tmp.unlink(missing_ok=True)
        return True

    def scratch(self, uri: str) -> Path:
        """A new, empty local file to write a large file into before `put_file` moves it to
        `uri`: beside it locally (so the move is one rename), in the temp folder for S3."""
        if is_s3(uri):
            fd, name = tempfile.mkstemp(prefix=".put-")
        else:
            target = Path(uri)
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.tmp-", dir=target.parent)
        os.close(fd)
        return Path(name)

    def put_file(
        self, path: Path, uri: str, content_type: str = "application/octet-stream"
    ) -> None:
        """Move a finished local file (from `scratch`) to `uri` in one step: synced and renamed
        locally, uploaded on S3 (then removed)."""
        try:
            if is_s3(uri):
                bucket, key = _split(uri)
                self._client(uri).upload_file(
                    str(path), bucket, key, ExtraArgs={"ContentType": content_type}
                )
                return
            with path.open("rb") as fh:
                os.fsync(fh.fileno())
            path.replace(uri)
        finally:
            path.unlink(missing_ok=True)

    def copy(self, src: str, dst: str) -> None:
        """Copy one file (server-side on S3)."""
        if is_s3(src) and is_s3(dst):
            sb, sk = _split(src)
            db, dk = _split(dst)
            self._client(src).copy_object(Bucket=db, Key=dk, CopySource={"Bucket": sb, "Key": sk})
            return
        self.write(dst, self.read(src))

    def delete(self, uris: list[str]) -> None:
        """Delete these files/objects (absent ones are fine).

        Raises:
            StorageError: S3 reported an error for any key (`delete_objects` answers 200 and
                lists per-key errors in the body); the message names the keys.
        """
        s3 = [u for u in uris if is_s3(u)]
        for uri in uris:
            if not is_s3(uri):
                Path(uri).unlink(missing_ok=True)
                with contextlib.suppress(OSError):  # a folder emptied by it goes too
                    Path(uri).parent.rmdir()
        for start in range(0, len(s3), 1000):
            chunk = s3[start : start + 1000]
            bucket = _split(chunk[0])[0]
            response = self._client(chunk[0]).delete_objects(
                Bucket=bucket, Delete={"Objects": [{"Key": _split(k)[1]} for k in chunk]}
            )
            errors = response.get("Errors") or []
            if errors:
                shown = ", ".join(
                    f"{e.get('Key')} ({e.get('Code')}: {e.get('Message')})" for e in errors[:5]
                )
                raise StorageError(f"could not delete {len(errors)} object(s) in {bucket}: {shown}")

    def delete_prefix(self, prefix: str) -> None:
        """Delete everything below the folder `prefix` (hidden in-flight files included).

        Raises:
            StorageError: S3 reported an error for any key.
        """
        if is_s3(prefix):
            self.delete(self.list_files(prefix))
            return
        shutil.rmtree(prefix, ignore_errors=True)
