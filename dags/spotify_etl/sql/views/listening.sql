-- Every listen exactly once, whatever the source: the data export's streams (extended history,
-- or account data on days without it) and the Web API's recently-played plays that no stream
-- already holds. An API play whose track has a stream ending within 90 seconds of its
-- `played_at` (the end of the play, as a stream's `ended_at`) is that stream, and appears once,
-- as the stream. An API play counts its track's duration as `ms_played`; a listen is counted as
-- Spotify counts a stream: 30 seconds or more. Times are stored in UTC (`played_at`, and
-- `played_date`: the UTC day, the partitions' key); `local_played_at` and `local_date` are the
-- listener's wall-clock time and day in `time_zone` (SPOTIFY_TIMEZONE, set when the views are
-- created: a new zone takes effect at the next crawl).
CREATE OR REPLACE VIEW listening AS
SELECT
    s.ended_at AS played_at,
    s.played_date,
    s.content_type,
    s.track_id,
    s.track_name,
    s.artist_name,
    s.album_name,
    s.episode_name,
    s.show_name,
    s.ms_played,
    s.ms_played >= 30000 AS counted,
    coalesce(s.skipped, s.reason_end = 'fwdbtn') AS skipped,
    s.reason_end,
    s.source,
    CAST(s.ended_at AT TIME ZONE '{{ time_zone }}' AS timestamp) AS local_played_at,
    date_format(CAST(s.ended_at AT TIME ZONE '{{ time_zone }}' AS timestamp), '%Y-%m-%d') AS local_date,
    '{{ time_zone }}' AS time_zone
FROM streams AS s
UNION ALL
SELECT
    p.played_at,
    p.played_date,
    'track' AS content_type,
    p.track_id,
    p.track_name,
    element_at(p.artist_names, 1) AS artist_name,
    p.album_name,
    CAST(NULL AS varchar) AS episode_name,
    CAST(NULL AS varchar) AS show_name,
    p.duration_ms AS ms_played,
    p.duration_ms >= 30000 AS counted,
    CAST(NULL AS boolean) AS skipped,
    CAST(NULL AS varchar) AS reason_end,
    'api' AS source,
    CAST(p.played_at AT TIME ZONE '{{ time_zone }}' AS timestamp) AS local_played_at,
    date_format(CAST(p.played_at AT TIME ZONE '{{ time_zone }}' AS timestamp), '%Y-%m-%d') AS local_date,
    '{{ time_zone }}' AS time_zone
FROM plays AS p
WHERE NOT EXISTS (
    SELECT 1
    FROM streams AS s
    WHERE s.track_id = p.track_id
      -- the stream's month partition (a play near midnight on a month's edge: either month)
      AND s.played_month BETWEEN substr(date_format(date_add('day', -1, date(p.played_date)), '%Y-%m-%d'), 1, 7)
                             AND substr(date_format(date_add('day', 1, date(p.played_date)), '%Y-%m-%d'), 1, 7)
      AND abs(date_diff('second', s.ended_at, p.played_at)) <= 90
)
