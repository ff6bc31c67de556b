-- Listens per day and artist (every listen once, from `listening`): minutes, listens counted
-- (30 s or more) and all streams. `played_date` is the listener's day (SPOTIFY_TIMEZONE, as
-- `listening.local_date`). A listen counts for the artist its source names (the export names
-- the album's artist; an API play, its first credited artist).
CREATE OR REPLACE VIEW listening_daily AS
SELECT
    local_date AS played_date,
    artist_name,
    round(sum(ms_played) / 60000.0, 1) AS minutes,
    count_if(counted) AS plays,
    count(*) AS streams
FROM listening
WHERE content_type = 'track'
GROUP BY local_date, artist_name
