-- The share of streams skipped (the user moved on: `skipped`, or `reason_end` = fwdbtn) per
-- month (the listener's, in SPOTIFY_TIMEZONE), for the streams that say how they ended.
CREATE OR REPLACE VIEW skip_rate AS
SELECT
    substr(local_date, 1, 7) AS month,
    count(*) AS streams,
    count_if(skipped) AS skipped,
    round(100.0 * count_if(skipped) / count(*), 1) AS skipped_percent
FROM listening
WHERE skipped IS NOT NULL
GROUP BY substr(local_date, 1, 7)
