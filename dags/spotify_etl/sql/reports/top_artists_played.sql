-- The ten most played artists over the two weeks up to one date (by the artist each listen names).
SELECT artist_name, sum(streams) AS plays, artist_name AS artist_key
FROM listening_daily
WHERE played_date <= '{{ snapshot_date }}'
  AND CAST(played_date AS date) > date_add('day', -14, CAST('{{ snapshot_date }}' AS date))
  AND artist_name IS NOT NULL
GROUP BY artist_name
ORDER BY plays DESC, artist_name
LIMIT 10
