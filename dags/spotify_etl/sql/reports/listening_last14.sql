-- Listens per day over the two weeks up to one date (every listen once, from `listening`).
SELECT played_date, count(*) AS plays
FROM listening
WHERE played_date <= '{{ snapshot_date }}'
GROUP BY played_date
ORDER BY played_date DESC
LIMIT 14
