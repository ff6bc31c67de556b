"""How the report names things (pure): artists that share a name told apart by something a
person knows of them, and boolean columns read the same from both engines."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

UNKNOWN_ARTIST = "unknown artist"
UNKNOWN_TRACK = "unknown track"


def parse_bool(value: Any) -> bool | None:
    """A boolean column's value: DuckDB gives bools, Athena gives the text 'true'/'false'."""
    if value is None or isinstance(value, bool):
        return value
    return {"true": True, "false": False}.get(str(value).strip().lower())


def distinct_names(items: Sequence[tuple[str | None, str | None]]) -> list[str]:
    """Names to show for (name, what a person knows of it) pairs, in order: a name two items
    share gets that (their most-played track, their album), so "Velvet" and "Velvet" become
    "Velvet — Midnight Drive" and "Velvet — Satellite"; where even that is shared or unknown,
    a number ("Velvet (2)"). Never an ID: IDs are for the data tables."""
    names = [UNKNOWN_ARTIST if n is None else str(n) for n, _ in items]
    shared = Counter(names)
    labelled = [
        f"{n} — {hint}" if shared[n] > 1 and hint else n
        for n, (_, hint) in zip(names, items, strict=True)
    ]
    again = Counter(labelled)
    seen: Counter[str] = Counter()
    out = []
    for text in labelled:
        if again[text] > 1:
            seen[text] += 1
            text = f"{text} ({seen[text]})"
        out.append(text)
    return out
