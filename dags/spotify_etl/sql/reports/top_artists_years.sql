-- The five artists listened to most (by minutes) in each year up to one date, with their
-- Spotify ID where known and their most-played track of the year.
SELECT year, rank, artist_name, minutes, plays, artist_id, top_track
FROM top_artists_by_year
WHERE rank <= 5 AND year <= substr('{{ snapshot_date }}', 1, 4)
ORDER BY year DESC, rank, artist_name
