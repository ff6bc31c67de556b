-- Minutes listened per month (the listener's, SPOTIFY_TIMEZONE), every month the lake holds up
-- to one date (no listening after it): the long view.
SELECT
    substr(local_date, 1, 7) AS month,
    round(sum(ms_played) / 60000.0, 1) AS minutes,
    count_if(counted) AS plays
FROM listening
WHERE local_date <= '{{ snapshot_date }}'
GROUP BY substr(local_date, 1, 7)
ORDER BY month
