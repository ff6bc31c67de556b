-- Each track's name, album and credited artists with their Spotify IDs, as the lake knows them: from
-- the newest snapshot that holds the track (its dimensions), else from the Web API's plays.
-- Listening names artists and albums by name only (the export has no artist or album ID): a
-- listen joined here on its track and artist name finds the artist's ID, so two artists who
-- share a name are told apart, and names can link to open.spotify.com.
CREATE OR REPLACE VIEW track_credits AS
WITH newest AS (
    SELECT track_id, max(snapshot_date) AS snapshot_date
    FROM tracks
    GROUP BY track_id
),
from_snapshots AS (
    SELECT t.track_id, t.name AS track_name, t.album_id, ta.artist_id, a.name AS artist_name,
           ta.artist_position
    FROM newest AS n
    JOIN tracks AS t ON t.track_id = n.track_id AND t.snapshot_date = n.snapshot_date
    JOIN track_artists AS ta ON ta.track_id = t.track_id AND ta.snapshot_date = t.snapshot_date
    JOIN artists AS a ON a.artist_id = ta.artist_id AND a.snapshot_date = ta.snapshot_date
),
from_plays AS (
    SELECT p.track_id, max(p.track_name) AS track_name, max(p.album_id) AS album_id,
           max(element_at(p.artist_ids, 1)) AS artist_id,
           max(element_at(p.artist_names, 1)) AS artist_name
    FROM plays AS p
    WHERE p.track_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM newest AS n WHERE n.track_id = p.track_id)
    GROUP BY p.track_id
)
SELECT track_id, track_name, album_id, artist_id, artist_name, artist_position FROM from_snapshots
UNION ALL
SELECT track_id, track_name, album_id, artist_id, artist_name, 0 FROM from_plays
