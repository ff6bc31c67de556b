-- Every track listen of `listening` with the Spotify IDs of its artist and album where the lake
-- knows them (`track_credits`): the credited artist of the listen's track who has the name the
-- listen gives; for a listen without a track ID (the export's account data), the artist of that
-- name credited on a track of that name; else the one artist the lake knows by that name (a
-- name two artists share stays without an ID unless the track tells them apart). `artist_key`
-- groups a listener's artists: the ID where known, else the name.
CREATE OR REPLACE VIEW listening_credits AS
WITH credit AS (
    SELECT track_id, artist_name, min(artist_id) AS artist_id
    FROM track_credits
    GROUP BY track_id, artist_name
),
by_title AS (
    SELECT track_name, artist_name, min(artist_id) AS artist_id, max(album_id) AS album_id
    FROM track_credits
    GROUP BY track_name, artist_name
),
named AS (
    SELECT artist_name, min(artist_id) AS artist_id
    FROM track_credits
    GROUP BY artist_name
    HAVING count(DISTINCT artist_id) = 1
),
album AS (
    SELECT track_id, max(album_id) AS album_id
    FROM track_credits
    GROUP BY track_id
)
SELECT
    l.played_at,
    l.played_date,
    l.local_played_at,
    l.local_date,
    l.track_id,
    l.track_name,
    l.artist_name,
    l.album_name,
    l.ms_played,
    l.counted,
    l.skipped,
    coalesce(c.artist_id, t.artist_id, n.artist_id) AS artist_id,
    coalesce(c.artist_id, t.artist_id, n.artist_id, l.artist_name) AS artist_key,
    coalesce(a.album_id, t.album_id) AS album_id
FROM listening AS l
LEFT JOIN credit AS c ON c.track_id = l.track_id AND c.artist_name = l.artist_name
LEFT JOIN by_title AS t
    ON l.track_id IS NULL AND t.track_name = l.track_name AND t.artist_name = l.artist_name
LEFT JOIN named AS n ON n.artist_name = l.artist_name
LEFT JOIN album AS a ON a.track_id = l.track_id
WHERE l.content_type = 'track'
