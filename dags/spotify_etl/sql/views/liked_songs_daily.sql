-- Songs liked and unliked per snapshot date: the date's Liked Songs (`saved_tracks`) against
-- those of the previous snapshot date that has any. Only dates with rows are compared: a date
-- whose saved tracks were not read whole (deferred, incomplete, not extracted) has an empty
-- partition and is skipped, never read as "everything unliked" (so a library emptied on purpose
-- shows its unlikes only once a song is liked again). A song unliked and liked again between two
-- snapshots is in both and is not listed. Names and credits come from the date that holds the
-- song: the new date for a like, the previous one for an unlike.
CREATE OR REPLACE VIEW liked_songs_daily AS
WITH dates AS (
    SELECT snapshot_date, lag(snapshot_date) OVER (ORDER BY snapshot_date) AS previous_date
    FROM (SELECT DISTINCT snapshot_date FROM saved_tracks) AS d
),
changes AS (
    SELECT d.snapshot_date, d.previous_date, n.track_id, n.snapshot_date AS seen_on,
           n.added_at, 'liked' AS change
    FROM dates AS d
    JOIN saved_tracks AS n ON n.snapshot_date = d.snapshot_date
    LEFT JOIN saved_tracks AS o ON o.snapshot_date = d.previous_date AND o.track_id = n.track_id
    WHERE d.previous_date IS NOT NULL AND o.track_id IS NULL
    UNION ALL
    SELECT d.snapshot_date, d.previous_date, o.track_id, o.snapshot_date AS seen_on,
           o.added_at, 'unliked' AS change
    FROM dates AS d
    JOIN saved_tracks AS o ON o.snapshot_date = d.previous_date
    LEFT JOIN saved_tracks AS n ON n.snapshot_date = d.snapshot_date AND n.track_id = o.track_id
    WHERE d.previous_date IS NOT NULL AND n.track_id IS NULL
),
credits AS (
    SELECT ta.snapshot_date, ta.track_id,
           array_join(array_agg(ar.name ORDER BY ta.artist_position), ', ') AS artists
    FROM track_artists AS ta
    JOIN artists AS ar ON ar.artist_id = ta.artist_id AND ar.snapshot_date = ta.snapshot_date
    GROUP BY ta.snapshot_date, ta.track_id
)
SELECT
    c.snapshot_date,
    c.previous_date,
    c.change,
    c.track_id,
    t.name AS track_name,
    cr.artists,
    c.added_at
FROM changes AS c
LEFT JOIN tracks AS t ON t.track_id = c.track_id AND t.snapshot_date = c.seen_on
LEFT JOIN credits AS cr ON cr.track_id = c.track_id AND cr.snapshot_date = c.seen_on
