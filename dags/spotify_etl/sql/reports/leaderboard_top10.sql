-- The ten artists with most playlist entries on one date.
SELECT artist_name, entries, playlists
FROM artist_leaderboard
WHERE snapshot_date = '{{ snapshot_date }}'
ORDER BY entries DESC, artist_name
LIMIT 10
