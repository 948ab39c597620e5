-- One page of a tenant's verified customers whose periodic review falls due by $4, soonest
-- first, and their number, in one statement (one snapshot, so the total and the page agree).
-- A due date is last_reviewed_at plus the tenant's current period for the customer's level
-- ($5 low, also for customers not yet rated; $6 medium; $7 high; in seconds), so each level is
-- a range of the partial index customer_views_review_queue (migrations/0017): reviewed by
-- $4 minus its period.
-- $1 bank_guid, $2 page size, $3 offset. An empty page is one row with the total and NULLs.
WITH due AS (
    SELECT customer_guid, customer_type, 'low' AS risk_level, last_reviewed_at,
           last_reviewed_at + $5 * interval '1 second' AS due_at
      FROM customer_views
     WHERE bank_guid = $1 AND (risk_level = 'low' OR risk_level IS NULL)
       AND last_reviewed_at IS NOT NULL AND NOT erased
       AND last_reviewed_at <= $4 - $5 * interval '1 second'
    UNION ALL
    SELECT customer_guid, customer_type, risk_level, last_reviewed_at,
           last_reviewed_at + $6 * interval '1 second'
      FROM customer_views
     WHERE bank_guid = $1 AND risk_level = 'medium'
       AND last_reviewed_at IS NOT NULL AND NOT erased
       AND last_reviewed_at <= $4 - $6 * interval '1 second'
    UNION ALL
    SELECT customer_guid, customer_type, risk_level, last_reviewed_at,
           last_reviewed_at + $7 * interval '1 second'
      FROM customer_views
     WHERE bank_guid = $1 AND risk_level = 'high'
       AND last_reviewed_at IS NOT NULL AND NOT erased
       AND last_reviewed_at <= $4 - $7 * interval '1 second'
),
total AS (
    SELECT count(*) AS total FROM due
),
page AS (
    SELECT * FROM due ORDER BY due_at, customer_guid LIMIT $2 OFFSET $3
)
SELECT t.total, p.customer_guid, p.customer_type, p.risk_level, p.last_reviewed_at, p.due_at
  FROM total t
  LEFT JOIN page p ON true
 ORDER BY p.due_at, p.customer_guid
