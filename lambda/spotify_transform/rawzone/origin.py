"""Where a lake's data comes from: the live Spotify API (and the user's own data export) or the
bundled sample. One lake holds one of them, never both: the first write claims it
(`spotify/_source.json`), and a write from the other is refused, so sample playlists never land
among a listener's real ones. Standard library only.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from spotify_transform.rawzone import layout
from spotify_transform.rawzone.manifest import Store, loads


class LakeSourceError(ValueError):
    """A write from one source into a lake that holds the other's data."""


def read_source(store: Store, raw_root: str) -> str | None:
    """The source the lake holds (`spotify` or `sample`), or None for an empty lake."""
    uri = layout.source_file(raw_root)
    if not store.exists(uri):
        return None
    return str(loads(store.read(uri), uri).get("source") or "") or None


def claim(store: Store, raw_root: str, source: str, lake: str) -> None:
    """Let `source` write into the lake at `lake` (claiming it when it holds nothing yet).

    Raises:
        LakeSourceError: The lake holds the other source's data; the message says where and
            what to do.
    """
    held = read_source(store, raw_root)
    if held is None:
        body = {"source": source, "claimed_at": datetime.now(UTC).isoformat(timespec="seconds")}
        store.write(layout.source_file(raw_root), json.dumps(body).encode(), "application/json")
        return
    if held != source:
        what = {"sample": "the bundled sample", "spotify": "your Spotify data"}
        raise LakeSourceError(
            f"the lake at {lake} holds {what.get(held, held)}: {what.get(source, source)} would "
            "mix into it. Point SPOTIFY_PIPELINE_HOME (or the AWS buckets) at another lake, or "
            "move this one away"
        )
