"""Pure polars normalisation: raw response bytes in, curated frames out, no I/O.

`playlists` (with `entries` and `dimensions`) builds the playlist snapshot's tables, `library`
the library's (saved tracks and albums, top items), `plays` the listening history's; `parsing`
and `api_shapes` read the response bodies with explicit schemas.
"""
