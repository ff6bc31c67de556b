-- Per snapshot: tracks shared by each pair of playlists (each pair once, a < b).
CREATE OR REPLACE VIEW playlist_overlap AS
WITH members AS (
    SELECT DISTINCT snapshot_date, playlist_id, track_id FROM playlist_items
)
SELECT a.snapshot_date, a.playlist_id AS playlist_a, b.playlist_id AS playlist_b,
       count(*) AS shared_tracks
FROM members AS a
JOIN members AS b
    ON b.snapshot_date = a.snapshot_date AND b.track_id = a.track_id AND a.playlist_id < b.playlist_id
GROUP BY a.snapshot_date, a.playlist_id, b.playlist_id
