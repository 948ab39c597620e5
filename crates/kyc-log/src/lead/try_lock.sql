-- Tries to take the session advisory lock $1 without waiting; the server releases it when the
-- holding connection ends (cleanly or not), which lets a standby take over.
SELECT pg_try_advisory_lock($1)
