-- Erasure: the stored answers (idempotency records) that show the customer.
DELETE FROM idempotency_records WHERE customer_guid = $1
