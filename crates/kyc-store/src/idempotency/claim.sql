-- Claims (scope, key) for this transaction. If another transaction holds an uncommitted claim,
-- this statement waits for it to end: on commit nothing is inserted (the caller then reads the
-- stored answer), on rollback the claim goes to this transaction.
INSERT INTO idempotency_records (scope, key, request_hash)
VALUES ($1, $2, $3)
ON CONFLICT (scope, key) DO NOTHING
RETURNING true
