-- Customers under a legal hold whose clocks started at or before $1 (counted by the sweeper).
-- Uses customer_views_retention_held.
SELECT customer_guid, bank_guid, retention_starts_at
  FROM customer_views
 WHERE legal_hold AND NOT erased AND retention_starts_at IS NOT NULL
   AND retention_starts_at <= $1
