-- Erasure candidates: clocks started at or before $1, after the cursor ($2, $3), oldest first.
-- $2 NULL starts at the beginning. Uses customer_views_retention.
SELECT customer_guid, bank_guid, retention_starts_at
  FROM customer_views
 WHERE NOT erased AND NOT legal_hold AND retention_starts_at IS NOT NULL
   AND retention_starts_at <= $1
   AND ($2::timestamptz IS NULL OR (retention_starts_at, customer_guid) > ($2, $3))
 ORDER BY retention_starts_at, customer_guid
 LIMIT $4
