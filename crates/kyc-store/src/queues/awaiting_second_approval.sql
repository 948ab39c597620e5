-- One page of a tenant's customers awaiting the second approval, oldest first approval first,
-- and their number, in one statement (one snapshot, so the total and the page agree): a range
-- of the partial index customer_views_second_approval_queue (migrations/0015).
-- $1 bank_guid, $2 page size, $3 offset. An empty page is one row with the total and NULLs.
WITH total AS (
    SELECT count(*) AS total
      FROM customer_views
     WHERE bank_guid = $1 AND awaiting_second_approval_since IS NOT NULL
),
page AS (
    SELECT customer_guid, customer_type, risk_level, first_approver,
           awaiting_second_approval_since
      FROM customer_views
     WHERE bank_guid = $1 AND awaiting_second_approval_since IS NOT NULL
     ORDER BY awaiting_second_approval_since, customer_guid
     LIMIT $2 OFFSET $3
)
SELECT t.total, p.customer_guid, p.customer_type, p.risk_level, p.first_approver,
       p.awaiting_second_approval_since
  FROM total t
  LEFT JOIN page p ON true
 ORDER BY p.awaiting_second_approval_since, p.customer_guid
