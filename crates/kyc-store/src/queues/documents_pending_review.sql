-- One page of a tenant's documents awaiting review, oldest submission first, and their number,
-- in one statement (one snapshot, so the total and the page agree): a range of the partial
-- index document_views_review_queue (migrations/0015). The customer's type and state come from
-- its row, written in the same transaction as its documents'.
-- $1 bank_guid, $2 page size, $3 offset. An empty page is one row with the total and NULLs.
WITH total AS (
    SELECT count(*) AS total
      FROM document_views
     WHERE bank_guid = $1 AND awaiting_review
),
page AS (
    SELECT document_guid, customer_guid, kind, associate_guid, submitted_at
      FROM document_views
     WHERE bank_guid = $1 AND awaiting_review
     ORDER BY submitted_at, document_guid
     LIMIT $2 OFFSET $3
)
SELECT t.total, p.document_guid, p.customer_guid, v.customer_type, v.state, p.kind,
       p.associate_guid, p.submitted_at
  FROM total t
  LEFT JOIN (page p JOIN customer_views v USING (customer_guid)) ON true
 ORDER BY p.submitted_at, p.document_guid
