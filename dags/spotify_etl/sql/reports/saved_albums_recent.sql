-- The six albums saved most recently, in the library on one date, with their release year.
SELECT s.album_id, a.name AS album_name, year(a.release_date) AS released,
       date_format(CAST(s.added_at AT TIME ZONE '{{ time_zone }}' AS timestamp), '%Y-%m-%d') AS saved_on
FROM saved_albums AS s
LEFT JOIN albums AS a ON a.album_id = s.album_id AND a.snapshot_date = s.snapshot_date
WHERE s.snapshot_date = '{{ snapshot_date }}'
ORDER BY s.position
LIMIT 6
