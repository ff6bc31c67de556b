-- Listens per listener's day over the two weeks up to one date (every listen once, from
-- `listening`; days in SPOTIFY_TIMEZONE).
SELECT local_date AS played_date, count(*) AS plays
FROM listening
WHERE local_date <= '{{ snapshot_date }}'
GROUP BY local_date
ORDER BY local_date DESC
LIMIT 14
