-- Open applications (unverified, or rejected with leave to resubmit: no retention clock)
-- whose last event is at or before $1, after the cursor ($2, $3), oldest first.
-- Uses customer_views_dormancy (the predicate repeats the index's).
SELECT customer_guid, bank_guid, updated_at
  FROM customer_views
 WHERE NOT erased AND (state = 'unverified' OR (state = 'rejected' AND retention_starts_at IS NULL))
   AND updated_at <= $1
   AND ($2::timestamptz IS NULL OR (updated_at, customer_guid) > ($2, $3))
 ORDER BY updated_at, customer_guid
 LIMIT $4
