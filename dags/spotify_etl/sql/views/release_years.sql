-- Per snapshot and playlist: entries by album release year and decade (unknown dates left out).
CREATE OR REPLACE VIEW release_years AS
SELECT
    pi.snapshot_date,
    pi.playlist_id,
    year(al.release_date) AS release_year,
    year(al.release_date) - year(al.release_date) % 10 AS decade,
    count(*) AS entries
FROM playlist_items AS pi
JOIN tracks AS t ON t.track_id = pi.track_id AND t.snapshot_date = pi.snapshot_date
JOIN albums AS al ON al.album_id = t.album_id AND al.snapshot_date = pi.snapshot_date
WHERE al.release_date IS NOT NULL
GROUP BY pi.snapshot_date, pi.playlist_id, year(al.release_date)
