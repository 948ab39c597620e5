-- One page of a tenant's documents in force that expire by $4 (the window's last day, an
-- expiry date being the last valid day), soonest first, and their number, in one statement
-- (one snapshot, so the total and the page agree): a range of the partial index
-- document_views_expiry_queue (migrations/0017). The customer's type and state come from its
-- row, written in the same transaction as its documents'.
-- $1 bank_guid, $2 page size, $3 offset, $4 last day. An empty page is one row with the total
-- and NULLs.
WITH total AS (
    SELECT count(*) AS total
      FROM document_views
     WHERE bank_guid = $1 AND expires_on <= $4
),
page AS (
    SELECT document_guid, customer_guid, kind, associate_guid, expires_on
      FROM document_views
     WHERE bank_guid = $1 AND expires_on <= $4
     ORDER BY expires_on, document_guid
     LIMIT $2 OFFSET $3
)
SELECT t.total, p.document_guid, p.customer_guid, v.customer_type, v.state, p.kind,
       p.associate_guid, p.expires_on
  FROM total t
  LEFT JOIN (page p JOIN customer_views v USING (customer_guid)) ON true
 ORDER BY p.expires_on, p.document_guid
