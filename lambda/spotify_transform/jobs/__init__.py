"""The transform's jobs (I/O through a `ByteStore`): a snapshot date's playlists (`playlists`),
the same date split over shards and merged (`shards`), and the listening history (`plays`).
`output` writes the curated files. The handler runs them; the normalisation is pure."""
