-- Plays per day and credited artist, named by the plays themselves: every recently-played
-- response carries its track's artists, so a play never counts under a NULL artist when the
-- response named one. A play of a track with two artists counts once for each (plays per day:
-- count the `plays` table itself).
CREATE OR REPLACE VIEW listening_daily AS
SELECT
    p.played_date,
    a.artist_id,
    element_at(p.artist_names, a.n) AS artist_name,
    count(*) AS plays
FROM plays AS p
CROSS JOIN UNNEST(p.artist_ids) WITH ORDINALITY AS a(artist_id, n)
GROUP BY p.played_date, a.artist_id, element_at(p.artist_names, a.n)
