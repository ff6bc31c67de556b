"""How the report names things (pure): artists and tracks that share a name told apart, and
boolean columns read the same from both engines."""

from __future__ import annotations

from typing import Any

UNKNOWN_ARTIST = "unknown artist"


def parse_bool(value: Any) -> bool | None:
    """A boolean column's value: DuckDB gives bools, Athena gives the text 'true'/'false'."""
    if value is None or isinstance(value, bool):
        return value
    return {"true": True, "false": False}.get(str(value).strip().lower())


def artist_labels(rows: list[list[Any]]) -> list[str]:
    """Names to show for (name, …, id) rows: a name two artists (or tracks) share gets the end
    of each one's ID, so "Velvet" and "Velvet" become "Velvet (…v0Yg)" and "Velvet (…1Uh4)"."""
    names = [UNKNOWN_ARTIST if r[0] is None else str(r[0]) for r in rows]
    shared = {n for n in names if names.count(n) > 1}
    return [
        f"{n} (…{str(r[-1])[-4:]})" if n in shared else n for n, r in zip(names, rows, strict=True)
    ]
