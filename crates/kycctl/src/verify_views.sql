-- The customer projection in the order of verify_streams.sql, with the columns lists filter on.
SELECT customer_guid, last_sequence, record, bank_guid, customer_type, state, profile_status,
       array_to_string(labels, ',') AS labels
  FROM customer_views
 ORDER BY customer_guid
