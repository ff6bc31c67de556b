-- Per playlist on one date: the positions that hold something other than a track (podcast
-- episodes, local files, unavailable entries), so none of them goes unseen.
SELECT coalesce(p.name, i.playlist_id) AS playlist, i.item_type, count(*) AS entries
FROM playlist_items AS i
LEFT JOIN playlists AS p ON p.playlist_id = i.playlist_id AND p.snapshot_date = i.snapshot_date
WHERE i.snapshot_date = '{{ snapshot_date }}' AND i.item_type <> 'track'
GROUP BY coalesce(p.name, i.playlist_id), i.item_type
ORDER BY playlist, i.item_type
