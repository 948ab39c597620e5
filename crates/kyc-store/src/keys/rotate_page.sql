-- The next page of live keys not wrapped by the current key-encryption key ($1), in guid order
-- after $2.
SELECT customer_guid, kek_id, wrapped_key
  FROM customer_keys
 WHERE kek_id IS NOT NULL AND kek_id <> $1 AND customer_guid > $2
 ORDER BY customer_guid
 LIMIT $3
