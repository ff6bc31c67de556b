-- Each playlist's snapshot beside its previous one (on any earlier date): name, size, whether it
-- was readable whole and public, then and before. The report's "Playlists on this date" and its
-- events read it up to their date (a step looks only back, so cutting later dates off changes no
-- row before them).
CREATE OR REPLACE VIEW playlist_steps AS
SELECT
    snapshot_date, playlist_id, name, item_count, items_accessible, public,
    lag(snapshot_date) OVER (PARTITION BY playlist_id ORDER BY snapshot_date) AS prev_date,
    lag(name) OVER (PARTITION BY playlist_id ORDER BY snapshot_date) AS prev_name,
    lag(item_count) OVER (PARTITION BY playlist_id ORDER BY snapshot_date) AS prev_items,
    lag(items_accessible) OVER (PARTITION BY playlist_id ORDER BY snapshot_date) AS prev_readable,
    lag(public) OVER (PARTITION BY playlist_id ORDER BY snapshot_date) AS prev_public
FROM playlists
