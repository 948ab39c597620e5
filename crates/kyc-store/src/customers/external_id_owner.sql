-- The customer holding (tenant, external id). READ COMMITTED: this new statement sees the
-- reservation the conflicting transaction committed.
SELECT customer_guid
  FROM customer_external_ids
 WHERE bank_guid = $1 AND external_id = $2
