-- Stores the outcome of a claimed, not yet completed key, and the customer it shows (NULL for
-- a refusal), by which erasure deletes the customer's stored answers.
UPDATE idempotency_records
   SET outcome = $3,
       customer_guid = $4
 WHERE scope = $1 AND key = $2 AND outcome IS NULL
