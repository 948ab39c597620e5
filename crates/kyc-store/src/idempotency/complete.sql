-- Stores the outcome of a claimed, not yet completed key.
UPDATE idempotency_records
   SET outcome = $3
 WHERE scope = $1 AND key = $2 AND outcome IS NULL
