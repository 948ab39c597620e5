SELECT request_hash, outcome
  FROM idempotency_records
 WHERE scope = $1 AND key = $2
