-- The latest readable snapshot of each playlist, entry by entry, with track, album and artists:
-- every position, episodes and local files named as their entries name them.
CREATE OR REPLACE VIEW playlist_tracks_current AS
WITH latest AS (
    SELECT playlist_id, max(snapshot_date) AS snapshot_date
    FROM playlists
    WHERE items_accessible
    GROUP BY playlist_id
),
credits AS (
    SELECT ta.snapshot_date, ta.track_id,
           array_join(array_agg(ar.name ORDER BY ta.artist_position), ', ') AS artists
    FROM track_artists AS ta
    JOIN artists AS ar ON ar.artist_id = ta.artist_id AND ar.snapshot_date = ta.snapshot_date
    GROUP BY ta.snapshot_date, ta.track_id
)
SELECT
    l.snapshot_date,
    p.playlist_id,
    p.name AS playlist_name,
    pi.position,
    pi.item_type,
    pi.track_id,
    coalesce(t.name, pi.item_name) AS track_name,
    coalesce(al.name, pi.item_album) AS album_name,
    coalesce(c.artists, array_join(pi.item_artists, ', ')) AS artists,
    pi.added_at
FROM latest AS l
JOIN playlists AS p ON p.playlist_id = l.playlist_id AND p.snapshot_date = l.snapshot_date
JOIN playlist_items AS pi ON pi.playlist_id = l.playlist_id AND pi.snapshot_date = l.snapshot_date
LEFT JOIN tracks AS t ON t.track_id = pi.track_id AND t.snapshot_date = l.snapshot_date
LEFT JOIN albums AS al ON al.album_id = t.album_id AND al.snapshot_date = l.snapshot_date
LEFT JOIN credits AS c ON c.track_id = pi.track_id AND c.snapshot_date = l.snapshot_date
