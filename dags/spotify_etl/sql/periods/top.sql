-- What each report page's period was listened to most (`{{ periods }}`: as in listening.sql),
-- from `listening_credits` (artists and albums by Spotify ID where the lake knows it, else by
-- name). One row per item, every value as text; `part` says which list:
--   track   k1 = track ID, k2 = name, k3 = artist, k4 = artist ID, k5 = album ID;
--           minutes, counted listens, rank by minutes (the ten first)
--   repeat  as track; rank by counted listens (the five first with three listens or more)
--   artist  k1 = artist ID, k2 = name, k3 = their most-played track of the period;
--           minutes, counted listens, rank (the ten first), distinct tracks
--   album   k1 = album ID, k2 = name, k3 = artist; minutes, counted listens, rank (ten)
--   new     artists first heard (a counted listen) in the period, ever: k1 = artist ID,
--           k2 = name, k3 = first track, k4 = first day; minutes, counted listens, rank (ten),
--           how many artists were new
WITH p AS (
    SELECT * FROM {{ periods }}
),
l AS (
    SELECT
        p.page, c.played_at, c.ms_played, c.counted,
        coalesce(c.track_id, c.track_name) AS track_key, c.track_id, c.track_name,
        c.artist_key, c.artist_id, c.artist_name, c.album_id, c.album_name
    FROM listening_credits AS c
    JOIN p ON c.local_date BETWEEN p.starts AND p.ends
),
tracks AS (
    SELECT
        page, track_key,
        max(track_id) AS track_id, max(track_name) AS track_name,
        max(artist_name) AS artist_name, max(artist_id) AS artist_id, max(album_id) AS album_id,
        sum(ms_played) / 60000.0 AS minutes,
        count_if(counted) AS plays,
        row_number() OVER (
            PARTITION BY page ORDER BY sum(ms_played) DESC, max(track_name), track_key
        ) AS by_minutes,
        row_number() OVER (
            PARTITION BY page
            ORDER BY count_if(counted) DESC, sum(ms_played) DESC, max(track_name), track_key
        ) AS by_plays
    FROM l
    WHERE track_key IS NOT NULL
    GROUP BY page, track_key
),
artist_tracks AS (
    SELECT
        page, artist_key, max(artist_id) AS artist_id, max(artist_name) AS artist_name,
        max(track_name) AS track_name, sum(ms_played) AS ms_played, count_if(counted) AS plays
    FROM l
    WHERE artist_name IS NOT NULL
    GROUP BY page, artist_key, track_key
),
artists AS (
    SELECT
        page, artist_key,
        max(artist_id) AS artist_id, max(artist_name) AS artist_name,
        max_by(track_name, ms_played) AS top_track,
        sum(ms_played) / 60000.0 AS minutes,
        sum(plays) AS plays,
        count(*) AS tracks,
        row_number() OVER (
            PARTITION BY page ORDER BY sum(ms_played) DESC, max(artist_name), artist_key
        ) AS n
    FROM artist_tracks
    GROUP BY page, artist_key
),
albums AS (
    SELECT
        page,
        max(album_id) AS album_id, max(album_name) AS album_name, max(artist_name) AS artist_name,
        sum(ms_played) / 60000.0 AS minutes,
        count_if(counted) AS plays,
        row_number() OVER (
            PARTITION BY page
            ORDER BY sum(ms_played) DESC, max(album_name), coalesce(max(album_id), '')
        ) AS n
    FROM l
    WHERE album_name IS NOT NULL
    GROUP BY page, coalesce(album_id, concat(album_name, ' / ', coalesce(artist_name, '')))
),
firsts AS (
    SELECT artist_key, min(local_date) AS first_day, min_by(track_name, played_at) AS first_track
    FROM listening_credits
    WHERE counted AND artist_name IS NOT NULL
    GROUP BY artist_key
),
new_artists AS (
    SELECT
        a.page, a.artist_id, a.artist_name, f.first_track, f.first_day, a.minutes, a.plays,
        row_number() OVER (PARTITION BY a.page ORDER BY a.minutes DESC, a.artist_name) AS n,
        count(*) OVER (PARTITION BY a.page) AS total
    FROM artists AS a
    JOIN firsts AS f ON f.artist_key = a.artist_key
    JOIN p ON p.page = a.page
    WHERE f.first_day BETWEEN p.starts AND p.ends
)
SELECT
    'track' AS part, page, track_id AS k1, track_name AS k2, artist_name AS k3, artist_id AS k4,
    album_id AS k5, CAST(minutes AS varchar) AS n1, CAST(plays AS varchar) AS n2,
    CAST(by_minutes AS varchar) AS n3, CAST(NULL AS varchar) AS n4
FROM tracks
WHERE by_minutes <= 10
UNION ALL
SELECT 'repeat', page, track_id, track_name, artist_name, artist_id, album_id,
       CAST(minutes AS varchar), CAST(plays AS varchar), CAST(by_plays AS varchar), NULL
FROM tracks
WHERE by_plays <= 5 AND plays >= 3
UNION ALL
SELECT 'artist', page, artist_id, artist_name, top_track, NULL, NULL, CAST(minutes AS varchar),
       CAST(plays AS varchar), CAST(n AS varchar), CAST(tracks AS varchar)
FROM artists
WHERE n <= 10
UNION ALL
SELECT 'album', page, album_id, album_name, artist_name, NULL, NULL, CAST(minutes AS varchar),
       CAST(plays AS varchar), CAST(n AS varchar), NULL
FROM albums
WHERE n <= 10
UNION ALL
SELECT 'new', page, artist_id, artist_name, first_track, first_day, NULL,
       CAST(minutes AS varchar), CAST(plays AS varchar), CAST(n AS varchar), CAST(total AS varchar)
FROM new_artists
WHERE n <= 10
