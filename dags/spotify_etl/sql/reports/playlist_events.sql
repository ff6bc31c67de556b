-- What changed in each playlist between consecutive snapshots over the four weeks up to one date
-- (tracks added or removed, renamed, made private or public, emptied, no longer readable, no
-- longer extracted): the newest 200 (`EVENTS_SHOWN` in report/gather.py), each row carrying how
-- many there are in all.
WITH steps AS (
    SELECT * FROM playlist_steps WHERE snapshot_date <= '{{ snapshot_date }}'
),
in_window AS (
    SELECT * FROM steps
    WHERE CAST(snapshot_date AS date) > date_add('day', -28, CAST('{{ snapshot_date }}' AS date))
),
changes AS (
    SELECT
        snapshot_date, playlist_id,
        sum(CASE WHEN change = 'added' THEN 1 ELSE 0 END) AS added,
        sum(CASE WHEN change = 'removed' THEN 1 ELSE 0 END) AS removed
    FROM playlist_changes
    WHERE snapshot_date <= '{{ snapshot_date }}'
      AND CAST(snapshot_date AS date) > date_add('day', -28, CAST('{{ snapshot_date }}' AS date))
    GROUP BY snapshot_date, playlist_id
),
dates AS (SELECT DISTINCT snapshot_date FROM in_window),
last_seen AS (
    SELECT playlist_id, max(snapshot_date) AS last_date, max_by(name, snapshot_date) AS name
    FROM in_window
    GROUP BY playlist_id
),
events AS (
    SELECT
        s.snapshot_date, s.playlist_id, s.name, s.item_count, s.items_accessible, s.public,
        s.prev_date, s.prev_name, s.prev_items, s.prev_readable, s.prev_public,
        coalesce(c.added, 0) AS added, coalesce(c.removed, 0) AS removed, false AS gone
    FROM in_window AS s
    LEFT JOIN changes AS c ON c.snapshot_date = s.snapshot_date AND c.playlist_id = s.playlist_id
    WHERE coalesce(c.added, 0) > 0 OR coalesce(c.removed, 0) > 0
       OR (s.prev_date IS NOT NULL AND (
               s.prev_name IS DISTINCT FROM s.name
            OR s.prev_public <> s.public
            OR (s.prev_items > 0 AND s.item_count = 0)
            OR (s.prev_readable AND NOT s.items_accessible)))
    UNION ALL
    -- deleted, unfollowed or no longer named in SPOTIFY_PLAYLISTS: the first later snapshot
    SELECT
        min(d.snapshot_date), l.playlist_id, l.name, NULL, NULL, NULL,
        NULL, NULL, NULL, NULL, NULL, 0, 0, true
    FROM last_seen AS l
    JOIN dates AS d ON d.snapshot_date > l.last_date
    GROUP BY l.playlist_id, l.name
)
SELECT *, count(*) OVER () AS total
FROM events
ORDER BY snapshot_date DESC, coalesce(name, playlist_id), playlist_id
LIMIT 200
