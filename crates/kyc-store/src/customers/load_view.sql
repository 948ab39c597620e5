-- A customer's stored fold: the serialized record after its first `last_sequence` events.
-- $1 guid. The record travels as JSON text (decoded straight into the domain types).
SELECT last_sequence, record::text AS body
  FROM customer_views
 WHERE customer_guid = $1
