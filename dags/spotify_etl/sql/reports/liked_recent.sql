-- The ten songs liked most recently, in Liked Songs on one date, with their artists and the
-- listener's day each was liked (SPOTIFY_TIMEZONE).
WITH credits AS (
    SELECT ta.track_id, array_join(array_agg(ar.name ORDER BY ta.artist_position), ', ') AS artists
    FROM track_artists AS ta
    JOIN artists AS ar ON ar.artist_id = ta.artist_id AND ar.snapshot_date = ta.snapshot_date
    WHERE ta.snapshot_date = '{{ snapshot_date }}'
    GROUP BY ta.track_id
)
SELECT
    s.track_id,
    t.name AS track_name,
    c.artists,
    date_format(CAST(s.added_at AT TIME ZONE '{{ time_zone }}' AS timestamp), '%Y-%m-%d') AS liked_on
FROM saved_tracks AS s
LEFT JOIN tracks AS t ON t.track_id = s.track_id AND t.snapshot_date = s.snapshot_date
LEFT JOIN credits AS c ON c.track_id = s.track_id
WHERE s.snapshot_date = '{{ snapshot_date }}'
ORDER BY s.position
LIMIT 10
