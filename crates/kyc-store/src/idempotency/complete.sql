-- Stores the answer of a claimed, not yet completed key.
UPDATE idempotency_records
   SET response_status = $3, response_body = $4
 WHERE scope = $1 AND key = $2 AND response_status IS NULL
