"""Extraction into the raw zone: the `/me/playlists` listing sorted (`listing`, pure), what
the app can see (`probe`, pure), playlists of a snapshot date (`playlists`) and the listening
history (`recently_played`). Bodies land byte for byte; the raw zone's contract is
`spotify_transform.rawzone`."""
