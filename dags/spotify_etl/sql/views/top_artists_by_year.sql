-- Each year's artists by minutes listened, ranked (1 = the most), with listens counted, the
-- distinct tracks heard and the artist's most-played track of the year (years in the listener's
-- time zone, SPOTIFY_TIMEZONE). Artists are told apart by their Spotify ID where the lake knows
-- it (`listening_credits`), so two artists who share a name are two rows.
CREATE OR REPLACE VIEW top_artists_by_year AS
WITH per_track AS (
    SELECT
        substr(local_date, 1, 4) AS year,
        artist_key,
        max(artist_id) AS artist_id,
        max(artist_name) AS artist_name,
        coalesce(track_id, track_name) AS track_key,
        max(track_name) AS track_name,
        sum(ms_played) AS ms_played,
        count_if(counted) AS plays
    FROM listening_credits
    WHERE artist_name IS NOT NULL
    GROUP BY substr(local_date, 1, 4), artist_key, coalesce(track_id, track_name)
),
a AS (
    SELECT
        year,
        artist_key,
        max(artist_id) AS artist_id,
        max(artist_name) AS artist_name,
        round(sum(ms_played) / 60000.0, 1) AS minutes,
        sum(plays) AS plays,
        count(*) AS tracks,
        max_by(track_name, ms_played) AS top_track
    FROM per_track
    GROUP BY year, artist_key
)
SELECT
    year,
    rank() OVER (PARTITION BY year ORDER BY minutes DESC, plays DESC) AS rank,
    artist_name,
    minutes,
    plays,
    tracks,
    artist_id,
    top_track
FROM a
