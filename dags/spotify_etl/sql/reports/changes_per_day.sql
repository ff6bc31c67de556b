-- Tracks added and removed per snapshot date (all playlists), over the four weeks up to one date.
SELECT
    snapshot_date,
    sum(CASE WHEN change = 'added' THEN 1 ELSE 0 END) AS added,
    sum(CASE WHEN change = 'removed' THEN 1 ELSE 0 END) AS removed
FROM playlist_changes
WHERE snapshot_date <= '{{ snapshot_date }}'
  AND CAST(snapshot_date AS date) > date_add('day', -28, CAST('{{ snapshot_date }}' AS date))
GROUP BY snapshot_date
ORDER BY snapshot_date
