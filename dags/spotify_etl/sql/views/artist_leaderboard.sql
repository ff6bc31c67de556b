-- Per snapshot: how many distinct tracks, playlists and entries each credited artist has.
CREATE OR REPLACE VIEW artist_leaderboard AS
SELECT
    pi.snapshot_date,
    ta.artist_id,
    a.name AS artist_name,
    count(DISTINCT pi.track_id) AS tracks,
    count(DISTINCT pi.playlist_id) AS playlists,
    count(*) AS entries
FROM playlist_items AS pi
JOIN track_artists AS ta ON ta.track_id = pi.track_id AND ta.snapshot_date = pi.snapshot_date
JOIN artists AS a ON a.artist_id = ta.artist_id AND a.snapshot_date = pi.snapshot_date
GROUP BY pi.snapshot_date, ta.artist_id, a.name
