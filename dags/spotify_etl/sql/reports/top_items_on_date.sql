-- Spotify's own top ten tracks and artists of the last four weeks (short_term) on one date, with
-- each one's move since the previous date that has the list (`top_items_moves`).
SELECT kind, rank, item_id, name, move
FROM top_items_moves
WHERE snapshot_date = '{{ snapshot_date }}' AND time_range = 'short_term' AND rank <= 10
ORDER BY kind DESC, rank
