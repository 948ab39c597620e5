-- The retention sweeper (issue #12) picks its candidates from the customer projection. The
-- facts it needs live inside the record; these clear columns, written by the projector with
-- every row, let an index find them.
--   retention_starts_at  when the retention clock started: the close, else a final rejection
--                        (CustomerRecord::retention_clock_start); NULL while the relationship
--                        is open.
--   legal_hold           a legal hold is on.
--   erased               the customer's personal data has been erased.
ALTER TABLE customer_views
    ADD COLUMN retention_starts_at timestamptz,
    ADD COLUMN legal_hold          boolean NOT NULL DEFAULT false,
    ADD COLUMN erased              boolean NOT NULL DEFAULT false;

-- Existing rows, from the record (these fields are never sealed).
UPDATE customer_views
   SET retention_starts_at = COALESCE(
           (record -> 'closure' ->> 'at')::timestamptz,
           CASE WHEN (record -> 'rejection' ->> 'retryable')::boolean IS FALSE
                THEN (record -> 'rejection' ->> 'at')::timestamptz END),
       legal_hold = record -> 'legal_hold' IS NOT NULL AND json_typeof(record -> 'legal_hold') <> 'null',
       erased     = record -> 'erased_at' IS NOT NULL AND json_typeof(record -> 'erased_at') <> 'null';

-- Erasure candidates: clocks started long enough ago, oldest first.
CREATE INDEX customer_views_retention
    ON customer_views (retention_starts_at, customer_guid)
 WHERE NOT erased AND NOT legal_hold AND retention_starts_at IS NOT NULL;

-- The held ones, only counted (few).
CREATE INDEX customer_views_retention_held
    ON customer_views (retention_starts_at)
 WHERE legal_hold AND NOT erased AND retention_starts_at IS NOT NULL;

-- Dormancy candidates: open applications (unverified, or rejected with leave to resubmit,
-- which has no retention clock) by their last event.
CREATE INDEX customer_views_dormancy
    ON customer_views (updated_at, customer_guid)
 WHERE NOT erased AND (state = 'unverified' OR (state = 'rejected' AND retention_starts_at IS NULL));
