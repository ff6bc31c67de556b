-- The five artists listened to most (by minutes) in each year up to one date (no listening
-- after it counts), with their Spotify ID where known and their most-played track of the year:
-- `top_artists_by_year`, cut at the date.
WITH per_track AS (
    SELECT
        substr(local_date, 1, 4) AS year,
        artist_key,
        max(artist_id) AS artist_id,
        max(artist_name) AS artist_name,
        max(track_name) AS track_name,
        sum(ms_played) AS ms_played,
        count_if(counted) AS plays
    FROM listening_credits
    WHERE artist_name IS NOT NULL AND local_date <= '{{ snapshot_date }}'
    GROUP BY substr(local_date, 1, 4), artist_key, coalesce(track_id, track_name)
),
ranked AS (
    SELECT
        year,
        rank() OVER (PARTITION BY year ORDER BY round(sum(ms_played) / 60000.0, 1) DESC,
                     sum(plays) DESC) AS rank,
        max(artist_name) AS artist_name,
        round(sum(ms_played) / 60000.0, 1) AS minutes,
        sum(plays) AS plays,
        max(artist_id) AS artist_id,
        max_by(track_name, ms_played) AS top_track
    FROM per_track
    GROUP BY year, artist_key
)
SELECT year, rank, artist_name, minutes, plays, artist_id, top_track
FROM ranked
WHERE rank <= 5
ORDER BY year DESC, rank, artist_name
