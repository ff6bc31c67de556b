-- Each year's artists by minutes listened, ranked (1 = the most), with listens counted and the
-- distinct tracks heard.
CREATE OR REPLACE VIEW top_artists_by_year AS
SELECT
    year,
    rank() OVER (PARTITION BY year ORDER BY minutes DESC, plays DESC) AS rank,
    artist_name,
    minutes,
    plays,
    tracks
FROM (
    SELECT
        substr(played_date, 1, 4) AS year,
        artist_name,
        round(sum(ms_played) / 60000.0, 1) AS minutes,
        count_if(counted) AS plays,
        count(DISTINCT coalesce(track_id, track_name)) AS tracks
    FROM listening
    WHERE content_type = 'track' AND artist_name IS NOT NULL
    GROUP BY substr(played_date, 1, 4), artist_name
) AS a
