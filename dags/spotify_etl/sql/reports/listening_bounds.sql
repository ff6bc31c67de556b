-- The listening the lake holds, per year of the listener's (the zone the views were created
-- with, SPOTIFY_TIMEZONE): its first and last day, the zone, and the listens.
SELECT
    substr(local_date, 1, 4) AS year,
    min(local_date) AS first_day,
    max(local_date) AS last_day,
    max(time_zone) AS time_zone,
    count(*) AS listens
FROM listening
GROUP BY substr(local_date, 1, 4)
ORDER BY year
