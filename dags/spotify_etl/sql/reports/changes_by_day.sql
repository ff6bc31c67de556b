-- Tracks added and removed per snapshot and playlist, over the four weeks up to one date.
SELECT snapshot_date, playlist_id, change, count(*) AS tracks
FROM playlist_changes
WHERE snapshot_date <= '{{ snapshot_date }}'
  AND CAST(snapshot_date AS date) > date_add('day', -28, CAST('{{ snapshot_date }}' AS date))
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
