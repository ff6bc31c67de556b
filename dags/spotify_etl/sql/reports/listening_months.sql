-- Minutes listened per month (the listener's, SPOTIFY_TIMEZONE), every month the lake holds up to one date: the long view.
SELECT starts AS month, minutes, plays
FROM listening_periods
WHERE period = 'month' AND starts <= substr('{{ snapshot_date }}', 1, 7)
ORDER BY month
