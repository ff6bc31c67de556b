-- Plays per day over the two weeks up to one date.
SELECT played_date, sum(plays) AS plays
FROM listening_daily
WHERE played_date <= '{{ snapshot_date }}'
GROUP BY played_date
ORDER BY played_date DESC
LIMIT 14
