-- Minutes listened, listens counted (30 s or more), streams and skips per day, month and year
-- (the listener's, in SPOTIFY_TIMEZONE), every kind of content: one row per period, `period`
-- saying which.
CREATE OR REPLACE VIEW listening_periods AS
SELECT
    period,
    starts,
    round(sum(ms_played) / 60000.0, 1) AS minutes,
    count_if(counted) AS plays,
    count(*) AS streams,
    count_if(skipped) AS skipped
FROM (
    SELECT 'day' AS period, local_date AS starts, ms_played, counted, skipped FROM listening
    UNION ALL
    SELECT 'month', substr(local_date, 1, 7), ms_played, counted, skipped FROM listening
    UNION ALL
    SELECT 'year', substr(local_date, 1, 4), ms_played, counted, skipped FROM listening
) AS p
GROUP BY period, starts
