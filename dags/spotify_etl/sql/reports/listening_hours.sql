-- Listens per weekday (1 = Monday) and hour of the listener's day (SPOTIFY_TIMEZONE) over the
-- two weeks up to one date (the listener's days).
SELECT day_of_week(local_played_at) AS weekday, hour(local_played_at) AS hour, count(*) AS plays
FROM listening
WHERE local_date <= '{{ snapshot_date }}'
  AND CAST(local_date AS date) > date_add('day', -14, CAST('{{ snapshot_date }}' AS date))
GROUP BY 1, 2
ORDER BY 1, 2
