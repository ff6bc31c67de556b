-- Each top list (kind: tracks or artists; time range) on each snapshot date against the same
-- list at the previous snapshot date that has it: the item's rank, its previous rank, and the
-- move: 'new' (not in the previous list), 'up n', 'down n' or 'same'. The move is NULL on a
-- list's first snapshot (nothing to compare with) and for an item without an id.
CREATE OR REPLACE VIEW top_items_moves AS
WITH lists AS (
    SELECT kind, time_range, snapshot_date,
           lag(snapshot_date) OVER (PARTITION BY kind, time_range ORDER BY snapshot_date)
               AS previous_date
    FROM (SELECT DISTINCT kind, time_range, snapshot_date FROM top_items) AS d
)
SELECT
    i.snapshot_date,
    i.kind,
    i.time_range,
    i.rank,
    i.item_id,
    i.name,
    l.previous_date,
    p.rank AS previous_rank,
    CASE
        WHEN l.previous_date IS NULL OR i.item_id IS NULL THEN NULL
        WHEN p.rank IS NULL THEN 'new'
        WHEN p.rank > i.rank THEN 'up ' || CAST(p.rank - i.rank AS varchar)
        WHEN p.rank < i.rank THEN 'down ' || CAST(i.rank - p.rank AS varchar)
        ELSE 'same'
    END AS move
FROM top_items AS i
JOIN lists AS l
    ON l.kind = i.kind AND l.time_range = i.time_range AND l.snapshot_date = i.snapshot_date
LEFT JOIN top_items AS p
    ON p.kind = i.kind AND p.time_range = i.time_range AND p.snapshot_date = l.previous_date
    AND p.item_id = i.item_id
