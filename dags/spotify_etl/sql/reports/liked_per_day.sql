-- The songs in Liked Songs on one date by the listener's day they were liked (SPOTIFY_TIMEZONE).
SELECT
    date_format(CAST(added_at AT TIME ZONE '{{ time_zone }}' AS timestamp), '%Y-%m-%d') AS day,
    count(*) AS songs
FROM saved_tracks
WHERE snapshot_date = '{{ snapshot_date }}' AND added_at IS NOT NULL
GROUP BY 1
ORDER BY 1
