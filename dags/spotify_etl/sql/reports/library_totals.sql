-- The library on one date: songs in Liked Songs and saved albums, and the songs liked and
-- unliked since the previous date whose Liked Songs were read whole (`liked_songs_daily`).
SELECT 'saved_tracks' AS dataset, count(*) AS items
FROM saved_tracks WHERE snapshot_date = '{{ snapshot_date }}'
UNION ALL
SELECT 'saved_albums', count(*) FROM saved_albums WHERE snapshot_date = '{{ snapshot_date }}'
UNION ALL
SELECT 'liked', count(*) FROM liked_songs_daily
WHERE snapshot_date = '{{ snapshot_date }}' AND change = 'liked'
UNION ALL
SELECT 'unliked', count(*) FROM liked_songs_daily
WHERE snapshot_date = '{{ snapshot_date }}' AND change = 'unliked'
