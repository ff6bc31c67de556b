-- First listens, year by year up to one date (no listening after it counts): how many artists
-- were first heard (a counted listen) each year, and the three of them listened to most that
-- year, with the first track.
WITH firsts AS (
    SELECT artist_key, max(artist_id) AS artist_id, max(artist_name) AS artist_name,
           min(local_date) AS first_day, min_by(track_name, played_at) AS first_track
    FROM listening_credits
    WHERE counted AND artist_name IS NOT NULL AND local_date <= '{{ snapshot_date }}'
    GROUP BY artist_key
),
first_year AS (
    SELECT f.artist_key, f.artist_id, f.artist_name, f.first_day, f.first_track,
           sum(l.ms_played) / 60000.0 AS minutes
    FROM firsts AS f
    JOIN listening_credits AS l
        ON l.artist_key = f.artist_key AND substr(l.local_date, 1, 4) = substr(f.first_day, 1, 4)
    WHERE l.local_date <= '{{ snapshot_date }}'
    GROUP BY f.artist_key, f.artist_id, f.artist_name, f.first_day, f.first_track
),
ranked AS (
    SELECT *,
           row_number() OVER (PARTITION BY substr(first_day, 1, 4)
                              ORDER BY minutes DESC, artist_name, artist_key) AS n,
           count(*) OVER (PARTITION BY substr(first_day, 1, 4)) AS artists
    FROM first_year
)
SELECT substr(first_day, 1, 4) AS year, artists, n AS rank, artist_name, artist_id, first_day,
       first_track, round(minutes, 1) AS minutes
FROM ranked
WHERE n <= 3
ORDER BY year DESC, rank
