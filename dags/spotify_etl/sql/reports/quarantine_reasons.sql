-- Quarantined rows of one date by reason.
SELECT reason, count(*) AS rows_quarantined
FROM quarantine
WHERE snapshot_date = '{{ snapshot_date }}'
GROUP BY reason
ORDER BY 2 DESC, 1
