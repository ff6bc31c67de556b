-- Each playlist on one date beside its previous snapshot (on any earlier date), with the tracks
-- added and removed since: one row per playlist of the date (the page's "Playlists on this date").
WITH steps AS (
    SELECT * FROM playlist_steps WHERE snapshot_date <= '{{ snapshot_date }}'
),
changes AS (
    SELECT
        playlist_id,
        sum(CASE WHEN change = 'added' THEN 1 ELSE 0 END) AS added,
        sum(CASE WHEN change = 'removed' THEN 1 ELSE 0 END) AS removed
    FROM playlist_changes
    WHERE snapshot_date = '{{ snapshot_date }}'
    GROUP BY playlist_id
)
SELECT
    s.snapshot_date, s.playlist_id, s.name, s.item_count, s.items_accessible, s.public,
    s.prev_date, s.prev_name, s.prev_items, s.prev_readable, s.prev_public,
    coalesce(c.added, 0) AS added, coalesce(c.removed, 0) AS removed
FROM steps AS s
LEFT JOIN changes AS c ON c.playlist_id = s.playlist_id
WHERE s.snapshot_date = '{{ snapshot_date }}'
ORDER BY coalesce(s.name, s.playlist_id), s.playlist_id
