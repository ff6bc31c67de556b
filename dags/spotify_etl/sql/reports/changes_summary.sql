-- Tracks added and removed per playlist since its previous readable snapshot.
SELECT playlist_id, change, count(*) AS tracks
FROM playlist_changes
WHERE snapshot_date = '{{ snapshot_date }}'
GROUP BY 1, 2
ORDER BY 1, 2
