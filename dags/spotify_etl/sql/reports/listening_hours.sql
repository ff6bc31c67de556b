-- Listens per weekday (1 = Monday) and hour of the day (UTC) over the two weeks up to one date.
SELECT day_of_week(played_at) AS weekday, hour(played_at) AS hour, count(*) AS plays
FROM listening
WHERE played_date <= '{{ snapshot_date }}'
  AND CAST(played_date AS date) > date_add('day', -14, CAST('{{ snapshot_date }}' AS date))
GROUP BY 1, 2
ORDER BY 1, 2
