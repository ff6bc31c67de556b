-- Listens per day and artist (every listen once, from `listening`): minutes, listens counted
-- (30 s or more) and all streams. A listen counts for the artist its source names (the export
-- names the album's artist; an API play, its first credited artist).
CREATE OR REPLACE VIEW listening_daily AS
SELECT
    played_date,
    artist_name,
    round(sum(ms_played) / 60000.0, 1) AS minutes,
    count_if(counted) AS plays,
    count(*) AS streams
FROM listening
WHERE content_type = 'track'
GROUP BY played_date, artist_name
