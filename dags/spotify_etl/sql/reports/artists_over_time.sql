-- Playlist entries per snapshot, over the four weeks up to one date, of that date's five artists
-- with most entries (by artist ID: names may repeat).
WITH top AS (
    SELECT artist_id
    FROM artist_leaderboard
    WHERE snapshot_date = '{{ snapshot_date }}'
    ORDER BY entries DESC, artist_name, artist_id
    LIMIT 5
)
SELECT l.snapshot_date, l.artist_id, l.artist_name, l.entries
FROM artist_leaderboard AS l
JOIN top AS t ON t.artist_id = l.artist_id
WHERE l.snapshot_date <= '{{ snapshot_date }}'
  AND CAST(l.snapshot_date AS date) > date_add('day', -28, CAST('{{ snapshot_date }}' AS date))
ORDER BY 1, 2
