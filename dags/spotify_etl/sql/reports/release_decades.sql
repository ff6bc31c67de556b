-- Playlist entries by album release decade on one date.
SELECT decade, sum(entries) AS entries
FROM release_years
WHERE snapshot_date = '{{ snapshot_date }}'
GROUP BY decade
ORDER BY decade
