-- The stored fold of the given customers. $1 customer_guid[].
SELECT customer_guid, last_sequence, last_position, record
  FROM customer_views
 WHERE customer_guid = ANY ($1::text[])
