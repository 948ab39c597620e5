-- Reserves (tenant, external id) for a customer inside the command's transaction.
-- $1 bank_guid, $2 external_id, $3 customer_guid.
-- ON CONFLICT DO NOTHING rather than a unique violation, so the transaction stays usable (the
-- refusal is an answer the caller may still store under its idempotency key). A concurrent
-- uncommitted reservation of the same id makes this wait until that transaction ends.
INSERT INTO customer_external_ids (bank_guid, external_id, customer_guid)
VALUES ($1, $2, $3)
ON CONFLICT (bank_guid, external_id) DO NOTHING
RETURNING customer_guid
