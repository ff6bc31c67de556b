-- Each playlist's name, size and visibility on every snapshot of the four weeks up to one date.
SELECT snapshot_date, playlist_id, name, item_count, items_accessible, public
FROM playlists
WHERE snapshot_date <= '{{ snapshot_date }}'
  AND CAST(snapshot_date AS date) > date_add('day', -28, CAST('{{ snapshot_date }}' AS date))
ORDER BY snapshot_date, playlist_id
