-- Ongoing due diligence (issue #13): the scheduler picks its candidates from the customer
-- projection. The facts it needs live inside the (sealed) record; these clear columns, written
-- by the projector with every row, let an index find them. A replay (kycctl replay) fills them
-- for existing rows; until then they are NULL and those customers are not checked.
--   next_expiry_on    the earliest expiry date of a document still in force (accepted, not
--                     yet expired), while the customer is unverified or verified.
--   last_reviewed_at  when a verified customer was verified or last completed a review.
--   due_since         since when something has been due and unmet for a verified customer
--                     (an open periodic review, or an expired document the profile asks for
--                     again): the start of its grace period.
ALTER TABLE customer_views
    ADD COLUMN next_expiry_on   date,
    ADD COLUMN last_reviewed_at timestamptz,
    ADD COLUMN due_since        timestamptz;

CREATE INDEX customer_views_next_expiry
    ON customer_views (next_expiry_on)
 WHERE NOT erased AND next_expiry_on IS NOT NULL;

CREATE INDEX customer_views_last_reviewed
    ON customer_views (last_reviewed_at)
 WHERE NOT erased AND last_reviewed_at IS NOT NULL;

CREATE INDEX customer_views_due_since
    ON customer_views (due_since)
 WHERE NOT erased AND due_since IS NOT NULL;
