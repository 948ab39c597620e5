-- Idempotency answers are kept for a window (KYC_IDEMPOTENCY_WINDOW), then purged in batches
-- by age: the purge and a claim's expiry check read created_at, which this index serves.
-- created_at is now written by the claim with the application's clock (the time the command
-- was received), so expiry and purge compare times from one clock.
CREATE INDEX idempotency_records_created_at ON idempotency_records (created_at);
