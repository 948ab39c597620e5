-- Operator queues (issue #13, point 7), answered from clear, indexed columns: the record is
-- sealed per customer, so nothing can filter inside it. Who belongs in which queue is decided
-- once, in kyc_app::operator_queues; the projector writes the answers with every row, and a
-- replay rebuilds them from the log.
--
-- Documents pending review: one entry per document, so the documents' own projection holds it.
--   document_views.associate_guid   the associate a document identifies (shown in the queue).
--   document_views.awaiting_review  pending, and its customer is unverified or verified: the
--                                   states in which the domain accepts a review (a pending
--                                   document of a rejected, frozen or closed customer would
--                                   otherwise sit in the queue for good).
--
-- Customers awaiting the second approval:
--   customer_views.risk_level                     the latest rating's level; NULL before one.
--   customer_views.awaiting_second_approval_since unverified, rated at a level that needs four
--                                                 eyes, and first approved: that approval's
--                                                 time; NULL otherwise.
--   customer_views.first_approver                 who gave it (an operator id, as in the
--                                                 events' metadata; never personal data).
ALTER TABLE document_views
    ADD COLUMN associate_guid  text,
    ADD COLUMN awaiting_review boolean NOT NULL DEFAULT false;

ALTER TABLE customer_views
    ADD COLUMN risk_level                     text,
    ADD COLUMN awaiting_second_approval_since timestamptz,
    ADD COLUMN first_approver                 text;

-- Existing rows, from what the record keeps in clear (document ids and statuses, ratings,
-- approvers and times are never sealed). Times are cut to the microsecond, as the projector's
-- binary parameters do (PostgreSQL's text input would round the record's nanoseconds), so
-- that these rows equal what a replay writes.
UPDATE document_views d
   SET associate_guid  = v.record -> 'documents' -> d.document_guid ->> 'associate_guid',
       awaiting_review = d.status = 'pending' AND v.state IN ('unverified', 'verified')
  FROM customer_views v
 WHERE v.customer_guid = d.customer_guid;

UPDATE customer_views
   SET risk_level                     = record -> 'risk' ->> 'level',
       awaiting_second_approval_since = CASE
           WHEN state = 'unverified'
            AND (record -> 'risk' ->> 'four_eyes')::boolean IS TRUE
            AND json_typeof(record -> 'approvals') = 'array'
            AND json_array_length(record -> 'approvals') > 0
           THEN regexp_replace(record -> 'approvals' -> 0 ->> 'at', '(\.[0-9]{6})[0-9]+', '\1')::timestamptz
           END,
       first_approver = CASE
           WHEN state = 'unverified'
            AND (record -> 'risk' ->> 'four_eyes')::boolean IS TRUE
            AND json_typeof(record -> 'approvals') = 'array'
            AND json_array_length(record -> 'approvals') > 0
           THEN record -> 'approvals' -> 0 ->> 'approver'
           END
 WHERE record -> 'risk' IS NOT NULL OR record -> 'approvals' IS NOT NULL;

-- Each queue is a tenant's range of its own partial index, in the queue's order: a page is an
-- index range scan, and the total counts only the queue's entries.
CREATE INDEX document_views_review_queue
    ON document_views (bank_guid, submitted_at, document_guid)
 WHERE awaiting_review;

CREATE INDEX customer_views_second_approval_queue
    ON customer_views (bank_guid, awaiting_second_approval_since, customer_guid)
 WHERE awaiting_second_approval_since IS NOT NULL;
