-- Plays per day and credited artist. Artists come from the latest snapshot that knows the
-- track; plays of tracks in no extracted playlist count under a NULL artist.
CREATE OR REPLACE VIEW listening_daily AS
WITH latest_credit AS (
    SELECT track_id, artist_id, max(snapshot_date) AS snapshot_date
    FROM track_artists
    GROUP BY track_id, artist_id
)
SELECT
    p.played_date,
    lc.artist_id,
    a.name AS artist_name,
    count(*) AS plays
FROM plays AS p
LEFT JOIN latest_credit AS lc ON lc.track_id = p.track_id
LEFT JOIN artists AS a ON a.artist_id = lc.artist_id AND a.snapshot_date = lc.snapshot_date
GROUP BY p.played_date, lc.artist_id, a.name
