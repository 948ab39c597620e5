-- Open customers (neither closed nor erased) after $1, by guid, at most $2, with their stored
-- fold and whether any event of stream type $3 follows it (then the fold is not current).
SELECT v.customer_guid,
       v.bank_guid,
       v.last_sequence,
       v.record::text AS record,
       NOT EXISTS (SELECT 1
                     FROM events e
                    WHERE e.aggregate_type = $3
                      AND e.aggregate_id = v.customer_guid
                      AND e.sequence > v.last_sequence) AS current
  FROM customer_views v
 WHERE NOT v.erased
   AND v.state <> 'closed'
   AND ($1::text IS NULL OR v.customer_guid > $1)
 ORDER BY v.customer_guid
 LIMIT $2
