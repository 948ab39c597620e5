-- A customer's stored fold: the serialized record after its first `last_sequence` events,
-- for stream $2 (the customer guid); composed by kyc_log::load_after_fold with its events.
SELECT last_sequence, record::text AS body
  FROM customer_views
 WHERE customer_guid = $2
