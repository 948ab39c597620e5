-- Deletes up to $2 records created before $1. Records an in-flight claim holds (taking over an
-- expired one) are skipped, not waited for; the recheck of created_at keeps a record that
-- such a claim renewed.
DELETE FROM idempotency_records AS r
 USING (SELECT scope, key
          FROM idempotency_records
         WHERE created_at < $1
         ORDER BY created_at
         LIMIT $2
           FOR UPDATE SKIP LOCKED) AS expired
 WHERE r.scope = expired.scope
   AND r.key = expired.key
   AND r.created_at < $1
