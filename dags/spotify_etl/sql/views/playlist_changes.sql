-- Tracks added to and removed from each playlist between consecutive snapshots in which its
-- contents were readable whole. The snapshots come from `playlists` (items_accessible), not
-- from `playlist_items`: a playlist emptied on a date has no items that day but is a snapshot,
-- so its removals are reported; a hidden or incomplete snapshot is skipped, never read as
-- "everything removed".
CREATE OR REPLACE VIEW playlist_changes AS
WITH memberships AS (
    SELECT DISTINCT playlist_id, snapshot_date, track_id
    FROM playlist_items
    WHERE track_id IS NOT NULL
),
snapshots AS (
    SELECT playlist_id, snapshot_date,
           lag(snapshot_date) OVER (PARTITION BY playlist_id ORDER BY snapshot_date) AS previous_date
    FROM (
        SELECT DISTINCT playlist_id, snapshot_date FROM playlists WHERE items_accessible
    ) AS d
)
SELECT s.playlist_id, s.snapshot_date, s.previous_date, m.track_id, 'added' AS change
FROM snapshots AS s
JOIN memberships AS m ON m.playlist_id = s.playlist_id AND m.snapshot_date = s.snapshot_date
LEFT JOIN memberships AS o
    ON o.playlist_id = s.playlist_id AND o.snapshot_date = s.previous_date AND o.track_id = m.track_id
WHERE s.previous_date IS NOT NULL AND o.track_id IS NULL
UNION ALL
SELECT s.playlist_id, s.snapshot_date, s.previous_date, o.track_id, 'removed' AS change
FROM snapshots AS s
JOIN memberships AS o ON o.playlist_id = s.playlist_id AND o.snapshot_date = s.previous_date
LEFT JOIN memberships AS m
    ON m.playlist_id = s.playlist_id AND m.snapshot_date = s.snapshot_date AND m.track_id = o.track_id
WHERE s.previous_date IS NOT NULL AND m.track_id IS NULL
