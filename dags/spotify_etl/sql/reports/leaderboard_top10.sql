-- The ten artists with most playlist entries on one date (by artist ID: names may repeat).
SELECT artist_name, entries, playlists, artist_id
FROM artist_leaderboard
WHERE snapshot_date = '{{ snapshot_date }}'
ORDER BY entries DESC, artist_name, artist_id
LIMIT 10
