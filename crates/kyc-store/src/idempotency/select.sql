SELECT request_hash, response_status, response_body
  FROM idempotency_records
 WHERE scope = $1 AND key = $2
