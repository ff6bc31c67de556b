"""What this app sees of the API: the response shape and which optional fields (the ones the
2026 Development Mode removed) come back (pure: no I/O)."""

from __future__ import annotations

from typing import Any


def shape_of(data: dict[str, Any]) -> str | None:
    """'2026' when contents sit under `items`, 'legacy' under `tracks`, None when hidden."""
    if data.get("items") is not None:
        return "2026"
    if data.get("tracks") is not None:
        return "legacy"
    return None


OPTIONAL_FIELDS = {
    "track.popularity": ("popularity",),
    "track.available_markets": ("available_markets",),
    "track.external_ids": ("external_ids",),
    "track.linked_from": ("linked_from",),
    "track.is_playable": ("is_playable",),
    "album.label": ("album", "label"),
    "album.popularity": ("album", "popularity"),
    "album.available_markets": ("album", "available_markets"),
}


def probe(meta: dict[str, Any], page: dict[str, Any] | None) -> dict[str, Any]:
    """What this app sees: the API shape and which optional (2026-removable) fields come back.

    Pure: looks at one playlist response and one of its /items pages (the first track).
    """
    shape = shape_of(meta)
    fields: dict[str, bool] = {"playlist.followers": "followers" in meta}
    entries = (page or {}).get("items") or []
    track = next(
        (
            obj
            for e in entries
            if isinstance(e, dict)
            and isinstance(obj := e.get("item") or e.get("track"), dict)
            and obj.get("type") == "track"
            and not obj.get("is_local")
        ),
        None,
    )
    if track is not None:
        for name, path in OPTIONAL_FIELDS.items():
            node: Any = track
            for key in path[:-1]:
                node = node.get(key) if isinstance(node, dict) else None
            fields[name] = isinstance(node, dict) and path[-1] in node
        fields["entry.item"] = any(isinstance(e, dict) and "item" in e for e in entries)
        fields["entry.track"] = any(isinstance(e, dict) and "track" in e for e in entries)
    return {"shape": shape, "fields": fields}
