"""The library (pure): Liked Songs and saved albums on the snapshot date, what was liked lately
and in the page's period, and Spotify's own top tracks and artists with their moves."""

from __future__ import annotations

from typing import Any

from spotify_etl.report.sections.common import day, e, link, n, name, section


def _list(title: str, items: list[str], empty: str) -> str:
    if not items:
        return f'<div><h3>{e(title)}</h3><p class="muted">{e(empty)}</p></div>'
    return f'<div><h3>{e(title)}</h3><ol class="plain">{"".join(items)}</ol></div>'


def library(r: dict[str, Any]) -> str:
    snap, lib = r.get("snapshot_date"), r.get("library") or {}
    if not snap:
        return ""
    if not (lib.get("liked_songs") or lib.get("saved_albums") or any(lib.get("top", {}).values())):
        return section(
            "library", "Your library",
            f"<p>No library on {e(day(snap))}: SPOTIFY_DATASETS names saved_tracks, "
            "saved_albums and top_items to read Liked Songs, saved albums and your top lists "
            "(spotify-pipeline auth asks for their scopes).</p>",
        )  # fmt: skip
    since = []
    if lib.get("liked_since") or lib.get("unliked_since"):
        since.append(f"+{lib['liked_since']:,} liked, −{lib['unliked_since']:,} unliked since "
                     "the previous snapshot")  # fmt: skip
    cards = (
        f'<ul class="stats"><li><b>{n(lib["liked_songs"])}</b><span>Liked Songs</span>'
        f'<span class="sub">{e("; ".join(since))}</span></li>'
        f"<li><b>{n(lib.get('liked_in_period', 0))}</b><span>liked in "
        f"{e(r['page']['title'])}</span></li>"
        f"<li><b>{n(lib['saved_albums'])}</b><span>saved albums</span></li></ul>"
    )
    liked = [
        f'<li>{link("track", x["track_id"], x["track"])} <span class="by">'
        f"{name(x['artists'] or '')} · {e(day(x['liked_on'])) if x['liked_on'] else ''}</span></li>"
        for x in lib.get("recently_liked", [])
    ]
    albums = [
        f'<li>{link("album", x["album_id"], x["album"])} <span class="by">'
        f"{x['released'] or ''}{' · saved ' + e(day(x['saved_on'])) if x['saved_on'] else ''}"
        "</span></li>"
        for x in lib.get("recent_albums", [])
    ]
    tops = []
    for kind, title in (("tracks", "Spotify's top tracks, last four weeks"),
                        ("artists", "Spotify's top artists, last four weeks")):  # fmt: skip
        item = "track" if kind == "tracks" else "artist"
        tops.append(_list(title, [
            f"<li>{link(item, x['item_id'], x['name'] or x['item_id'])}"
            + (f' <span class="by">{e(x["move"])}</span>' if x.get("move") else "") + "</li>"
            for x in lib.get("top", {}).get(kind, [])
        ], "Not read on this date."))  # fmt: skip
    body = (
        cards + '<div class="grid2">'
        + _list("Liked most recently", liked, "No song in Liked Songs.")
        + _list("Albums saved most recently", albums, "No saved album.")
        + "".join(tops) + "</div>"
    )  # fmt: skip
    return section("library", f"Your library on {day(snap)}", body)
