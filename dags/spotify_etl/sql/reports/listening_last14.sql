-- Plays per day over the two weeks up to one date (each play once, whatever its credits).
SELECT played_date, count(*) AS plays
FROM plays
WHERE played_date <= '{{ snapshot_date }}'
GROUP BY played_date
ORDER BY played_date DESC
LIMIT 14
