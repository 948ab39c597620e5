-- Claims (scope, key) for this transaction at $4 (the command's time). If another transaction
-- holds an uncommitted claim, this statement waits for it to end: on commit nothing is inserted
-- (the caller then reads the stored answer), on rollback the claim goes to this transaction.
-- A committed record created before $5 has expired: it is taken over as a fresh claim (and
-- stays locked by this transaction), whatever its request, whether or not the purge has run.
INSERT INTO idempotency_records (scope, key, request_hash, created_at)
VALUES ($1, $2, $3, $4)
ON CONFLICT (scope, key) DO UPDATE
   SET request_hash = EXCLUDED.request_hash,
       outcome      = NULL,
       created_at   = EXCLUDED.created_at
 WHERE idempotency_records.created_at < $5
RETURNING true
