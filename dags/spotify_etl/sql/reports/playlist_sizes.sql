-- The sizes, over the four weeks up to one date, of the six playlists largest at their latest
-- readable snapshot (six: the lines a chart keeps apart; ties by name), each row carrying how many
-- readable playlists there are in all.
WITH readable AS (
    SELECT snapshot_date, playlist_id, name, item_count
    FROM playlists
    WHERE snapshot_date <= '{{ snapshot_date }}'
      AND CAST(snapshot_date AS date) > date_add('day', -28, CAST('{{ snapshot_date }}' AS date))
      AND items_accessible
),
latest AS (
    SELECT
        playlist_id,
        max_by(item_count, snapshot_date) AS items,
        max_by(name, snapshot_date) AS name
    FROM readable
    GROUP BY playlist_id
),
top AS (
    SELECT playlist_id, name
    FROM latest
    ORDER BY coalesce(items, 0) DESC, coalesce(name, playlist_id), playlist_id
    LIMIT 6
)
SELECT r.snapshot_date, r.playlist_id, t.name, r.item_count, (SELECT count(*) FROM latest) AS playlists
FROM readable AS r
JOIN top AS t ON t.playlist_id = r.playlist_id
ORDER BY r.snapshot_date, r.playlist_id
