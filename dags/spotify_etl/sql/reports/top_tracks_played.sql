-- The ten most played tracks over the two weeks up to one date, with their first credited artist.
SELECT track_name, element_at(artist_names, 1) AS artist_name, count(*) AS plays, track_id
FROM plays
WHERE played_date <= '{{ snapshot_date }}'
  AND CAST(played_date AS date) > date_add('day', -14, CAST('{{ snapshot_date }}' AS date))
  AND track_id IS NOT NULL
GROUP BY track_id, track_name, element_at(artist_names, 1)
ORDER BY plays DESC, track_name, track_id
LIMIT 10
