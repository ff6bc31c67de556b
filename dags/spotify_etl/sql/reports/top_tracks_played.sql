-- The ten most played tracks over the two weeks up to one date (the listener's days,
-- SPOTIFY_TIMEZONE), with the artist the listens name.
SELECT max(track_name) AS track_name, max(artist_name) AS artist_name, count(*) AS plays,
       coalesce(track_id, track_name) AS track_id
FROM listening
WHERE local_date <= '{{ snapshot_date }}'
  AND CAST(local_date AS date) > date_add('day', -14, CAST('{{ snapshot_date }}' AS date))
  AND content_type = 'track' AND coalesce(track_id, track_name) IS NOT NULL
GROUP BY coalesce(track_id, track_name)
ORDER BY plays DESC, track_name, track_id
LIMIT 10
