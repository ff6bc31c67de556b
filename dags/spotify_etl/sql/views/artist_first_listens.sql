-- When each artist was first heard (a counted listen, 30 s or more), and with which track:
-- `first_played_at` in UTC, `first_date` the listener's day (SPOTIFY_TIMEZONE).
CREATE OR REPLACE VIEW artist_first_listens AS
SELECT
    artist_name,
    min(played_at) AS first_played_at,
    min(local_date) AS first_date,
    min_by(track_name, played_at) AS first_track_name,
    count(*) AS plays
FROM listening
WHERE content_type = 'track' AND counted AND artist_name IS NOT NULL
GROUP BY artist_name
