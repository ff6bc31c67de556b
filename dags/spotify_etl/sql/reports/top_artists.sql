-- Top artists of one snapshot date: playlist entries credited to each artist, and in how many
-- playlists they appear. Grouped by artist ID: two artists may share a name, and are two rows.
-- Athena (Trino) SQL; the local platform transpiles it to DuckDB.
SELECT
    a.name AS artist,
    count(*) AS entries,
    count(DISTINCT pi.playlist_id) AS playlists,
    approx_distinct(pi.track_id) AS tracks,
    a.artist_id
FROM playlist_items AS pi
JOIN track_artists AS ta
    ON ta.track_id = pi.track_id AND ta.snapshot_date = pi.snapshot_date
JOIN artists AS a
    ON a.artist_id = ta.artist_id AND a.snapshot_date = pi.snapshot_date
WHERE pi.snapshot_date = '{{ snapshot_date }}'
GROUP BY a.artist_id, a.name
ORDER BY entries DESC, artist, a.artist_id
LIMIT 10
