-- The operator queues of things falling due (issue #13, point 7), answered from clear, indexed
-- columns like the other queues (migrations/0015):
--   document_views.expires_on  the last valid day of a document the due-diligence check
--                              watches (kyc_app::operator_queues::document_expiry): in force,
--                              with an expiry date, of an unverified or verified customer not
--                              erased; NULL otherwise. Like customer_views.next_expiry_on
--                              (migrations/0016) it is a date and nothing else; the document's
--                              other fields stay sealed.
-- Reviews falling due need no new column: a customer's due date is its last_reviewed_at plus
-- its tenant's period for its risk_level, computed at query time from the current policy, so
-- no stored due date goes stale when the policy changes. The index below makes that a range
-- scan per level.
--
-- The expiry date is sealed in the record, so existing rows cannot be filled here; a replay
-- (kycctl replay) fills them, and until then those documents are not in the queue.
ALTER TABLE document_views
    ADD COLUMN expires_on date;

CREATE INDEX document_views_expiry_queue
    ON document_views (bank_guid, expires_on, document_guid)
 WHERE expires_on IS NOT NULL;

CREATE INDEX customer_views_review_queue
    ON customer_views (bank_guid, risk_level, last_reviewed_at, customer_guid)
 WHERE last_reviewed_at IS NOT NULL AND NOT erased;
