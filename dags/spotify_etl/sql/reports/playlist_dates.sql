-- The snapshot dates of the four weeks up to one date (the history charts' x axis).
SELECT DISTINCT snapshot_date
FROM playlists
WHERE snapshot_date <= '{{ snapshot_date }}'
  AND CAST(snapshot_date AS date) > date_add('day', -28, CAST('{{ snapshot_date }}' AS date))
ORDER BY snapshot_date
