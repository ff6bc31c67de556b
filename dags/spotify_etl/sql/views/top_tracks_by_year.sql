-- Each year's tracks by minutes listened, ranked (1 = the most), with listens counted (years in
-- the listener's time zone, SPOTIFY_TIMEZONE).
CREATE OR REPLACE VIEW top_tracks_by_year AS
SELECT
    year,
    rank() OVER (PARTITION BY year ORDER BY minutes DESC, plays DESC) AS rank,
    track_name,
    artist_name,
    track_id,
    minutes,
    plays
FROM (
    SELECT
        substr(local_date, 1, 4) AS year,
        coalesce(track_id, track_name) AS track_key,
        max(track_id) AS track_id,
        max(track_name) AS track_name,
        max(artist_name) AS artist_name,
        round(sum(ms_played) / 60000.0, 1) AS minutes,
        count_if(counted) AS plays
    FROM listening
    WHERE content_type = 'track'
    GROUP BY substr(local_date, 1, 4), coalesce(track_id, track_name)
) AS t
