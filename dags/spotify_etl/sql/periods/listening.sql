-- The listening of each report page's period, in the listener's days and hours (the views'
-- SPOTIFY_TIMEZONE). `{{ periods }}` is the pages' table: page, starts, ends (the period) and
-- prev_starts, prev_ends (the days it is compared with), ISO dates as text. One row per figure,
-- every value as text; `part` says which figure:
--   total   k1 = 'now' or 'before'; minutes, counted listens, streams, streams that say whether
--           they were skipped, skipped, days with a counted listen
--   bucket  k1 = the day (the month on a year's page, the year on all time's); minutes, listens
--   hour    k1 = weekday (1 = Monday), k2 = hour; minutes, streams
--   streak  k1, k2 = first and last day of the longest run of days with a counted listen
--           (the latest of equal runs); its days
WITH p AS (
    SELECT * FROM {{ periods }}
),
l AS (
    SELECT local_date, local_played_at, ms_played, counted, skipped
    FROM listening
),
totals AS (
    SELECT
        p.page,
        CASE WHEN l.local_date BETWEEN p.starts AND p.ends THEN 'now' ELSE 'before' END AS span,
        sum(l.ms_played) / 60000.0 AS minutes,
        count_if(l.counted) AS plays,
        count(*) AS streams,
        count_if(l.skipped IS NOT NULL) AS told,
        count_if(l.skipped) AS skipped,
        count(DISTINCT CASE WHEN l.counted THEN l.local_date END) AS days
    FROM l
    JOIN p
        ON l.local_date BETWEEN p.starts AND p.ends
        OR l.local_date BETWEEN p.prev_starts AND p.prev_ends
    GROUP BY 1, 2
),
buckets AS (
    SELECT
        p.page,
        CASE
            WHEN p.page LIKE 'year-%' THEN substr(l.local_date, 1, 7)
            WHEN p.page = 'all' THEN substr(l.local_date, 1, 4)
            ELSE l.local_date
        END AS bucket,
        sum(l.ms_played) / 60000.0 AS minutes,
        count_if(l.counted) AS plays
    FROM l
    JOIN p ON l.local_date BETWEEN p.starts AND p.ends
    GROUP BY 1, 2
),
hours AS (
    SELECT
        p.page,
        day_of_week(l.local_played_at) AS weekday,
        hour(l.local_played_at) AS hour,
        sum(l.ms_played) / 60000.0 AS minutes,
        count(*) AS streams
    FROM l
    JOIN p ON l.local_date BETWEEN p.starts AND p.ends
    GROUP BY 1, 2, 3
),
days AS (
    SELECT DISTINCT p.page, l.local_date
    FROM l
    JOIN p ON l.local_date BETWEEN p.starts AND p.ends
    WHERE l.counted
),
islands AS (
    SELECT
        page,
        local_date,
        date_diff('day', DATE '1970-01-01', date(local_date))
            - row_number() OVER (PARTITION BY page ORDER BY local_date) AS island
    FROM days
),
runs AS (
    SELECT
        page,
        min(local_date) AS first_day,
        max(local_date) AS last_day,
        count(*) AS days
    FROM islands
    GROUP BY page, island
),
longest AS (
    SELECT
        page, first_day, last_day, days,
        row_number() OVER (PARTITION BY page ORDER BY days DESC, last_day DESC) AS n
    FROM runs
)
SELECT
    'total' AS part, page, span AS k1, CAST(NULL AS varchar) AS k2,
    CAST(minutes AS varchar) AS n1, CAST(plays AS varchar) AS n2, CAST(streams AS varchar) AS n3,
    CAST(told AS varchar) AS n4, CAST(skipped AS varchar) AS n5, CAST(days AS varchar) AS n6
FROM totals
UNION ALL
SELECT 'bucket', page, bucket, NULL, CAST(minutes AS varchar), CAST(plays AS varchar),
       NULL, NULL, NULL, NULL
FROM buckets
UNION ALL
SELECT 'hour', page, CAST(weekday AS varchar), CAST(hour AS varchar), CAST(minutes AS varchar),
       CAST(streams AS varchar), NULL, NULL, NULL, NULL
FROM hours
UNION ALL
SELECT 'streak', page, first_day, last_day, CAST(days AS varchar), NULL, NULL, NULL, NULL, NULL
FROM longest
WHERE n = 1
