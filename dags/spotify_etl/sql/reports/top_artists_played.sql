-- The ten most played artists over the two weeks up to one date (a play counts for each credited
-- artist; by artist ID: names may repeat).
SELECT artist_name, sum(plays) AS plays, artist_id
FROM listening_daily
WHERE played_date <= '{{ snapshot_date }}'
  AND CAST(played_date AS date) > date_add('day', -14, CAST('{{ snapshot_date }}' AS date))
GROUP BY artist_id, artist_name
ORDER BY plays DESC, artist_name, artist_id
LIMIT 10
