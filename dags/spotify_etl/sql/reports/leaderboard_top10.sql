-- The ten artists with most playlist entries on one date (by artist ID: names may repeat), each
-- with its track in most entries (how a person tells two artists of one name apart).
WITH tracks AS (
    SELECT ta.artist_id, t.name AS track_name, count(*) AS entries
    FROM playlist_items AS pi
    JOIN track_artists AS ta ON ta.track_id = pi.track_id AND ta.snapshot_date = pi.snapshot_date
    JOIN tracks AS t ON t.track_id = pi.track_id AND t.snapshot_date = pi.snapshot_date
    WHERE pi.snapshot_date = '{{ snapshot_date }}'
    GROUP BY ta.artist_id, t.name
),
top_track AS (
    SELECT artist_id, max_by(track_name, entries) AS track_name
    FROM tracks
    GROUP BY artist_id
)
SELECT l.artist_name, l.entries, l.playlists, l.artist_id, t.track_name AS top_track
FROM artist_leaderboard AS l
LEFT JOIN top_track AS t ON t.artist_id = l.artist_id
WHERE l.snapshot_date = '{{ snapshot_date }}'
ORDER BY l.entries DESC, l.artist_name, l.artist_id
LIMIT 10
